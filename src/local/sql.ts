// Runs SQL as an API caller, the way PostgREST and Storage do on Supabase: logged in as `authenticator`,
// one transaction per request, the role and claims from the caller's JWT set transaction-locally, so the
// database's grants and row-level security policies judge every statement. Only service_role bypasses RLS.
import pg from 'pg';
import type { JwtClaims } from './jwt.js';

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

/** Per-role settings PostgREST copies into each transaction (ALTER ROLE ... SET only applies at login). */
const ROLE_SETTINGS_APPLIED = new Set(['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout']);

export class CallerSql {
  private readonly pool: pg.Pool;
  private roleSettings = new Map<string, Array<[string, string]>>();

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Connects as `authenticator` with its password (set with postgres.ts setRolePasswords). */
  static async connect(superuserUrl: string, options: { max?: number; authenticatorPassword: string }): Promise<CallerSql> {
    const url = new URL(superuserUrl);
    url.username = 'authenticator';
    url.password = encodeURIComponent(options.authenticatorPassword);
    const pool = new pg.Pool({ connectionString: url.toString(), max: options.max ?? 10, idleTimeoutMillis: 10_000 });
    pool.on('error', () => undefined); // an idle client lost its connection; the next checkout reconnects
    const sql = new CallerSql(pool);
    try {
      await sql.loadRoleSettings();
    } catch (err) {
      await pool.end();
      throw err;
    }
    return sql;
  }

  private async loadRoleSettings(): Promise<void> {
    const { rows } = await this.pool.query<{ rolname: string; setconfig: string[] }>(
      `select r.rolname, s.setconfig
         from pg_catalog.pg_db_role_setting s
         join pg_catalog.pg_roles r on r.oid = s.setrole
        where s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))`,
    );
    const map = new Map<string, Array<[string, string]>>();
    for (const row of rows) {
      const list = map.get(row.rolname) ?? [];
      for (const entry of row.setconfig) {
        const eq = entry.indexOf('=');
        const name = entry.slice(0, eq);
        if (ROLE_SETTINGS_APPLIED.has(name)) list.push([name, entry.slice(eq + 1)]);
      }
      map.set(row.rolname, list);
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
    const client = await this.pool.connect();
    let broken = false;
    // A connection the server ends mid-request (pg_terminate_backend, a restart) fails the query; without a
    // listener, pg's 'error' event on a checked-out client would also bring the whole backend down.
    const onLost = (): void => {
      broken = true;
    };
    client.on('error', onLost);
    try {
      await client.query(options.readOnly ? 'begin isolation level read committed read only' : 'begin isolation level read committed read write');
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
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (err) {
      try {
        await client.query('rollback');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.off('error', onLost);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
