// Runs SQL as an API caller, the way PostgREST and Storage do on Supabase: logged in as `authenticator`,
// one transaction per request, the role and claims from the caller's JWT set transaction-locally, so the
// database's grants and row-level security policies judge every statement. Only service_role bypasses RLS.
import pg from 'pg';
import type { JwtClaims } from './jwt.js';
import { withTransaction } from './transaction.js';

export interface SqlCaller {
  /** Database role to act as: anon, authenticated, service_role (the JWT's role claim). */
  role: string;
  /** Claims stored in request.jwt.claims; always includes `role`. */
  claims: JwtClaims;
}

export interface SqlRequestInfo {
  method: string;
  /** The path as the service sees it, without the gateway prefix (`/rpc/list_sessions`, `/object/videos/a.mp4`). */
  path: string;
  /** Lowercased header names, cookie excluded (see headersObject in http.ts). */
  headers: Record<string, string>;
  cookies?: Record<string, string>;
  /** The client's address (clientAddress in http.ts): callers without a subject share slots per address. */
  client: string;
}

export interface CallerTransactionOptions {
  /** READ ONLY transaction (GET/HEAD, STABLE functions). */
  readOnly?: boolean;
  /** The request's schema first on the search path (default public). */
  schema?: string;
  /** Extra transaction-local settings, e.g. Storage's request.jwt.claim.sub or storage.operation. */
  settings?: Record<string, string>;
}

export type SqlClient = pg.PoolClient;

/**
 * The only roles a request may act as. `authenticator` may SET ROLE to these, but a role name from a JWT
 * is checked here first, so no token (however it was signed) switches to any other role, `authenticator`
 * itself or `none` included.
 */
export const API_ROLES: ReadonlySet<string> = new Set(['anon', 'authenticated', 'service_role']);

/** What PostgreSQL answers a SET ROLE it refuses (42501), so every service maps it as it maps that error. */
export class RoleNotAllowedError extends Error {
  readonly code = '42501';
  readonly severity = 'ERROR';
  readonly detail = undefined;
  readonly hint = undefined;
  constructor(role: string) {
    super(`permission denied to set role ${quoteIdent(role)}`);
  }
}

/** What a caller over its share of the pool gets (PostgreSQL's too_many_connections, 503 in PostgREST's mapping). */
export class CallerBusyError extends Error {
  readonly code = '53300';
  readonly severity = 'ERROR';
  readonly detail = undefined;
  readonly hint = 'wait for your earlier requests to finish';
  constructor(limit: number) {
    super(`too many requests at once for this caller (at most ${limit} run and ${limit * QUEUE_FACTOR} wait)`);
  }
}

/** How many requests of one caller may wait for a slot, per slot. */
const QUEUE_FACTOR = 16;

/**
 * Slots per caller: at most `limit` transactions of one caller run at once, the next ones wait in order, and
 * beyond the queue they are refused, so one user's flood cannot hold every pooled connection.
 */
export class CallerSlots {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(readonly limit: number) {}

  async acquire(key: string): Promise<() => void> {
    const active = this.running.get(key) ?? 0;
    if (active < this.limit) {
      this.running.set(key, active + 1);
      return () => this.release(key);
    }
    const queue = this.waiting.get(key) ?? [];
    if (queue.length >= this.limit * QUEUE_FACTOR) throw new CallerBusyError(this.limit);
    await new Promise<void>((resolve) => {
      queue.push(resolve);
      this.waiting.set(key, queue);
    });
    return () => this.release(key);
  }

  private release(key: string): void {
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(key);
    if (next) {
      next(); // the slot passes straight to the next waiter
      return;
    }
    const active = (this.running.get(key) ?? 1) - 1;
    if (active <= 0) this.running.delete(key);
    else this.running.set(key, active);
  }
}

/** Who a request counts against: the token's subject, else its role (anon), per client address when known. */
export function callerKey(caller: SqlCaller, client: string): string {
  const sub = typeof caller.claims.sub === 'string' && caller.claims.sub !== '' ? caller.claims.sub : null;
  return sub ? `${caller.role}:${sub}` : `${caller.role}@${client}`;
}

/** `8s`, `500ms`, `1min`, `250` (ms) → milliseconds; null when unparsable or 0 (no limit). */
export function durationMs(value: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*$/.exec(value);
  if (!m) return null;
  const factor = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'min' | 'h'];
  const ms = Number(m[1]) * factor;
  return ms > 0 ? ms : null;
}

/** Per-role settings PostgREST copies into each transaction (ALTER ROLE ... SET only applies at login). */
const ROLE_SETTINGS_APPLIED = new Set(['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout']);

