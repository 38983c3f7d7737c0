// What every /rest/v1 route receives: the service's context (built once by the factory) and the
// request as index.ts prepared it (schema profile, verified caller, Prefer and Accept), and the
// reader of a JSON body.
import { readBody } from '../http.js';
import type { ServiceRequest } from '../service-contract.js';
import type { CallerSql, SqlCaller, SqlRequestInfo } from '../sql.js';
import { restErrors } from './errors.js';
import type { Preferences } from './parse.js';

export interface RestContext {
  /** Runs SQL as the caller, in one transaction per request (sql.ts). */
  readonly sql: CallerSql;
  /** Row cap on reads (api.max_rows). */
  readonly maxRows: number;
}

export interface RestRequest extends ServiceRequest {
  caller: SqlCaller;
  schema: string;
  prefer: Preferences;
  wantsObject: boolean;
  info: SqlRequestInfo;
}

/** The request's JSON body. An empty one is invalid, unless the route reads it as `{}` (a function call: no arguments). */
export async function readJsonBody(request: ServiceRequest, options: { emptyIsObject?: boolean } = {}): Promise<unknown> {
  const raw = (await readBody(request.req)).toString('utf8');
  if (raw.trim() === '') {
    if (options.emptyIsObject) return {};
    throw restErrors.invalidBody();
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw restErrors.invalidBody();
  }
}
