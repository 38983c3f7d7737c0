// GET|HEAD /rest/v1/:table?select=...&<column>=<op>.<value>&order=...&limit=...&offset=...  (read)
// POST     /rest/v1/:table?select=...&columns=...&on_conflict=...  (insert; upsert with Prefer: resolution=...)
// PATCH    /rest/v1/:table?select=...&<filters>  (update; a filter is required)
// DELETE   /rest/v1/:table?select=...&<filters>  (delete; a filter is required)
// Other methods: 405 PGRST117 (see ROUTES in ../index.ts).
import { sendEmpty, sendJson } from '../../http.js';
import { quoteIdent, type SqlClient } from '../../sql.js';
import { assertKnownColumns, buildContext, orderSql, pagingSql, Params, projection, qualified, whereSql, type BuildContext } from '../build.js';
import { Catalog, type Relation } from '../catalog.js';
import { restErrors } from '../errors.js';
import { parseColumns, parseQuery, parseSelect, type ParsedQuery, type SelectItem } from '../parse.js';
import { readJsonBody, type RestContext, type RestRequest } from '../request.js';
import { JSON_TYPE, OBJECT_MEDIA_TYPE, singleObject, type QueryResult } from '../response.js';

type TablePath = Readonly<Record<string, string>>;

/** One method's statement, run once the table is found and the query's columns are known to it. */
type TableStatement = (
  client: SqlClient,
  build: BuildContext,
  relation: Relation,
  items: SelectItem[],
  query: ParsedQuery,
  body: unknown,
) => Promise<QueryResult>;

/** GET and HEAD: the rows the caller may read, at most max_rows; Prefer: count=exact adds the total. */
export function readTable(ctx: RestContext, request: RestRequest, path: TablePath): Promise<void> {
  return onTable(ctx, request, path.table!, (client, build, relation, items, query) =>
    readRows(client, build, `${qualified(relation)} t0`, relation, items, query, request.prefer.count !== null, ctx.maxRows),
  );
}

/** POST: inserts the body's object or array of objects (201). */
export function insertIntoTable(ctx: RestContext, request: RestRequest, path: TablePath): Promise<void> {
  return onTable(ctx, request, path.table!, (client, build, relation, items, _query, body) =>
    insertRows(client, build, request, relation, items, body),
  );
}

/** PATCH: sets the body's columns on the filtered rows. */
export function updateTable(ctx: RestContext, request: RestRequest, path: TablePath): Promise<void> {
  return onTable(ctx, request, path.table!, (client, build, relation, items, query, body) =>
    updateRows(client, build, request, relation, items, query, body),
  );
}

/** DELETE: deletes the filtered rows. */
export function deleteFromTable(ctx: RestContext, request: RestRequest, path: TablePath): Promise<void> {
  return onTable(ctx, request, path.table!, (client, build, relation, items, query) =>
    deleteRows(client, build, request, relation, items, query),
  );
}

/** Parses the query (and the body of POST and PATCH), runs `statement` in the caller's transaction and answers its rows. */
async function onTable(ctx: RestContext, request: RestRequest, name: string, statement: TableStatement): Promise<void> {
  const { method } = request;
  const readOnly = method === 'GET' || method === 'HEAD';
  const params = request.url.searchParams;
  const items = parseSelect(params.get('select'));
  const query = parseQuery(params);
  const body = readOnly || method === 'DELETE' ? undefined : await readJsonBody(request);
  const outcome = await ctx.sql.run(request.caller, request.info, { readOnly, schema: request.schema }, async (client) => {
    const catalog = new Catalog(client);
    const relation = await catalog.relation(request.schema, name);
    if (!relation) throw restErrors.tableNotFound(request.schema, name, await catalog.similarRelation(request.schema, name));
    assertKnownColumns(relation, query.filters, query.order);
    const build = buildContext(catalog, request.schema, query);
    const result = await statement(client, build, relation, items, query, body);
    if (request.wantsObject && result.body !== null && result.rows !== 1) throw restErrors.singular(result.rows);
    return result;
  });
  respondRows(request, outcome, method === 'POST' ? 201 : 200, query);
}

async function readRows(
  client: SqlClient,
  ctx: BuildContext,
  source: string,
  relation: Relation | null,
  items: SelectItem[],
  query: ParsedQuery,
  count: boolean,
  maxRows: number,
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
