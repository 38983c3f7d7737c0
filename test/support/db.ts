// Database helpers for tests: a fresh database per file cloned from the run's template, GoTrue-style
// users, and callers that act exactly as PostgREST does (one transaction, SET LOCAL ROLE,
// request.jwt.claims set transaction-locally).
import { randomBytes, randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import pg from 'pg';
import { createDatabase, databaseUrl, dropDatabase, SUPERUSER } from '../../src/local/postgres.js';

export interface FreshDatabase {
  /** Database name. */
  name: string;
  port: number;
  /** supabase_admin on this database. */
  superuserUrl: string;
  /** postgres (the migration role, not a superuser) on this database. */
  postgresUrl: string;
  /** authenticator (the PostgREST login role) on this database. */
  authenticatorUrl: string;
  /** Password of postgres, authenticator, supabase_auth_admin and supabase_storage_admin. */
  rolePassword: string;
  /** Superuser pool: setup and inspection. */
  pool: pg.Pool;
  /** authenticator pool: what the as* helpers should use to behave like PostgREST. */
  api: pg.Pool;
  /** Ends the pools and drops the database. */
  cleanup(): Promise<void>;
}

export interface FreshDatabaseOptions {
  /** 'migrated' (default): platform + migrations; 'platform': platform objects only. */
  from?: 'migrated' | 'platform';
  /** Max connections per pool (default 10). */
  max?: number;
}

/** Creates a database from the run's template (CREATE DATABASE ... TEMPLATE) and pools for it. */
export async function freshDatabase(options: FreshDatabaseOptions = {}): Promise<FreshDatabase> {
  const info = inject('postgres');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const adminUrl = databaseUrl({ port: info.port, user: SUPERUSER, password: info.superuserPassword, database: 'postgres' });
  await createDatabase(adminUrl, name, options.from === 'platform' ? info.platformTemplate : info.template);
  const superuserUrl = databaseUrl({ port: info.port, user: SUPERUSER, password: info.superuserPassword, database: name });
  const postgresUrl = databaseUrl({ port: info.port, user: 'postgres', password: info.rolePassword, database: name });
  const authenticatorUrl = databaseUrl({ port: info.port, user: 'authenticator', password: info.rolePassword, database: name });
  const max = options.max ?? 10;
  const pool = new pg.Pool({ connectionString: superuserUrl, max });
  const api = new pg.Pool({ connectionString: authenticatorUrl, max });
  pool.on('error', () => undefined);
  api.on('error', () => undefined);
  // Database-level settings are not copied from a template.
  await pool.query(`alter database ${pg.escapeIdentifier(name)} set pgrst.db_schemas = 'public, graphql_public'`);
  return {
    name,
    port: info.port,
    superuserUrl,
    postgresUrl,
    authenticatorUrl,
    rolePassword: info.rolePassword,
    pool,
    api,
    cleanup: async () => {
      await Promise.allSettled([pool.end(), api.end()]);
      await dropDatabase(adminUrl, name);
    },
  };
}

/** A user as tests see it; `claims` is what its access token would carry. */
export interface TestUser {
  id: string;
  email: string;
  operator: boolean;
  claims: Record<string, unknown>;
}

export interface CreateUserOptions {
  email?: string;
  operator?: boolean;
  password?: string;
  id?: string;
}

/** Inserts a GoTrue-style auth.users row (plus its email identity) through a superuser pool. */
export async function createUser(pool: pg.Pool, options: CreateUserOptions = {}): Promise<TestUser> {
  const id = options.id ?? randomUUID();
  const email = (options.email ?? `user-${id.slice(0, 8)}@example.com`).toLowerCase();
  const operator = options.operator ?? false;
  const appMetadata: Record<string, unknown> = { provider: 'email', providers: ['email'], ...(operator ? { role: 'operator' } : {}) };
  await pool.query(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
        confirmation_token, recovery_token, email_change_token_new, email_change,
        raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at)
     values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2,
        extensions.crypt($3, extensions.gen_salt('bf', 4)), now(), '', '', '', '',
        $4::jsonb, '{"email_verified": true}'::jsonb, false, now(), now())`,
    [id, email, options.password ?? 'test-password', JSON.stringify(appMetadata)],
  );
  await pool.query(
    `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
     values ($1::text, $1::uuid, jsonb_build_object('sub', $1::text, 'email', $2::text, 'email_verified', true, 'phone_verified', false),
             'email', now(), now(), now())`,
    [id, email],
  );
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'http://127.0.0.1:54321/auth/v1',
    sub: id,
    aud: 'authenticated',
    exp: now + 3600,
    iat: now,
    email,
    phone: '',
    app_metadata: appMetadata,
    user_metadata: { email_verified: true },
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: now }],
    session_id: randomUUID(),
    is_anonymous: false,
  };
  return { id, email, operator, claims };
}

export interface ActOptions {
  /** Roll back instead of committing (default: commit, as PostgREST does). */
  rollback?: boolean;
}

/** Runs fn in one transaction as PostgREST would for a request with these role and claims. */
export async function asRole<T>(
  pool: pg.Pool,
  role: 'anon' | 'authenticated' | 'service_role',
  claims: Record<string, unknown>,
  fn: (client: pg.PoolClient) => Promise<T>,
  options: ActOptions = {},
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('begin');
    await client.query(
      `select set_config('search_path', '"public", "public", "extensions"', true),
              set_config('role', $1, true),
              set_config('request.jwt.claims', $2, true),
              set_config('request.method', 'POST', true)`,
      [role, JSON.stringify({ ...claims, role })],
    );
    const result = await fn(client);
    await client.query(options.rollback ? 'rollback' : 'commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** As a signed-in user (role authenticated, the user's claims). */
export function asUser<T>(pool: pg.Pool, user: TestUser, fn: (client: pg.PoolClient) => Promise<T>, options?: ActOptions): Promise<T> {
  return asRole(pool, 'authenticated', user.claims, fn, options);
}

/** As an operator: the user must have been created with operator: true. */
export function asOperator<T>(pool: pg.Pool, user: TestUser, fn: (client: pg.PoolClient) => Promise<T>, options?: ActOptions): Promise<T> {
  if (!user.operator) throw new Error(`${user.email} is not an operator`);
  return asRole(pool, 'authenticated', user.claims, fn, options);
}

/** As a request without a user token (anon key). */
export function asAnon<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, options?: ActOptions): Promise<T> {
  return asRole(pool, 'anon', { iss: 'supabase-demo' }, fn, options);
}

/** As the service role (secret key): bypasses RLS. */
export function asServiceRole<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, options?: ActOptions): Promise<T> {
  return asRole(pool, 'service_role', { iss: 'supabase-demo' }, fn, options);
}

/** The SQLSTATE of a rejected promise (fails the test if it resolves). */
export async function sqlState(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    throw err;
  }
  throw new Error('expected a database error, but the statement succeeded');
}
