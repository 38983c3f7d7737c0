// GET|HEAD /rest/v1/rpc/:fn?arg=value&select=...&<filters>   (arguments in the query string, read-only)
// POST     /rest/v1/rpc/:fn                                  (arguments in a JSON body; read-only unless VOLATILE)
// Other methods: 405 PGRST101 (see ROUTES in ../index.ts).
import type { ServerResponse } from 'node:http';
import { sendEmpty, sendJson } from '../../http.js';
import { assertKnownColumns, buildContext, orderSql, pagingSql, Params, projection, whereSql } from '../build.js';
import { Catalog } from '../catalog.js';
import { restErrors } from '../errors.js';
import { parseQuery, parseSelect, type ParsedQuery } from '../parse.js';
import { readJsonBody, type RestContext, type RestRequest } from '../request.js';
import { JSON_TYPE, OBJECT_MEDIA_TYPE, singleObject } from '../response.js';
import { callSql, resolveRoutine } from '../routines.js';

/** Calls the function named by the path as the caller; a row type answers an object, SETOF an array, void 204. */
export async function callFunction(ctx: RestContext, request: RestRequest, pathParams: Readonly<Record<string, string>>): Promise<void> {
  const name = pathParams.fn!;
  const { method, url } = request;
  const isPost = method === 'POST';
  let args: Record<string, unknown>;
  let rawBody: unknown = {};
  if (isPost) {
    rawBody = await readJsonBody(request, { emptyIsObject: true });
    args = rawBody !== null && typeof rawBody === 'object' && !Array.isArray(rawBody) ? (rawBody as Record<string, unknown>) : {};
  } else {
    args = {};
    for (const [key, value] of url.searchParams) if (!['select', 'order', 'limit', 'offset', 'apikey'].includes(key)) args[key] = value;
  }
  const items = parseSelect(url.searchParams.get('select'));

  // GET is always read-only; a POST runs read-only unless the function is VOLATILE (switching a
  // transaction from read-write to read-only is allowed after the resolution query).
  let query: ParsedQuery = parseQuery(new URLSearchParams());
  const outcome = await ctx.sql.run(request.caller, request.info, { readOnly: !isPost, schema: request.schema }, async (client) => {
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
    const build = buildContext(catalog, request.schema, query);
    const source = `${call} t0`;
    const proj = await projection(build, relation, 't0', items, params);
    const where = [...whereSql(query.filters, 't0', params), ...proj.parentConditions];
    const limit = fn.returnsSet ? (query.limit === null ? ctx.maxRows : Math.min(query.limit, ctx.maxRows)) : null;
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

function sendResult(res: ServerResponse, method: string, body: string, type: string, headers: Record<string, string> = {}): void {
  if (method === 'HEAD') {
    res.writeHead(200, { 'Content-Type': type, ...headers });
    res.end();
    return;
  }
  sendJson(res, 200, body, { 'Content-Type': type, ...headers });
}
