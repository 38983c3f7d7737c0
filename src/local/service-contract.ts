// The contract between the local HTTP server and each service mounted on it (/auth/v1, /rest/v1, ...).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import type { JwtClaims, JwtResult } from './jwt.js';
import type { ApiKeys } from './keys.js';
import type { CallerSql, SqlCaller } from './sql.js';

export interface AuthRateLimits {
  /** Password sign-ins and sign-ups per 5 minutes per account, and 10 times that per client address (Supabase: sign_in_sign_ups = 30). */
  signIn: number;
  /** Refresh-token grants per 5 minutes per client address (token_refresh = 150). */
  tokenRefresh: number;
  /** /verify calls per 5 minutes per client address (token_verifications = 30). */
  verify: number;
}

export interface BackendSettings {
  /** Access-token lifetime in seconds (Supabase: auth.jwt_expiry = 3600). */
  jwtExpiry: number;
  /** Seconds during which a rotated refresh token may be used again (refresh_token_reuse_interval = 10). */
  refreshTokenReuseInterval: number;
  rateLimits: AuthRateLimits;
  /** Row cap on table reads (api.max_rows = 1000). */
  maxRows: number;
  /** auth.minimum_password_length (Supabase default 6). */
  minimumPasswordLength: number;
  /** auth.site_url: default redirect target of email links. */
  siteUrl: string;
}

export interface BackendContext {
  /** Public base URL, e.g. http://127.0.0.1:54321 (known once the server listens). */
  url(): string;
  readonly jwtSecret: string;
  readonly keys: ApiKeys;
  readonly settings: BackendSettings;
  readonly dataDir: string;
  readonly projectRoot: string;
  /** Superuser connection string of the database. */
  readonly databaseUrl: string;
  /** Superuser pool, for what Supabase's services do as their own admin roles (GoTrue, Storage's final write). */
  readonly admin: pg.Pool;
  /** Runs SQL as an API caller (see sql.ts). */
  readonly sql: CallerSql;
  /** Extra environment for edge functions (over supabase/functions/.env, under Supabase's own values). */
  readonly functionEnv: Record<string, string>;
  log(line: string): void;
}

/** What the gateway learned about the request's credentials (Supabase's Kong rewrite, see gateway.ts). */
export interface GatewayAuth {
  /** The `apikey` header (or query parameter), if any. */
  apiKey: string | null;
  /** The bearer token after the rewrite (sb_ keys replaced by the anon/service_role JWTs), or null. */
  token: string | null;
  /** `token` checked against the JWT secret; null when there is no token. */
  verified: JwtResult | null;
}

export interface ServiceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Path below the service prefix, starting with '/', undecoded (`/rpc/add_module`). */
  path: string;
  /** Full request URL (path includes the prefix) with its query. */
  url: URL;
  auth: GatewayAuth;
}

export interface BackendService {
  /** Mount point, e.g. '/storage/v1'. */
  prefix: string;
  /** Whether the gateway answers 401 when no API key is sent; open routes (email links, signed URLs) return false. */
  requiresApiKey(path: string, method: string): boolean;
  handle(request: ServiceRequest): Promise<void>;
  close?(): Promise<void>;
}

export type ServiceFactory = (backend: BackendContext) => BackendService | Promise<BackendService>;

/** The caller verified claims make: their `role` (anon when missing or empty), kept in the claims too. */
export function callerFromClaims(claims: JwtClaims): SqlCaller {
  const role = typeof claims.role === 'string' && claims.role !== '' ? claims.role : 'anon';
  return { role, claims: { ...claims, role } };
}

/** The caller a database request runs as: the verified JWT's role and claims, else anon. */
export function sqlCallerFrom(auth: GatewayAuth): SqlCaller {
  return callerFromClaims(auth.verified?.ok ? auth.verified.claims : {});
}
