// GET /storage/v1/object/public/:bucket/*
// HEAD /storage/v1/object/public/:bucket/*
//
// Download from a public bucket, without RLS (HEAD: the headers only). Served without an API key (see
// requiresApiKey in ../index.ts).
import { param, type StorageContext, type StorageRequest } from '../context.js';
import { sendObject } from '../download.js';
import { storageErrors } from '../errors.js';

export async function downloadPublicObject(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const bucketId = param(request, 'bucket');
  const name = param(request, '*');
  const bucket = await ctx.db.findBucket(bucketId);
  if (!bucket || !bucket.public) throw storageErrors.bucketNotFound();
  const row = await ctx.db.findObjectAsAdmin(bucketId, name);
  if (!row) throw storageErrors.objectNotFound();
  await sendObject(ctx.files, request, row, request.method === 'HEAD');
}
