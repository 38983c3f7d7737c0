// PostgREST's error body ({code, message, details, hint}) and its SQLSTATE → HTTP status mapping
// (PostgREST v14 pgErrorStatus, supabase-wire §1.6).
import type { ServerResponse } from 'node:http';
import { sendJson } from '../http.js';

export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string | null = null,
    readonly hint: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface PgErrorLike {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
}

export function isPgError(err: unknown): err is PgErrorLike & Error {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && 'severity' in err;
}

/** HTTP status for a PostgreSQL error raised while serving `role` (42501 is 401 only for anon). */
export function pgErrorStatus(code: string, message: string, role: string): number {
  const prefix = code.slice(0, 2);
  if (prefix === '08') return 503;
  if (prefix === '09') return 500;
  if (prefix === '0L' || prefix === '0P') return 403;
  if (code === '23503' || code === '23505') return 409;
  if (code === '25006') return 405;
  if (code === '21000') return /requires a WHERE clause$/.test(message) ? 400 : 500;
  if (code === '22023') return /^role ".*" does not exist$/.test(message) ? 401 : 400;
  if (prefix === '25') return 500;
  if (prefix === '28') return 403;
  if (['2D', '38', '39', '3B', '40'].includes(prefix)) return 500;
  if (code === '53400') return 500;
  if (prefix === '53') return 503;
  if (prefix === '54' || prefix === '55') return 500;
  if (code === '57P01') return 503;
  if (['57', '58', 'F0', 'HV', 'XX'].includes(prefix)) return 500;
  if (code === 'P0001') return 400;
  if (prefix === 'P0') return 500;
  if (code === '42883' || code === '42P01') return 404;
  if (code === '42P17') return 500;
  if (code === '42501') return role === 'anon' ? 401 : 403;
  if (prefix === 'PT') {
    const status = Number(code.slice(2));
    if (Number.isInteger(status) && status >= 100 && status <= 599) return status;
  }
  return 400;
}

export function restErrorFromPg(err: PgErrorLike, role: string): RestError {
  const code = err.code ?? 'XX000';
  // RAISE SQLSTATE 'PGRST' with a JSON message/detail: the function chooses the status and body.
  if (code === 'PGRST') {
    try {
      const body = JSON.parse(err.message) as { code?: string; message?: string; details?: string; hint?: string };
      const extra = JSON.parse(err.detail ?? '{}') as { status?: number; headers?: Record<string, string> };
      return new RestError(extra.status ?? 400, body.code ?? 'PGRST', body.message ?? '', body.details ?? null, body.hint ?? null, extra.headers ?? {});
    } catch {
      return new RestError(500, 'PGRST121', 'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error', null, null);
    }
  }
  const status = pgErrorStatus(code, err.message, role);
  const headers: Record<string, string> = {};
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
  return new RestError(status, code, err.message, err.detail ?? null, err.hint ?? null, headers);
}

export function sendRestError(res: ServerResponse, err: RestError): void {
  sendJson(
    res,
    err.status,
    { code: err.code, details: err.details, hint: err.hint, message: err.message },
    { 'Proxy-Status': `PostgREST; error=${err.code}`, ...err.headers },
  );
}

export const restErrors = {
  unsupportedMethod: (method: string) => new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`),
  functionMethod: () => new RestError(405, 'PGRST101', 'Only GET, HEAD or POST are allowed for functions'),
  invalidPath: () => new RestError(404, 'PGRST125', `Invalid path specified in request URL`),
  parse: (message: string, details: string | null = null) => new RestError(400, 'PGRST100', message, details),
  invalidBody: (message = 'Empty or invalid json') => new RestError(400, 'PGRST102', message),
  schema: (schema: string) =>
    new RestError(406, 'PGRST106', `Invalid schema: ${schema}`, null, 'Only the following schemas are exposed: public'),
  singular: (rows: number) =>
    new RestError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${rows} rows`),
  tableNotFound: (schema: string, name: string, suggestion: string | null) =>
    new RestError(
      404,
      'PGRST205',
      `Could not find the table '${schema}.${name}' in the schema cache`,
      null,
      suggestion ? `Perhaps you meant the table '${schema}.${suggestion}'` : null,
    ),
  undefinedColumn: (table: string, column: string) => new RestError(400, '42703', `column ${table}.${column} does not exist`),
  columnNotFound: (column: string, table: string) =>
    new RestError(400, 'PGRST204', `Could not find the '${column}' column of '${table}' in the schema cache`),
  noRelationship: (parent: string, child: string, schema: string) =>
    new RestError(
      400,
      'PGRST200',
      `Could not find a relationship between '${parent}' and '${child}' in the schema cache`,
      `Searched for a foreign key relationship between '${parent}' and '${child}' in the schema '${schema}', but no matches were found.`,
      null,
    ),
  ambiguousRelationship: (parent: string, child: string, details: string) =>
    new RestError(
      300,
      'PGRST201',
      `Could not embed because more than one relationship was found for '${parent}' and '${child}'`,
      details,
      `Try changing '${child}' to one of the following: ${details}. Find the desired relationship in the 'details' key.`,
    ),
  rangeNotSatisfiable: (offset: number, total: number) =>
    new RestError(416, 'PGRST103', 'Requested range not satisfiable', `An offset of ${offset} was requested, but there are only ${total} rows.`),
  safeUpdate: (verb: 'UPDATE' | 'DELETE') => new RestError(400, '21000', `${verb} requires a WHERE clause`),
  jwt: (code: 'PGRST301' | 'PGRST303', message: string) =>
    new RestError(401, code, message, null, null, {
      'WWW-Authenticate': `Bearer error="invalid_token", error_description="${message}"`,
    }),
};