export interface CallerSqlOptions {
  /** Pooled connections (default 10). */
  max?: number;
  authenticatorPassword: string;
  /** Transactions one caller (user, or anon per address) may run at once; service_role is not limited (default 4). */
  perCaller?: number;
  /** Upper bound of anon's and authenticated's statement_timeout per request, in ms, below the role's own (default 8000). */
  statementTimeoutMs?: number;
}

export const DEFAULT_PER_CALLER = 4;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 8_000;

export class CallerSql {
  private readonly pool: pg.Pool;
  /** Per API role, the settings its transactions start with (loadRoleSettings). */
  private roleSettings = new Map<string, Array<[string, string]>>();
  private readonly slots: CallerSlots;
  private readonly statementTimeoutMs: number;

  private constructor(pool: pg.Pool, options: CallerSqlOptions) {
    this.pool = pool;
    this.slots = new CallerSlots(options.perCaller ?? DEFAULT_PER_CALLER);
    this.statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  }

  /** Connects as `authenticator` with its password (set with postgres.ts setRolePasswords). */
  static async connect(superuserUrl: string, options: CallerSqlOptions): Promise<CallerSql> {
    const url = new URL(superuserUrl);
    url.username = 'authenticator';
    url.password = encodeURIComponent(options.authenticatorPassword);
    const pool = new pg.Pool({ connectionString: url.toString(), max: options.max ?? 10, idleTimeoutMillis: 10_000 });
    pool.on('error', () => undefined); // an idle client lost its connection; the next checkout reconnects
    const sql = new CallerSql(pool, options);
    try {
      await sql.loadRoleSettings();
    } catch (err) {
      await pool.end();
      throw err;
    }
    return sql;
  }

  /**
   * Reads the API roles' settings once: each role's transactions start with them (see `run`), and
   * anon's and authenticated's statement_timeout is their own capped by this backend's bound.
   */
  private async loadRoleSettings(): Promise<void> {
    // A role's setting for this database overrides its setting for all databases, as at login: read last, it wins.
    const { rows } = await this.pool.query<{ rolname: string; setconfig: string[] }>(
      `select r.rolname, s.setconfig
         from pg_catalog.pg_db_role_setting s
         join pg_catalog.pg_roles r on r.oid = s.setrole
        where s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
        order by s.setdatabase = 0 desc`,
    );
    const own = new Map<string, Map<string, string>>();
    for (const row of rows) {
      const values = own.get(row.rolname) ?? new Map<string, string>();
      for (const entry of row.setconfig) {
        const eq = entry.indexOf('=');
        const name = entry.slice(0, eq);
        if (ROLE_SETTINGS_APPLIED.has(name)) values.set(name, entry.slice(eq + 1));
      }
      own.set(row.rolname, values);
    }
    const map = new Map<string, Array<[string, string]>>();
    for (const role of API_ROLES) {
      const values = new Map(own.get(role));
      if (role !== 'service_role') {
        const ms = durationMs(values.get('statement_timeout') ?? '');
        values.set('statement_timeout', `${ms === null ? this.statementTimeoutMs : Math.min(ms, this.statementTimeoutMs)}ms`);
      }
      map.set(role, [...values]);
    }
    this.roleSettings = map;
  }

  /**
   * One transaction as `caller`: BEGIN (READ ONLY when asked), the PostgREST settings, `work`, COMMIT.
   * Any error rolls back and is rethrown unchanged (a pg DatabaseError keeps its SQLSTATE in `code`).
   */
  async run<T>(
    caller: SqlCaller,
    request: SqlRequestInfo,
    options: CallerTransactionOptions,
    work: (client: SqlClient) => Promise<T>,
  ): Promise<T> {
    if (!API_ROLES.has(caller.role)) throw new RoleNotAllowedError(caller.role);
    const release = caller.role === 'service_role' ? () => undefined : await this.slots.acquire(callerKey(caller, request.client));
    const begin = options.readOnly ? 'begin isolation level read committed read only' : 'begin isolation level read committed read write';
    try {
      return await withTransaction(
        this.pool,
        async (client) => {
          const claims = { ...caller.claims, role: caller.role };
          const schema = options.schema ?? 'public';
          const settings: Array<[string, string]> = [
            ['search_path', `${quoteIdent(schema)}, "public", "extensions"`],
            ...(this.roleSettings.get(caller.role) ?? []),
            ['role', caller.role],
            ['request.jwt.claims', JSON.stringify(claims)],
            ['request.method', request.method],
            ['request.path', request.path],
            ['request.headers', JSON.stringify(request.headers)],
            ['request.cookies', JSON.stringify(request.cookies ?? {})],
            ...Object.entries(options.settings ?? {}),
          ];
          const params: string[] = [];
          const calls = settings.map(([name, value]) => {
            params.push(name, value);
            return `pg_catalog.set_config($${params.length - 1}, $${params.length}, true)`;
          });
          await client.query(`select ${calls.join(', ')}`, params);
          return work(client);
        },
        begin,
      );
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
