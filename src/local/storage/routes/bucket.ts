// GET /storage/v1/bucket
// GET /storage/v1/bucket/:id
//
// The buckets the caller may see, or one: read as the caller, so the policies on storage.buckets decide what
// is visible. Bucket writes are not served.
import { sendJson } from '../../http.js';
import { param, type StorageContext, type StorageRequest } from '../context.js';
import { storageErrors } from '../errors.js';

export async function listBuckets(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const rows = await ctx.db.getBucket(request.caller(), request.sqlRequest, null);
  sendJson(request.res, 200, rows);
}

export async function getBucket(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const caller = request.caller();
  const rows = await ctx.db.getBucket(caller, request.sqlRequest, param(request, 'id'));
  if (!rows[0]) throw storageErrors.bucketNotFound();
  sendJson(request.res, 200, rows[0]);
}
