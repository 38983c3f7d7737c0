// POST /storage/v1/object/copy
//
// {bucketId, sourceKey, destinationKey, destinationBucket?, copyMetadata?, metadata?}, as Supabase Storage
// serves it: the source is looked up as the caller (SELECT policies; invisible or missing:
// 404), the destination write is rehearsed as the caller (INSERT, or with `x-upsert: true` the upsert: 403 /
// 409), the bytes are copied, and the row is written as Storage's admin with a new version. The answer is
// 200 {Id, Key: "<bucket>/<destinationKey>", ...the new row}. Metadata comes from the source unless
// copyMetadata is false (then `metadata.cacheControl` / `metadata.mimetype` override it); user metadata from
// the source, or from `x-metadata` when copyMetadata is false.
//
// Here the copy is a hard link: object files are never written in place (a write makes a new version), so
// two objects may share one file, and storage keeps one copy of bytes stored twice.
import { randomUUID } from 'node:crypto';
import { link, mkdir, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { headerValue, sendJson } from '../../http.js';
import type { ObjectRequest, StorageContext, StorageRequest } from '../context.js';
import type { ObjectMetadata } from '../database.js';
import { storageErrors } from '../errors.js';
import { assertMimeTypeAllowed, assertValidBucketName, assertValidKey } from '../limits.js';
import { objectMetadata, parseUserMetadata } from '../object-metadata.js';
import { readJson } from '../request-body.js';

interface CopyBody {
  bucketId: string;
  sourceKey: string;
  destinationKey: string;
  destinationBucket?: string;
  copyMetadata?: boolean;
  metadata?: { cacheControl?: string; mimetype?: string };
}

export async function copyObject(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const caller = request.caller();
  const body = await readCopyBody(request);
  const destBucket = body.destinationBucket || body.bucketId;
  assertValidBucketName(body.bucketId);
  assertValidBucketName(destBucket);
  assertValidKey(body.sourceKey);
  assertValidKey(body.destinationKey);

  const source = await ctx.db.findObject(caller, request.sqlRequest, 'storage.object.copy', body.bucketId, body.sourceKey);
  if (!source?.version) throw storageErrors.objectNotFound();
  const copyMetadata = body.copyMetadata ?? true;
  const base: Partial<ObjectMetadata> = { ...(source.metadata ?? {}) };
  if (!copyMetadata) {
    if (body.metadata?.cacheControl !== undefined) base.cacheControl = body.metadata.cacheControl;
    if (body.metadata?.mimetype !== undefined) base.mimetype = body.metadata.mimetype;
  }
  // The destination bucket's types hold for a copy as for an upload (a copy may name its own type).
  const bucket = await ctx.db.findBucket(destBucket);
  if (!bucket) throw storageErrors.bucketNotFound();
  const mimetype = typeof base.mimetype === 'string' ? base.mimetype : 'application/octet-stream';
  assertMimeTypeAllowed(mimetype, bucket.allowed_mime_types);
  const userMetadata = copyMetadata ? source.user_metadata : parseUserMetadata(headerValue(request.req.headers, 'x-metadata'));
  const upsert = headerValue(request.req.headers, 'x-upsert') === 'true';
  const version = randomUUID();
  await ctx.db.rehearseWrite(caller, request.sqlRequest, 'storage.object.copy', {
    bucket: destBucket,
    name: body.destinationKey,
    version,
    userMetadata,
    upsert,
    metadata: null,
  });

  const from = ctx.files.objectPath(body.bucketId, body.sourceKey, source.version);
  const to = ctx.files.objectPath(destBucket, body.destinationKey, version);
  await mkdir(dirname(to), { recursive: true });
  try {
    await link(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw storageErrors.objectNotFound();
    throw err;
  }
  const stats = await stat(to);
  const metadata = objectMetadata(stats.mtimeMs, stats.size, mimetype, base.cacheControl ?? 'no-cache');
  let committed;
  try {
    committed = await ctx.db.commitWrite(caller, { bucket: destBucket, name: body.destinationKey, version, metadata, userMetadata, upsert });
  } catch (err) {
    await unlink(to).catch(() => undefined);
    throw err;
  }
  if (committed.replacedVersion) await ctx.files.remove(destBucket, body.destinationKey, committed.replacedVersion);
  const row = committed.row;
  sendJson(request.res, 200, {
    Id: row.id,
    Key: `${destBucket}/${body.destinationKey}`,
    name: row.name,
    bucket_id: row.bucket_id,
    owner: row.owner,
    owner_id: row.owner_id,
    version: row.version,
    id: row.id,
    updated_at: row.updated_at,
    created_at: row.created_at,
    last_accessed_at: row.last_accessed_at,
    metadata: row.metadata,
    user_metadata: row.user_metadata,
  });
}

async function readCopyBody(request: ObjectRequest): Promise<CopyBody> {
  const body = await readJson(request.req);
  if (body === null) throw storageErrors.invalidRequest('body must be object');
  for (const field of ['sourceKey', 'bucketId', 'destinationKey'] as const) {
    if (typeof body[field] !== 'string') throw storageErrors.invalidRequest(`body must have required property '${field}'`);
  }
  if (body.destinationBucket !== undefined && typeof body.destinationBucket !== 'string') throw storageErrors.invalidRequest('body/destinationBucket must be string');
  if (body.copyMetadata !== undefined && typeof body.copyMetadata !== 'boolean') throw storageErrors.invalidRequest('body/copyMetadata must be boolean');
  if (body.metadata !== undefined && (body.metadata === null || typeof body.metadata !== 'object' || Array.isArray(body.metadata))) {
    throw storageErrors.invalidRequest('body/metadata must be object');
  }
  return body as unknown as CopyBody;
}
