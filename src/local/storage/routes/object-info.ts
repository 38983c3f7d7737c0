// GET /storage/v1/object/info/:bucket/*
// GET /storage/v1/object/info/authenticated/:bucket/*
// GET /storage/v1/object/info/public/:bucket/*
//
// An object's row as the caller sees it (all three read as the caller, under RLS).
import { sendJson } from '../../http.js';
import { param, type StorageContext, type StorageRequest } from '../context.js';
import { storageErrors } from '../errors.js';

export async function objectInfo(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const caller = request.caller();
  const bucketId = param(request, 'bucket');
  const name = param(request, '*');
  const row = await ctx.db.findObject(caller, request.sqlRequest, 'storage.object.info_authenticated', bucketId, name);
  if (!row) throw storageErrors.objectNotFound();
  const metadata = row.metadata;
  sendJson(request.res, 200, {
    id: row.id,
    name: row.name,
    version: row.version,
    bucket_id: row.bucket_id,
    size: metadata?.size ?? null,
    content_type: metadata?.mimetype ?? null,
    cache_control: metadata?.cacheControl ?? null,
    etag: metadata?.eTag ?? null,
    metadata: row.user_metadata ?? {},
    last_modified: metadata?.lastModified ?? null,
    created_at: row.created_at,
  });
}
