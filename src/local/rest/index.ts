// /rest/v1: the subset of PostgREST that postgrest-js and this project use — RPC calls and table reads
// and writes — run in one transaction as the caller (sql.ts), answered with PostgREST's shapes and codes.
import type { ServerResponse } from 'node:http';
import { BodyTooLargeError, clientAddress, cookiesObject, headersObject, headerValue, readBody, sendEmpty, sendJson } from '../http.js';
import { POSTGREST_CLOCK_SKEW_SECONDS, verifyJwt } from '../jwt.js';
import { sqlCallerFrom, type BackendContext, type BackendService, type ServiceRequest } from '../service-contract.js';
import type { SqlCaller, SqlClient, SqlRequestInfo } from '../sql.js';
import { quoteIdent } from '../sql.js';
import { assertKnownColumns, Params, orderSql, pagingSql, projection, qualified, whereSql, type BuildContext } from './build.js';
import { Catalog, type Relation, type Routine } from './catalog.js';
import { RestError, isPgError, restErrorFromPg, restErrors, sendRestError } from './errors.js';
import {
  parseColumns,
  parsePrefer,
  parseQuery,
  parseSelect,
  type ParsedQuery,
  type Preferences,
  type SelectItem,
} from './parse.js';

const EXPOSED_SCHEMAS = ['public'];
const OBJECT_MEDIA_TYPE = 'application/vnd.pgrst.object+json';
const JSON_TYPE = 'application/json; charset=utf-8';

interface RestRequest extends ServiceRequest {
  caller: SqlCaller;
  schema: string;
  prefer: Preferences;
  wantsObject: boolean;
  info: SqlRequestInfo;
}

interface QueryResult {
  /** Rows in the body (for Content-Range). */
  rows: number;
  /** JSON text of the result array, or null for a body-less answer. */
  body: string | null;
  total: number | null;
}

