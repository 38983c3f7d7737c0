// The local backend for tests: a fresh database (cloned from the run's template) behind an in-process
// server on a free port, plus supabase-js clients and users created through the Auth admin API.
//
//   const backend = await startTestBackend();
//   const { client, user } = await backend.signedInUser();
//   await client.rpc('list_sessions');
//   await backend.close();
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient, type Session, type SupabaseClient, type User } from '@supabase/supabase-js';
import ws from 'ws';
import { packageRoot } from '../../src/local/postgres.js';
import { startBackend, type RunningBackend } from '../../src/local/server.js';
import type { AuthRateLimits } from '../../src/local/service-contract.js';
import { freshDatabase, type FreshDatabase } from './db.js';

export interface TestBackendOptions {
  /** 'migrated' (default): platform + migrations; 'platform': platform objects only. */
  from?: 'migrated' | 'platform';
  /** Access-token lifetime in seconds (default 3600); short values test expiry. */
  jwtExpiry?: number;
  /** Refresh-token reuse window in seconds (default 10, as on Supabase). */
  refreshTokenReuseInterval?: number;
  /** Auth rate limits per 5 minutes (defaults: Supabase's 30 sign-ins, 150 refreshes, 30 verifications). */
  rateLimits?: Partial<AuthRateLimits>;
  /** Row cap of table reads (default 1000). */
  maxRows?: number;
  /** Extra Deno.env values for edge functions. */
  functionEnv?: Record<string, string>;
  /** Database transactions one caller may run at once (default 4). */
  perCallerRequests?: number;
  /** Bound on a request's statement_timeout in ms (default 8000). */
  statementTimeoutMs?: number;
  /** Browser origins besides the backend's own that get a CORS grant. */
  corsOrigins?: string[];
  /** Server log lines (default: dropped). */
  log?: (line: string) => void;
  /** Folder with supabase/config.toml, supabase/functions and web/device (default: this repository). */
  projectRoot?: string;
}

export interface NewUserOptions {
  email?: string;
  /** Default: a random password. */
  password?: string;
  /** Sets app_metadata.role = 'operator' (only the service role can). */
  operator?: boolean;
  appMetadata?: Record<string, unknown>;
  userMetadata?: Record<string, unknown>;
  /** Default true. */
  emailConfirmed?: boolean;
}

export interface CreatedUser {
  id: string;
  email: string;
  password: string;
  user: User;
}

export interface SignedInUser extends CreatedUser {
  /** supabase-js client holding this user's session (in memory, no auto refresh). */
  client: SupabaseClient;
  session: Session;
}

export interface TestBackend {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
  jwtSecret: string;
  /** The database behind it (superuser pool in db.pool). */
  db: FreshDatabase;
  /** Directory for storage files and function bundles (removed on close). */
  dataDir: string;
  /** A new supabase-js client with the anon key (or `key`), no session. */
  client(key?: string): SupabaseClient;
  /** A supabase-js client with the service-role key: admin API, bypasses RLS. */
  admin(): SupabaseClient;
  /** Creates a confirmed user through POST /auth/v1/admin/users. */
  createUser(options?: NewUserOptions): Promise<CreatedUser>;
  /** Signs in with email and password (POST /auth/v1/token?grant_type=password). */
  signIn(email: string, password: string): Promise<{ client: SupabaseClient; session: Session }>;
  /** createUser + signIn. */
  signedInUser(options?: NewUserOptions): Promise<SignedInUser>;
  /** Stops the server and drops the database. */
  close(): Promise<void>;
}

export function supabaseClient(url: string, key: string): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: ws as never },
  });
}

export async function startTestBackend(options: TestBackendOptions = {}): Promise<TestBackend> {
  const db = await freshDatabase({ from: options.from ?? 'migrated' });
  const dataDir = await mkdtemp(join(tmpdir(), 'session-backend-'));
  let running: RunningBackend;
  try {
    running = await startBackend({
      databaseUrl: db.superuserUrl,
      authenticatorPassword: db.rolePassword,
      port: 0,
      jwtSecret: randomBytes(32).toString('hex'),
      dataDir,
      projectRoot: options.projectRoot ?? packageRoot(),
      jwtExpiry: options.jwtExpiry,
      refreshTokenReuseInterval: options.refreshTokenReuseInterval,
      rateLimits: options.rateLimits,
      maxRows: options.maxRows,
      functionEnv: options.functionEnv,
      corsOrigins: options.corsOrigins,
      perCallerRequests: options.perCallerRequests,
      statementTimeoutMs: options.statementTimeoutMs,
      log: options.log,
    });
  } catch (err) {
    await db.cleanup();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const admin = supabaseClient(running.url, running.serviceRoleKey);
  let counter = 0;

  const createUser = async (opts: NewUserOptions = {}): Promise<CreatedUser> => {
    counter += 1;
    const email = (opts.email ?? `user-${counter}-${randomBytes(4).toString('hex')}@example.com`).toLowerCase();
    const password = opts.password ?? `pw-${randomBytes(8).toString('hex')}`;
    const appMetadata = { ...(opts.appMetadata ?? {}), ...(opts.operator ? { role: 'operator' } : {}) };
    const { data, error } = await admin.auth.admin.createUser({
      email,
      password,
      email_confirm: opts.emailConfirmed ?? true,
      app_metadata: appMetadata,
      user_metadata: opts.userMetadata ?? {},
    });
    if (error || !data.user) throw new Error(`createUser(${email}) failed: ${error?.message ?? 'no user'}`);
    return { id: data.user.id, email, password, user: data.user };
  };

  const signIn = async (email: string, password: string) => {
    const client = supabaseClient(running.url, running.anonKey);
    const { data, error } = await client.auth.signInWithPassword({ email, password });
    if (error || !data.session) throw new Error(`signIn(${email}) failed: ${error?.message ?? 'no session'}`);
    return { client, session: data.session };
  };

  return {
    url: running.url,
    anonKey: running.anonKey,
    serviceRoleKey: running.serviceRoleKey,
    publishableKey: running.publishableKey,
    secretKey: running.secretKey,
    jwtSecret: running.jwtSecret,
    db,
    dataDir,
    client: (key = running.anonKey) => supabaseClient(running.url, key),
    admin: () => supabaseClient(running.url, running.serviceRoleKey),
    createUser,
    signIn,
    async signedInUser(opts: NewUserOptions = {}) {
      const created = await createUser(opts);
      return { ...created, ...(await signIn(created.email, created.password)) };
    },
    async close() {
      await running.close();
      await db.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
