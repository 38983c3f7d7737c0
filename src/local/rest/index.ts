// /rest/v1: the subset of PostgREST that postgrest-js and this project use — RPC calls and table reads
// and writes — run in one transaction as the caller (sql.ts), answered with PostgREST's shapes and codes.
// This file prepares each request (schema profile, token, caller) and dispatches it through ROUTES to
// routes/<name>.ts; parse.ts reads the query, build.ts writes the SQL, catalog.ts looks tables and
// functions up, routines.ts resolves function calls, errors.ts holds PostgREST's error answers.
import { BodyTooLargeError, clientAddress, cookiesObject, headersObject, headerValue } from '../http.js';
import { POSTGREST_CLOCK_SKEW_SECONDS, verifyJwt } from '../jwt.js';
import { sqlCallerFrom, type BackendContext, type BackendService, type ServiceRequest } from '../service-contract.js';
import { RestError, isPgError, restErrorFromPg, restErrors, sendRestError } from './errors.js';
import { parsePrefer } from './parse.js';
import type { RestContext, RestRequest } from './request.js';
import { OBJECT_MEDIA_TYPE } from './response.js';
import { callFunction } from './routes/rpc.js';
import { describeApi } from './routes/root.js';
import { deleteFromTable, insertIntoTable, readTable, updateTable } from './routes/table.js';

const EXPOSED_SCHEMAS = ['public'];

export interface RestRoute {
  /** The methods this entry answers. */
  methods: readonly string[];
  /** Below /rest/v1; a `:name` segment matches any one segment, percent-decoded into the handler's parameters. */
  path: string;
  handler(ctx: RestContext, request: RestRequest, params: Readonly<Record<string, string>>): Promise<void>;
  /** The 405 answer to a method no entry of this path answers (PGRST117 when absent). */
  methodNotAllowed?: (method: string) => RestError;
}

/**
 * Every URL of /rest/v1. A path's segments are its non-empty parts (trailing and doubled slashes do not
 * count); a path no entry matches is 404 PGRST125, a method no entry of a matching path answers is 405.
 * `/rpc` alone names a table, as on PostgREST.
 */
export const ROUTES: readonly RestRoute[] = [
  { methods: ['GET', 'HEAD'], path: '/', handler: describeApi },
  { methods: ['GET', 'HEAD', 'POST'], path: '/rpc/:fn', handler: callFunction, methodNotAllowed: restErrors.functionMethod },
  { methods: ['GET', 'HEAD'], path: '/:table', handler: readTable },
  { methods: ['POST'], path: '/:table', handler: insertIntoTable },
  { methods: ['PATCH'], path: '/:table', handler: updateTable },
  { methods: ['DELETE'], path: '/:table', handler: deleteFromTable },
];

export function restService(backend: BackendContext): BackendService {
  const context: RestContext = { sql: backend.sql, maxRows: backend.settings.maxRows };

  /** The checks every route shares, before its path is looked at: schema profile, then the token. */
  async function prepare(request: ServiceRequest): Promise<RestRequest> {
    const { method, path, req } = request;
    const isRead = method === 'GET' || method === 'HEAD';
    const profile = headerValue(req.headers, isRead ? 'accept-profile' : 'content-profile');
    const schema = profile ?? EXPOSED_SCHEMAS[0]!;
    if (!EXPOSED_SCHEMAS.includes(schema)) throw restErrors.schema(schema);

    let verified = request.auth.verified;
    if (verified && !verified.ok && verified.failure.kind !== 'malformed' && verified.failure.kind !== 'signature') {
      // PostgREST allows 30 s of clock skew on exp/nbf/iat; the gateway checked without any.
      verified = await verifyJwt(request.auth.token!, backend.jwtSecret, { skewSeconds: POSTGREST_CLOCK_SKEW_SECONDS });
    }
    if (verified && !verified.ok) {
      const { kind, message } = verified.failure;
      throw restErrors.jwt(kind === 'malformed' || kind === 'signature' ? 'PGRST301' : 'PGRST303', message);
    }
    const caller = sqlCallerFrom({ ...request.auth, verified });
    const accept = headerValue(req.headers, 'accept') ?? '';
    return {
      ...request,
      caller,
      schema,
      prefer: parsePrefer(headerValue(req.headers, 'prefer')),
      wantsObject: accept.split(',').some((t) => t.trim().toLowerCase().startsWith(OBJECT_MEDIA_TYPE)),
      info: { method, path, headers: headersObject(req.headers), cookies: cookiesObject(req.headers), client: clientAddress(req) },
    };
  }

  async function handle(request: ServiceRequest): Promise<void> {
    const rest = await prepare(request);
    const segments = request.path.split('/').filter((s) => s !== '');
    const matching = ROUTES.flatMap((route) => {
      const raw = matchPath(route.path, segments);
      return raw ? [{ route, raw }] : [];
    });
    if (matching.length === 0) throw restErrors.invalidPath();
    const chosen = matching.find((m) => m.route.methods.includes(request.method));
    // Decoded before the method is checked: a malformed escape fails first, whatever the method.
    const params = decodeParams((chosen ?? matching[0]!).raw);
    if (!chosen) throw (matching[0]!.route.methodNotAllowed ?? restErrors.unsupportedMethod)(request.method);
    return chosen.route.handler(context, rest, params);
  }

  return {
    prefix: '/rest/v1',
    requiresApiKey: () => true,
    async handle(request) {
      try {
        await handle(request);
      } catch (err) {
        const role = sqlCallerFrom(request.auth).role;
        if (err instanceof RestError) return sendRestError(request.res, err);
        if (isPgError(err)) return sendRestError(request.res, restErrorFromPg(err, role));
        if (err instanceof BodyTooLargeError) return sendRestError(request.res, new RestError(413, 'PGRST413', 'Payload Too Large'));
        backend.log(`rest: ${request.method} ${request.path}: ${err instanceof Error ? err.stack : String(err)}`);
        sendRestError(request.res, new RestError(500, 'PGRST000', err instanceof Error ? err.message : String(err)));
      }
    },
  };
}

/** The undecoded `:name` segments of `segments` when they match `pattern`, else null. */
function matchPath(pattern: string, segments: string[]): Record<string, string> | null {
  const parts = pattern.split('/').filter((s) => s !== '');
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    if (part.startsWith(':')) params[part.slice(1)] = segments[i]!;
    else if (part !== segments[i]) return null;
  }
  return params;
}

function decodeParams(raw: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, decodeURIComponent(value)]));
}