export function restService(backend: BackendContext): BackendService {
  const maxRows = backend.settings.maxRows;

  async function handle(request: ServiceRequest): Promise<void> {
    const { method, path, req, res } = request;
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
    const rest: RestRequest = {
      ...request,
      caller,
      schema,
      prefer: parsePrefer(headerValue(req.headers, 'prefer')),
      wantsObject: accept.split(',').some((t) => t.trim().toLowerCase().startsWith(OBJECT_MEDIA_TYPE)),
      info: { method, path, headers: headersObject(req.headers), cookies: cookiesObject(req.headers), client: clientAddress(req) },
    };

    const segments = path.split('/').filter((s) => s !== '');
    if (segments.length === 0) {
      if (!isRead) throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
      return sendJson(res, 200, { swagger: '2.0', info: { title: 'local PostgREST subset' }, paths: {} });
    }
    if (segments[0] === 'rpc' && segments.length === 2) return rpc(rest, decodeURIComponent(segments[1]!));
    if (segments.length === 1) return table(rest, decodeURIComponent(segments[0]!));
    throw new RestError(404, 'PGRST125', `Invalid path specified in request URL`);
  }

  // --- tables --------------------------------------------------------------------------------

  async function table(request: RestRequest, name: string): Promise<void> {
    const { method } = request;
    const readOnly = method === 'GET' || method === 'HEAD';
    if (!['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'].includes(method)) {
      throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
    }
    const params = request.url.searchParams;
    const items = parseSelect(params.get('select'));
    const query = parseQuery(params);
    const body = readOnly || method === 'DELETE' ? undefined : await readJsonBody(request);
    const outcome = await backend.sql.run(request.caller, request.info, { readOnly, schema: request.schema }, async (client) => {
      const catalog = new Catalog(client);
      const relation = await catalog.relation(request.schema, name);
      if (!relation) throw restErrors.tableNotFound(request.schema, name, await catalog.similarRelation(request.schema, name));
      assertKnownColumns(relation, query.filters, query.order);
      const ctx = buildContext(catalog, request.schema, query);
      let result: QueryResult;
      if (readOnly) result = await readRows(client, ctx, `${qualified(relation)} t0`, relation, items, query, request.prefer.count !== null);
      else if (method === 'POST') result = await insertRows(client, ctx, request, relation, items, body);
      else if (method === 'PATCH') result = await updateRows(client, ctx, request, relation, items, query, body);
      else result = await deleteRows(client, ctx, request, relation, items, query);
      if (request.wantsObject && result.body !== null && result.rows !== 1) throw restErrors.singular(result.rows);
      return result;
    });
    respondRows(request, outcome, readOnly ? 200 : method === 'POST' ? 201 : 200, query);
  }

  async function readRows(
    client: SqlClient,
    ctx: BuildContext,
    source: string,
    relation: Relation | null,
    items: SelectItem[],
    query: ParsedQuery,
    count: boolean,
  ): Promise<QueryResult> {
    const params = new Params();
    const proj = await projection(ctx, relation, 't0', items, params);
    const where = [...whereSql(query.filters, 't0', params), ...proj.parentConditions];
    const whereText = where.length ? ` where ${where.join(' and ')}` : '';
    const group = proj.groupBy.length ? ` group by ${proj.groupBy.join(', ')}` : '';
    const limit = query.limit === null ? maxRows : Math.min(query.limit, maxRows);
    // The total (Prefer: count) is counted in the same statement, over the same filters and parameters.
    const totalSql = count ? `(select pg_catalog.count(*) from ${source}${whereText})::text` : 'null::text';
    const sql =
      `select pg_catalog.count(_r)::int as n, coalesce(pg_catalog.json_agg(_r), '[]'::json)::text as body, ${totalSql} as total from (` +
      `select ${proj.columns.join(', ')} from ${source}${whereText}${group}${orderSql(query.order, 't0')}${pagingSql(limit, query.offset)}) _r`;
    const { rows } = await client.query<{ n: number; body: string; total: string | null }>(sql, params.values);
    const total = rows[0]?.total === null || rows[0]?.total === undefined ? null : Number(rows[0].total);
    return { rows: rows[0]?.n ?? 0, body: rows[0]?.body ?? '[]', total };
  }

  async function insertRows(
    client: SqlClient,
    ctx: BuildContext,
    request: RestRequest,
    relation: Relation,
    items: SelectItem[],
    body: unknown,
  ): Promise<QueryResult> {
    const rowsIn = Array.isArray(body) ? body : [body];
    if (rowsIn.some((r) => r === null || typeof r !== 'object' || Array.isArray(r))) throw restErrors.invalidBody();
    const objects = rowsIn as Record<string, unknown>[];
    const columnsParam = request.url.searchParams.get('columns');
    let columns: string[];
    if (columnsParam !== null) {
      columns = parseColumns(columnsParam);
    } else {
      columns = Object.keys(objects[0] ?? {});
      const signature = [...columns].sort().join(',');
      if (objects.some((o) => Object.keys(o).sort().join(',') !== signature)) throw restErrors.invalidBody('All object keys must match');
    }
    for (const column of columns) {
      if (!relation.columns.some((c) => c.name === column)) throw restErrors.columnNotFound(column, relation.name);
    }
    const params = new Params();
    const target = `${qualified(relation)} as t0`;
    let insert: string;
    if (objects.length === 0) {
      insert = `insert into ${target} select * from ${qualified(relation)} where false`;
    } else if (columns.length === 0) {
      if (objects.length > 1) throw restErrors.invalidBody('All object keys must match');
      insert = `insert into ${target} default values`;
    } else {
      const list = columns.map(quoteIdent).join(', ');
      insert = `insert into ${target} (${list}) select ${list} from pg_catalog.json_populate_recordset(null::${qualified(relation)}, ${params.add(JSON.stringify(objects))}::json) _b`;
    }
    const resolution = request.prefer.resolution;
    if (resolution) {
      const onConflict = request.url.searchParams.get('on_conflict');
      const conflictColumns = onConflict ? parseColumns(onConflict) : relation.primaryKey;
      if (conflictColumns.length === 0) throw restErrors.parse('on_conflict requires columns', 'the table has no primary key');
      const targetCols = conflictColumns.map(quoteIdent).join(', ');
      if (resolution === 'ignore-duplicates' || columns.length === 0) {
        insert += ` on conflict (${targetCols}) do nothing`;
      } else {
        insert += ` on conflict (${targetCols}) do update set ${columns.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}`;
      }
    }
    return writeResult(client, ctx, request, relation, items, insert, params);
  }

  async function updateRows(
    client: SqlClient,
    ctx: BuildContext,
    request: RestRequest,
    relation: Relation,
    items: SelectItem[],
    query: ParsedQuery,
    body: unknown,
  ): Promise<QueryResult> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw restErrors.invalidBody();
    const columns = Object.keys(body as Record<string, unknown>);
    for (const column of columns) {
      if (!relation.columns.some((c) => c.name === column)) throw restErrors.columnNotFound(column, relation.name);
    }
    // pg_safeupdate: Supabase refuses UPDATE without WHERE on API requests.
    if (query.filters.length === 0) throw restErrors.safeUpdate('UPDATE');
    if (columns.length === 0) return { rows: 0, body: request.prefer.return === 'representation' ? '[]' : null, total: null };
    const params = new Params();
    const set = columns.map((c) => `${quoteIdent(c)} = _b.${quoteIdent(c)}`).join(', ');
    const update =
      `update ${qualified(relation)} as t0 set ${set} from (select * from pg_catalog.json_populate_record(null::${qualified(relation)}, ` +
      `${params.add(JSON.stringify(body))}::json)) _b where ${whereSql(query.filters, 't0', params).join(' and ')}`;
    return writeResult(client, ctx, request, relation, items, update, params);
  }

  async function deleteRows(
    client: SqlClient,
    ctx: BuildContext,
    request: RestRequest,
    relation: Relation,
    items: SelectItem[],
    query: ParsedQuery,
  ): Promise<QueryResult> {
    if (query.filters.length === 0) throw restErrors.safeUpdate('DELETE');
    const params = new Params();
    const del = `delete from ${qualified(relation)} as t0 where ${whereSql(query.filters, 't0', params).join(' and ')}`;
    return writeResult(client, ctx, request, relation, items, del, params);
  }

  /** Runs a write; with return=representation the written rows come back through the select list. */
  async function writeResult(
    client: SqlClient,
    ctx: BuildContext,
    request: RestRequest,
    relation: Relation,
    items: SelectItem[],
    statement: string,
    params: Params,
  ): Promise<QueryResult> {
    if (request.prefer.return !== 'representation') {
      // No RETURNING: a write the caller may not read back must still succeed, as on PostgREST.
      const result = await client.query(statement, params.values);
      return { rows: result.rowCount ?? 0, body: null, total: null };
    }
    const proj = await projection(ctx, relation, 't0', items, params);
    const sql =
      `with _w as (${statement} returning t0.*) select pg_catalog.count(_r)::int as n, ` +
      `coalesce(pg_catalog.json_agg(_r), '[]'::json)::text as body from (select ${proj.columns.join(', ')} from _w t0` +
      `${proj.parentConditions.length ? ` where ${proj.parentConditions.join(' and ')}` : ''}) _r`;
    const { rows } = await client.query<{ n: number; body: string }>(sql, params.values);
    return { rows: rows[0]?.n ?? 0, body: rows[0]?.body ?? '[]', total: null };
  }

  function respondRows(request: RestRequest, result: QueryResult, status: number, query: ParsedQuery): void {
    const { res, method } = request;
    const offset = query.offset ?? 0;
    const isRead = method === 'GET' || method === 'HEAD';
    const headers: Record<string, string> = {};
    if (isRead) {
      const range = result.rows > 0 ? `${offset}-${offset + result.rows - 1}` : '*';
      headers['Content-Range'] = `${range}/${result.total ?? '*'}`;
      if (result.total !== null) {
        if (offset > result.total) throw restErrors.rangeNotSatisfiable(offset, result.total);
        if (result.rows < result.total) status = 206;
      }
    } else {
      headers['Content-Range'] = `*/${request.prefer.count ? result.rows : '*'}`;
      if (request.prefer.return) headers['Preference-Applied'] = `return=${request.prefer.return}`;
    }
    if (result.body === null) {
      sendEmpty(res, method === 'POST' ? 201 : 204, headers);
      return;
    }
    const body = request.wantsObject ? singleObject(result.body) : result.body;
    const type = request.wantsObject ? `${OBJECT_MEDIA_TYPE}; charset=utf-8` : JSON_TYPE;
    if (method === 'HEAD') {
      res.writeHead(status, { 'Content-Type': type, ...headers });
      res.end();
      return;
    }
    sendJson(res, status, body, { 'Content-Type': type, ...headers });
  }

  // --- functions -----------------------------------------------------------------------------

  async function rpc(request: RestRequest, name: string): Promise<void> {
    const { method, url } = request;
    if (!['GET', 'HEAD', 'POST'].includes(method)) throw new RestError(405, 'PGRST101', 'Only GET, HEAD or POST are allowed for functions');
    const isPost = method === 'POST';
    let args: Record<string, unknown>;
    let rawBody: unknown = {};
    if (isPost) {
      rawBody = await readJsonBody(request);
      args = rawBody !== null && typeof rawBody === 'object' && !Array.isArray(rawBody) ? (rawBody as Record<string, unknown>) : {};
    } else {
      args = {};
      for (const [key, value] of url.searchParams) if (!['select', 'order', 'limit', 'offset', 'apikey'].includes(key)) args[key] = value;
    }
    const items = parseSelect(url.searchParams.get('select'));

    // GET is always read-only; a POST runs read-only unless the function is VOLATILE (switching a
    // transaction from read-write to read-only is allowed after the resolution query).
    let query: ParsedQuery = parseQuery(new URLSearchParams());
    const outcome = await backend.sql.run(request.caller, request.info, { readOnly: !isPost, schema: request.schema }, async (client) => {
      const catalog = new Catalog(client);
      if (!isPost) {
        // On GET, parameters named like an argument are arguments; the others filter the result.
        const names = new Set((await catalog.routines(request.schema, name)).flatMap((r) => r.params.map((p) => p.name)));
        for (const key of Object.keys(args)) if (!names.has(key)) delete args[key];
      }
      const { routine: fn, singleJson } = await resolveRoutine(catalog, request.schema, name, args, isPost);
      query = parseQuery(url.searchParams, isPost ? new Set() : new Set(Object.keys(args)));
      if (isPost && fn.volatility !== 'v') await client.query('set transaction read only');
      const params = new Params();
      const call = callSql(fn, singleJson ? rawBody : args, singleJson, params);
      if (fn.returnKind === 'void') {
        await client.query(`select ${call}`, params.values);
        return { kind: 'void' as const };
      }
      if (fn.returnKind === 'scalar' && !fn.returnsSet) {
        const { rows } = await client.query<{ body: string | null }>(`select pg_catalog.to_json(${call})::text as body`, params.values);
        return { kind: 'scalar' as const, body: rows[0]?.body ?? 'null' };
      }
      if (fn.returnKind === 'scalar') {
        const limit = query.limit === null ? null : query.limit;
        const { rows } = await client.query<{ n: number; body: string }>(
          `select pg_catalog.count(_r)::int as n, coalesce(pg_catalog.json_agg(_r.t0), '[]'::json)::text as body from (select t0 from ${call} t0` +
            `${orderSql(null, 't0')}${pagingSql(limit, query.offset)}) _r`,
          params.values,
        );
        return { kind: 'set' as const, result: { rows: rows[0]?.n ?? 0, body: rows[0]?.body ?? '[]', total: null } };
      }
      // Composite results take select, filters and order like a table.
      const relation = fn.returnRelationOid !== null ? await catalog.relationByOid(fn.returnRelationOid) : null;
      assertKnownColumns(relation, query.filters, query.order);
      const ctx = buildContext(catalog, request.schema, query);
      const source = `${call} t0`;
      const proj = await projection(ctx, relation, 't0', items, params);
      const where = [...whereSql(query.filters, 't0', params), ...proj.parentConditions];
      const limit = fn.returnsSet ? (query.limit === null ? maxRows : Math.min(query.limit, maxRows)) : null;
      const { rows } = await client.query<{ n: number; body: string }>(
        `select pg_catalog.count(_r)::int as n, coalesce(pg_catalog.json_agg(_r), '[]'::json)::text as body from (` +
          `select ${proj.columns.join(', ')} from ${source}${where.length ? ` where ${where.join(' and ')}` : ''}` +
          `${orderSql(query.order, 't0')}${pagingSql(limit, query.offset)}) _r`,
        params.values,
      );
      const result = { rows: rows[0]?.n ?? 0, body: rows[0]?.body ?? '[]', total: null };
      if (request.wantsObject && result.rows !== 1) throw restErrors.singular(result.rows);
      return fn.returnsSet ? { kind: 'set' as const, result } : { kind: 'row' as const, result };
    });

    const { res } = request;
    switch (outcome.kind) {
      case 'void':
        sendEmpty(res, 204);
        return;
      case 'scalar':
        return sendResult(res, method, outcome.body, JSON_TYPE);
      case 'row':
        return sendResult(res, method, outcome.result.rows === 0 ? 'null' : singleObject(outcome.result.body), JSON_TYPE);
      case 'set': {
        if (request.wantsObject) {
          return sendResult(res, method, singleObject(outcome.result.body), `${OBJECT_MEDIA_TYPE}; charset=utf-8`);
        }
        const offset = query.offset ?? 0;
        const range = outcome.result.rows > 0 ? `${offset}-${offset + outcome.result.rows - 1}` : '*';
        return sendResult(res, method, outcome.result.body, JSON_TYPE, { 'Content-Range': `${range}/*` });
      }
    }
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

function buildContext(catalog: Catalog, schema: string, query: ParsedQuery): BuildContext {
  return { catalog, schema, embedded: query.embedded, nextAlias: aliasCounter(1) };
}

function aliasCounter(start: number): () => string {
  let n = start;
  return () => `t${n++}`;
}

async function readJsonBody(request: ServiceRequest): Promise<unknown> {
  const raw = (await readBody(request.req)).toString('utf8');
  if (raw.trim() === '') {
    if (request.path.startsWith('/rpc/')) return {};
    throw restErrors.invalidBody();
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw restErrors.invalidBody();
  }
}

/** `[{...}]` → `{...}` without re-serialising (json_agg output). */
function singleObject(arrayText: string): string {
  const trimmed = arrayText.trim();
  return trimmed.slice(1, -1).trim();
}

function sendResult(res: ServerResponse, method: string, body: string, type: string, headers: Record<string, string> = {}): void {
  if (method === 'HEAD') {
    res.writeHead(200, { 'Content-Type': type, ...headers });
    res.end();
    return;
  }
  sendJson(res, 200, body, { 'Content-Type': type, ...headers });
}

/** PostgREST's function resolution by argument names (supabase-wire §1.2). */
function resolveRoutineFrom(
  candidates: Routine[],
  keys: Set<string>,
  isPost: boolean,
): { matches: Routine[]; fallbacks: Routine[] } {
  const matches: Routine[] = [];
  const fallbacks: Routine[] = [];
  for (const fn of candidates) {
    const required = fn.params.filter((p) => !p.hasDefault).map((p) => p.name);
    const optional = new Set(fn.params.filter((p) => p.hasDefault).map((p) => p.name));
    let ok: boolean;
    if (fn.params.length === 0) ok = keys.size === 0;
    else if (optional.size === 0) ok = keys.size === required.length && required.every((r) => keys.has(r));
    else if (required.length === 0) ok = [...keys].every((k) => optional.has(k));
    else {
      const rest = [...keys].filter((k) => !optional.has(k));
      ok = rest.length === required.length && required.every((r) => rest.includes(r));
    }
    if (ok) matches.push(fn);
    else if (isPost && fn.params.length === 1 && fn.params[0]!.name === '' && ['json', 'jsonb'].includes(fn.params[0]!.type)) fallbacks.push(fn);
  }
  return { matches, fallbacks };
}

async function resolveRoutine(
  catalog: Catalog,
  schema: string,
  name: string,
  args: Record<string, unknown>,
  isPost: boolean,
): Promise<{ routine: Routine; singleJson: boolean }> {
  const candidates = await catalog.routines(schema, name);
  const keys = new Set(Object.keys(args));
  const { matches, fallbacks } = resolveRoutineFrom(candidates, keys, isPost);
  const pick = matches.length > 0 ? matches : fallbacks;
  if (pick.length === 1) return { routine: pick[0]!, singleJson: matches.length === 0 };
  if (pick.length > 1) {
    const list = pick.map((p) => `${schema}.${p.name}(${p.params.map((a) => `${a.name} => ${a.type}`).join(', ')})`);
    throw new RestError(
      300,
      'PGRST203',
      `Could not choose the best candidate function between: ${list.join(', ')}`,
      null,
      'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    );
  }
  const sorted = [...keys].sort();
  const func = `${schema}.${name}`;
  const prms = sorted.join(', ');
  const message = `Could not find the function ${func}${sorted.length === 0 ? ' without parameters' : `(${prms})`} in the schema cache`;
  const searchedParams = sorted.length === 0 ? ' without parameters' : ` with parameter${sorted.length > 1 ? 's' : ''} ${prms}`;
  const details = `Searched for the function ${func}${searchedParams}${isPost ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`;
  let hint: string | null = null;
  if (candidates.length > 0) {
    const c = candidates[0]!;
    hint = `Perhaps you meant to call the function ${func}(${c.params.map((p) => p.name).sort().join(', ')})`;
  } else {
    const similar = await catalog.similarRoutine(schema, name);
    if (similar) hint = `Perhaps you meant to call the function ${schema}.${similar}`;
  }
  throw new RestError(404, 'PGRST202', message, details, hint);
}

/** `schema.fn(a := $1::type, ...)`, converting JSON argument values to what each parameter type parses. */
function callSql(fn: Routine, args: unknown, singleJson: boolean, params: Params): string {
  const target = `${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}`;
  if (singleJson) return `${target}(${params.add(JSON.stringify(args))}::${fn.params[0]!.type})`;
  const record = args as Record<string, unknown>;
  const list = fn.params
    .filter((p) => Object.prototype.hasOwnProperty.call(record, p.name))
    .map((p) => `${quoteIdent(p.name)} := ${params.add(argumentValue(record[p.name], p.type))}::${p.type}`);
  return `${target}(${list.join(', ')})`;
}

function argumentValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'json' || type === 'jsonb') return JSON.stringify(value);
  if (Array.isArray(value) && type.endsWith('[]')) {
    const element = type.slice(0, -2);
    return value.map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : argumentValue(v, element)));
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return typeof value === 'string' ? value : String(value);
}
