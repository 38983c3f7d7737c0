// POST /storage/v1/object/list/:bucket
//
// Lists a bucket as the caller: {prefix, limit, offset, sortBy, search}.
import { sendJson } from '../../http.js';
import { param, type StorageContext, type StorageRequest } from '../context.js';
import type { ListOptions } from '../database.js';
import { storageErrors } from '../errors.js';
import { readJson } from '../request-body.js';

export async function listObjects(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const caller = request.caller();
  const bucketId = param(request, 'bucket');
  const body = (await readJson(request.req)) ?? {};
  const sortBy = (body.sortBy ?? {}) as { column?: unknown; order?: unknown };
  const column = sortBy.column ?? 'name';
  const order = typeof sortBy.order === 'string' ? sortBy.order.toLowerCase() : 'asc';
  if (!['name', 'updated_at', 'created_at', 'last_accessed_at'].includes(String(column))) {
    throw storageErrors.invalidRequest('body/sortBy/column must be equal to one of the allowed values');
  }
  if (order !== 'asc' && order !== 'desc') {
    throw storageErrors.invalidRequest('body/sortBy/order must be equal to one of the allowed values');
  }
  const options: ListOptions = {
    prefix: typeof body.prefix === 'string' ? body.prefix.replace(/^\/+/, '') : '',
    limit: positiveInt(body.limit, 100),
    offset: Math.max(0, positiveInt(body.offset, 0)),
    sortColumn: column as ListOptions['sortColumn'],
    sortOrder: order,
    search: typeof body.search === 'string' ? body.search : '',
  };
  const entries = await ctx.db.list(caller, request.sqlRequest, bucketId, options);
  sendJson(request.res, 200, entries);
}

function positiveInt(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : fallback;
}
