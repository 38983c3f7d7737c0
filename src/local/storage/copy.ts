// POST /object/copy {bucketId, sourceKey, destinationKey, destinationBucket?, copyMetadata?, metadata?}, as
// Supabase Storage serves it: the source is looked up as the caller (SELECT policies; invisible or missing:
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
import { BodyTooLargeError, headerValue, readBody, sendJson } from '../http.js';
import type { StorageCaller } from './caller.js';
import type { ObjectMetadata, StorageDatabase } from './database.js';
import { storageErrors } from './errors.js';
import type { ObjectFileStore } from './file-store.js';
import { assertValidBucketName, assertValidKey } from './limits.js';
import { objectMetadata, type ObjectRequest } from './objects.js';

const BODY_LIMIT = 64 * 1024;

interface CopyBody {
  bucketId: string;
  sourceKey: string;
  destinationKey: string;
  destinationBucket?: string;
  copyMetadata?: boolean;
  metadata?: { cacheControl?: string; mimetype?: string };
}

export class ObjectCopy {
  constructor(
    private readonly db: StorageDatabase,
    private readonly files: ObjectFileStore,
  ) {}

  async copy(request: ObjectRequest, caller: StorageCaller): Promise<void> {
    const body = await readCopyBody(request);
    const destBucket = body.destinationBucket || body.bucketId;
    assertValidBucketName(body.bucketId);
    assertValidBucketName(destBucket);
    assertValidKey(body.sourceKey);
    assertValidKey(body.destinationKey);

    const source = await this.db.findObject(caller, request.sqlRequest, 'storage.object.copy', body.bucketId, body.sourceKey);
    if (!source?.version) throw storageErrors.objectNotFound();
    const copyMetadata = body.copyMetadata ?? true;
    const base: Partial<ObjectMetadata> = { ...(source.metadata ?? {}) };
    if (!copyMetadata) {
      if (body.metadata?.cacheControl !== undefined) base.cacheControl = body.metadata.cacheControl;
      if (body.metadata?.mimetype !== undefined) base.mimetype = body.metadata.mimetype;
    }
    const userMetadata = copyMetadata ? source.user_metadata : parseUserMetadata(headerValue(request.req.headers, 'x-metadata'));
    const upsert = headerValue(request.req.headers, 'x-upsert') === 'true';
    const version = randomUUID();
    await this.db.rehearseWrite(caller, request.sqlRequest, 'storage.object.copy', {
      bucket: destBucket,
      name: body.destinationKey,
      version,
      userMetadata,
      upsert,
      metadata: null,
    });

    const from = this.files.objectPath(body.bucketId, body.sourceKey, source.version);
    const to = this.files.objectPath(destBucket, body.destinationKey, version);
    await mkdir(dirname(to), { recursive: true });
    try {
      await link(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw storageErrors.objectNotFound();
      throw err;
    }
    const stats = await stat(to);
    const metadata = objectMetadata(stats.mtimeMs, stats.size, base.mimetype ?? 'application/octet-stream', base.cacheControl ?? 'no-cache');
    let committed;
    try {
      committed = await this.db.commitWrite(caller, { bucket: destBucket, name: body.destinationKey, version, metadata, userMetadata, upsert });
    } catch (err) {
      await unlink(to).catch(() => undefined);
      throw err;
    }
    if (committed.replacedVersion) await this.files.remove(destBucket, body.destinationKey, committed.replacedVersion);
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
}

async function readCopyBody(request: ObjectRequest): Promise<CopyBody> {
  let raw: Buffer;
  try {
    raw = await readBody(request.req, BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw storageErrors.entityTooLarge();
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8') || 'null');
  } catch {
    throw storageErrors.invalidRequest('Body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw storageErrors.invalidRequest('body must be object');
  const body = value as Record<string, unknown>;
  for (const field of ['sourceKey', 'bucketId', 'destinationKey'] as const) {
    if (typeof body[field] !== 'string') throw storageErrors.invalidRequest(`body must have required property '${field}'`);
  }
  if (body.destinationBucket !== undefined && typeof body.destinationBucket !== 'string') throw storageErrors.invalidRequest('body/destinationBucket must be string');
  if (body.copyMetadata !== undefined && typeof body.copyMetadata !== 'boolean') throw storageErrors.invalidRequest('body/copyMetadata must be boolean');
  return body as unknown as CopyBody;
}

function parseUserMetadata(header: string | undefined): Record<string, unknown> | null {
  if (!header) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    throw storageErrors.invalidRequest('Invalid x-metadata header: expected base64-encoded JSON');
  }
}
