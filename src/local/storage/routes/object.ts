// POST /storage/v1/object/:bucket/*
// PUT /storage/v1/object/:bucket/*
// GET /storage/v1/object/:bucket/*
// HEAD /storage/v1/object/:bucket/*
// DELETE /storage/v1/object/:bucket/*
// DELETE /storage/v1/object/:bucket
// DELETE /storage/v1/object/
//
// Objects (`*` is the object name): upload with POST (x-upsert: true replaces) or PUT (replaces), download as
// the caller (HEAD: the headers only), remove one, or remove several {prefixes} of a bucket. Upload bodies are
// streamed to disk, never buffered whole.
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { headerValue, sendJson } from '../../http.js';
import type { StorageCaller } from '../caller.js';
import { param, type StorageContext, type StorageRequest } from '../context.js';
import type { ObjectRow } from '../database.js';
import { downloadAsCaller } from '../download.js';
import { storageErrors } from '../errors.js';
import { assertMimeTypeAllowed, assertValidKey, maxFileSize } from '../limits.js';
import { objectMetadata, parseUserMetadata } from '../object-metadata.js';
import { readJson, withUnreadBody } from '../request-body.js';

/** POST /object/<bucket>/<name>; with `x-upsert: true` it replaces an existing object. */
export async function uploadObject(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const upsert = (request.req.headers['x-upsert'] ?? '') === 'true';
  await upload(ctx, request, request.caller(), { upsert, update: false });
}

/** PUT /object/<bucket>/<name>: always replaces. */
export async function updateObject(ctx: StorageContext, request: StorageRequest): Promise<void> {
  await upload(ctx, request, request.caller(), { upsert: true, update: true });
}

/** GET and HEAD /object/<bucket>/<name>. */
export async function downloadObject(ctx: StorageContext, request: StorageRequest): Promise<void> {
  await downloadAsCaller(ctx, request, request.caller(), param(request, 'bucket'), param(request, '*'), request.method === 'HEAD');
}

/** DELETE /object/<bucket>/<name>: one object; 404 when nothing was deleted. */
export async function removeObject(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const caller = request.caller();
  const rows = await removeRows(ctx, request, caller, 'storage.object.delete', param(request, 'bucket'), [param(request, '*')]);
  if (rows.length === 0) throw storageErrors.objectNotFound();
  sendJson(request.res, 200, { message: 'Successfully deleted' });
}

/**
 * DELETE /object/<bucket> {prefixes}: deletes what the caller may delete and see; returns those rows.
 * DELETE /object/ (no bucket) is taken as the bucket '', as it always was here.
 */
export async function removeObjects(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const caller = request.caller();
  const bucketId = request.params.bucket ?? '';
  const body = await readJson(request.req);
  const prefixes = body?.prefixes;
  if (!Array.isArray(prefixes) || prefixes.length === 0 || !prefixes.every((p) => typeof p === 'string')) {
    throw storageErrors.invalidRequest('body/prefixes must NOT have fewer than 1 items');
  }
  if (prefixes.length > 1000) throw storageErrors.invalidRequest('body/prefixes must NOT have more than 1000 items');
  const rows = await removeRows(ctx, request, caller, 'storage.object.delete_many', bucketId, prefixes as string[]);
  sendJson(request.res, 200, rows);
}

/** Check order: bucket, MIME, size, RLS, store. */
async function upload(
  ctx: StorageContext,
  request: StorageRequest,
  caller: StorageCaller,
  options: { upsert: boolean; update: boolean },
): Promise<void> {
  const bucketId = param(request, 'bucket');
  const name = param(request, '*');
  const { upsert } = options;
  const { req, res } = request;
  try {
    assertValidKey(name);
    const bucket = await ctx.db.findBucket(bucketId);
    if (!bucket) throw storageErrors.bucketNotFound();
    const contentType = headerValue(req.headers, 'content-type') ?? 'application/octet-stream';
    if (contentType.startsWith('multipart/form-data')) {
      throw storageErrors.invalidRequest('multipart uploads are not supported by the local backend; send the raw body');
    }
    assertMimeTypeAllowed(contentType, bucket.allowed_mime_types);
    const limit = maxFileSize(bucket);
    const declared = headerValue(req.headers, 'content-length');
    if (declared !== undefined && Number(declared) > limit) throw storageErrors.entityTooLarge();

    const version = randomUUID();
    const userMetadata = parseUserMetadata(headerValue(req.headers, 'x-metadata'));
    const operation = options.update ? 'storage.object.upload_update' : 'storage.object.upload';
    await ctx.db.rehearseWrite(caller, request.sqlRequest, operation, { bucket: bucketId, name, version, userMetadata, upsert });

    const { tempPath, size } = await ctx.files.receive(req, limit);
    const cacheControl = headerValue(req.headers, 'cache-control') ?? 'no-cache';
    const placed = await ctx.files.place(tempPath, bucketId, name, version);
    const metadata = objectMetadata((await stat(placed)).mtimeMs, size, contentType, cacheControl);
    let committed;
    try {
      committed = await ctx.db.commitWrite(caller, { bucket: bucketId, name, version, metadata, userMetadata, upsert });
    } catch (err) {
      await ctx.files.discard(placed);
      throw err;
    }
    if (committed.replacedVersion) await ctx.files.remove(bucketId, name, committed.replacedVersion);
    sendJson(res, 200, { Id: committed.row.id, Key: `${bucketId}/${name}` });
  } catch (err) {
    throw withUnreadBody(req, err);
  }
}

async function removeRows(
  ctx: StorageContext,
  request: StorageRequest,
  caller: StorageCaller,
  operation: 'storage.object.delete' | 'storage.object.delete_many',
  bucketId: string,
  names: string[],
): Promise<ObjectRow[]> {
  const rows = await ctx.db.deleteObjects(caller, request.sqlRequest, operation, bucketId, names);
  await Promise.all(rows.map((row) => ctx.files.remove(row.bucket_id, row.name, row.version)));
  return rows;
}
