// The local Supabase-compatible backend: one HTTP server on 127.0.0.1 with /auth/v1, /rest/v1,
// /functions/v1, /storage/v1 and /device, in front of a PostgreSQL database that already holds the
// platform objects and the migrations.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { applyCors, OriginPolicy, rejectApiKey, rejectForeignHost, resolveGatewayAuth } from './gateway.js';
import { sendJson } from './http.js';
import { deriveApiKeys } from './keys.js';
import type { AuthRateLimits, BackendContext, BackendService, BackendSettings } from './service-contract.js';
import { SERVICES } from './service-mounts.js';
import { CallerSql } from './sql.js';

export interface BackendOptions {
  /** Superuser URL of a database that already has the platform objects and migrations. */
  databaseUrl: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  jwtSecret: string;
  /** Password of the `authenticator` role (set with postgres.ts setRolePasswords). */
  authenticatorPassword: string;
  /** Where services keep files (storage objects, function bundles). */
  dataDir: string;
  /** Repository root: supabase/functions, supabase/config.toml and web/ are read from here. */
  projectRoot: string;
  /** Access-token lifetime in seconds; default 3600. */
  jwtExpiry?: number;
  refreshTokenReuseInterval?: number;
  rateLimits?: Partial<AuthRateLimits>;
  maxRows?: number;
  minimumPasswordLength?: number;
  siteUrl?: string;
  /** Extra Deno.env values for edge functions (e.g. DEVICE_AUTH_INTERVAL). */
  functionEnv?: Record<string, string>;
  /** Database transactions one caller may run at once (default 4 of the pool's 10; service_role unlimited). */
  perCallerRequests?: number;
  /** Bound on anon's and authenticated's statement_timeout per request, in ms (default 8000). */
  statementTimeoutMs?: number;
  /** Browser origins besides the backend's own that get a CORS grant (`local start --cors-origin`). */
  corsOrigins?: string[];
  log?: (line: string) => void;
}

export interface RunningBackend {
  /** Base URL, e.g. http://127.0.0.1:54321 */
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
  jwtSecret: string;
  close(): Promise<void>;
}

export const DEFAULT_RATE_LIMITS: AuthRateLimits = { signIn: 30, tokenRefresh: 150, verify: 30 };

export async function startBackend(options: BackendOptions): Promise<RunningBackend> {
  if (options.jwtSecret.length < 32) throw new Error('the JWT secret must be at least 32 characters');
  const host = options.host ?? '127.0.0.1';
  const keys = await deriveApiKeys(options.jwtSecret);
  const settings: BackendSettings = {
    jwtExpiry: options.jwtExpiry ?? 3600,
    refreshTokenReuseInterval: options.refreshTokenReuseInterval ?? 10,
    rateLimits: { ...DEFAULT_RATE_LIMITS, ...options.rateLimits },
    maxRows: options.maxRows ?? 1000,
    minimumPasswordLength: options.minimumPasswordLength ?? 6,
    siteUrl: options.siteUrl ?? 'http://127.0.0.1:3000',
  };
  const admin = new pg.Pool({ connectionString: options.databaseUrl, max: 5, idleTimeoutMillis: 10_000 });
  admin.on('error', () => undefined);
  let sql: CallerSql;
  try {
    sql = await CallerSql.connect(options.databaseUrl, {
      authenticatorPassword: options.authenticatorPassword,
      perCaller: options.perCallerRequests,
      statementTimeoutMs: options.statementTimeoutMs,
    });
  } catch (err) {
    await admin.end();
    throw err;
  }
  let publicUrl = '';
  let listeningPort = 0;
  const origins = new OriginPolicy(host, () => listeningPort, options.corsOrigins ?? []);
  const log = options.log ?? (() => undefined);
  const context: BackendContext = {
    url: () => publicUrl,
    jwtSecret: options.jwtSecret,
    keys,
    settings,
    dataDir: options.dataDir,
    projectRoot: options.projectRoot,
    databaseUrl: options.databaseUrl,
    admin,
    sql,
    functionEnv: { ...(options.functionEnv ?? {}) },
    log,
  };

  const services: BackendService[] = [];
  try {
    for (const factory of SERVICES) services.push(await factory(context));
  } catch (err) {
    await Promise.allSettled(services.map((s) => s.close?.()));
    await sql.close();
    await admin.end();
    throw err;
  }
  // Longest prefix first, so /storage/v1/s3 could be mounted beside /storage/v1.
  services.sort((a, b) => b.prefix.length - a.prefix.length);

  const server = createServer((req, res) => {
    void dispatch(req, res).catch((err: unknown) => {
      log(`unhandled error on ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', publicUrl || `http://${host}`);
    const pathname = url.pathname;
    if (rejectForeignHost(req, res, origins)) return;
    if (applyCors(req, res, origins)) return;
    if (pathname === '/' || pathname === '/health') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    const service = services.find((s) => pathname === s.prefix || pathname.startsWith(`${s.prefix}/`));
    if (!service) {
      sendJson(res, 404, { message: 'no Route matched with those values' });
      return;
    }
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const path = rawPath.slice(service.prefix.length);
    const method = (req.method ?? 'GET').toUpperCase();
    const auth = await resolveGatewayAuth(req, url, keys, options.jwtSecret);
    if (service.requiresApiKey(path || '/', method) && (await rejectApiKey(res, auth, keys, options.jwtSecret))) return;
    await service.handle({ req, res, method, path, url, auth });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  listeningPort = address.port;
  publicUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  log(`listening on ${publicUrl}`);

  let closing: Promise<void> | null = null;
  return {
    url: publicUrl,
    anonKey: keys.anonKey,
    serviceRoleKey: keys.serviceRoleKey,
    publishableKey: keys.publishableKey,
    secretKey: keys.secretKey,
    jwtSecret: options.jwtSecret,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2_000).unref();
        });
        await Promise.allSettled(services.map((s) => s.close?.()));
        await sql.close();
        await admin.end();
      })();
      return closing;
    },
  };
}
