// What every Auth route needs, built once when the service starts: the admin pool, the pgcrypto schema,
// the rate limiters and the token settings.
import type pg from 'pg';
import type { BackendContext } from '../service-contract.js';
import { RateLimiter, SignInLimiter } from './rate-limit.js';
import type { TokenSettings } from './sessions.js';

export interface AuthContext {
  readonly backend: BackendContext;
  /** The superuser pool GoTrue's own role stands for. */
  readonly db: pg.Pool;
  /** The quoted schema pgcrypto lives in, for crypt() and gen_salt(). */
  readonly crypto: string;
  readonly limits: {
    readonly signIn: SignInLimiter;
    readonly tokenRefresh: RateLimiter;
    readonly verify: RateLimiter;
  };
  /** Read at each use: the issuer names the URL, which is known once the server listens. */
  tokenSettings(): TokenSettings;
}

export async function createAuthContext(backend: BackendContext): Promise<AuthContext> {
  const db = backend.admin;
  const crypto = await pgcryptoSchema(db);
  const limits = {
    signIn: new SignInLimiter(backend.settings.rateLimits.signIn),
    tokenRefresh: new RateLimiter(backend.settings.rateLimits.tokenRefresh),
    verify: new RateLimiter(backend.settings.rateLimits.verify),
  };
  const tokenSettings = (): TokenSettings => ({
    jwtSecret: backend.jwtSecret,
    jwtExpiry: backend.settings.jwtExpiry,
    refreshTokenReuseInterval: backend.settings.refreshTokenReuseInterval,
    issuer: `${backend.url()}/auth/v1`,
  });
  return { backend, db, crypto, limits, tokenSettings };
}

/** The schema pgcrypto lives in (extensions on Supabase); bcrypt hashing and checks use its crypt(). */
async function pgcryptoSchema(pool: pg.Pool): Promise<string> {
  const find = () =>
    pool.query<{ nspname: string }>(
      `select n.nspname from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace where e.extname = 'pgcrypto'`,
    );
  let { rows } = await find();
  if (!rows[0]) {
    await pool.query('create schema if not exists extensions; create extension if not exists pgcrypto with schema extensions');
    ({ rows } = await find());
  }
  return `"${rows[0]!.nspname.replace(/"/g, '""')}"`;
}
