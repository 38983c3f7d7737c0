// The /object routes storage-js calls: upload (POST, PUT / x-upsert), download (authenticated, public, signed),
// info and HEAD, remove, list, and signed URLs. Bodies are streamed to disk, never buffered whole.
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { BodyTooLargeError, headerValue, readBody, sendJson } from '../http.js';
import type { SqlRequestInfo } from '../sql.js';
import type { StorageCaller } from './caller.js';
import type { ListOptions, ObjectMetadata, ObjectRow, StorageDatabase } from './database.js';
import { storageErrors, StorageError } from './errors.js';
import type { ObjectFileStore } from './file-store.js';
import { assertMimeTypeAllowed, assertValidKey, maxFileSize, servedTypeHeaders } from './limits.js';
import { signObjectUrl, verifyObjectToken } from './signing.js';

export interface ObjectRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** What the caller's SQL sees as request.method / request.path / request.headers. */
  sqlRequest: SqlRequestInfo;
}

/** JSON bodies of the list/sign/remove routes are small; Storage's body limit for them is far below this. */
const JSON_BODY_LIMIT = 1024 * 1024;
/** Bodies refused before being read: above this, close the connection instead of draining it. */
const DRAIN_LIMIT = 16 * 1024 * 1024;

export class ObjectRoutes {
  constructor(
    private readonly db: StorageDatabase,
    private readonly files: ObjectFileStore,
    private readonly jwtSecret: string,
  ) {}

  /** POST /object/<bucket>/<name> (PUT, or x-upsert: true, replaces). Check order: bucket, MIME, size, RLS, store. */
  async upload(
    request: ObjectRequest,
    caller: StorageCaller,
    bucketId: string,
    name: string,
    options: { upsert: boolean; update: boolean },
  ): Promise<void> {
    const { upsert } = options;
    const { req, res } = request;
    try {
      assertValidKey(name);
      const bucket = await this.db.findBucket(bucketId);
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
      await this.db.rehearseWrite(caller, request.sqlRequest, operation, { bucket: bucketId, name, version, userMetadata, upsert });

      const { tempPath, size } = await this.files.receive(req, limit);
      const cacheControl = headerValue(req.headers, 'cache-control') ?? 'no-cache';
      const placed = await this.files.place(tempPath, bucketId, name, version);
      const metadata = await this.metadataFor(placed, size, contentType, cacheControl);
      let committed;
      try {
        committed = await this.db.commitWrite(caller, { bucket: bucketId, name, version, metadata, userMetadata, upsert });
      } catch (err) {
        await this.files.discard(placed);
        throw err;
      }
      if (committed.replacedVersion) await this.files.remove(bucketId, name, committed.replacedVersion);
      sendJson(res, 200, { Id: committed.row.id, Key: `${bucketId}/${name}` });
    } catch (err) {
      throw withUnreadBody(req, err);
    }
  }

  /** GET /object/<bucket>/<name>, /object/authenticated/...: the caller must be able to SELECT the row. */
  async download(request: ObjectRequest, caller: StorageCaller, bucketId: string, name: string, headOnly: boolean): Promise<void> {
    const operation = headOnly ? 'storage.object.info_authenticated' : 'storage.object.get_authenticated';
    const row = await this.db.findObject(caller, request.sqlRequest, operation, bucketId, name);
    if (!row) throw storageErrors.objectNotFound();
    await this.serve(request, row, headOnly);
  }

  /** GET /object/public/<bucket>/<name>: public buckets only, no RLS. */
  async downloadPublic(request: ObjectRequest, bucketId: string, name: string, headOnly: boolean): Promise<void> {
    const bucket = await this.db.findBucket(bucketId);
    if (!bucket || !bucket.public) throw storageErrors.bucketNotFound();
    const row = await this.db.findObjectAsAdmin(bucketId, name);
    if (!row) throw storageErrors.objectNotFound();
    await this.serve(request, row, headOnly);
  }

  /** GET /object/sign/<bucket>/<name>?token=...: whoever holds a valid token, no RLS. */
  async downloadSigned(request: ObjectRequest, bucketId: string, name: string, headOnly: boolean): Promise<void> {
    await verifyObjectToken(this.jwtSecret, request.url.searchParams.get('token'), bucketId, name);
    const row = await this.db.findObjectAsAdmin(bucketId, name);
    if (!row) throw storageErrors.objectNotFound();
    await this.serve(request, row, headOnly);
  }

  /** GET /object/info/<bucket>/<name> */
  async info(request: ObjectRequest, caller: StorageCaller, bucketId: string, name: string): Promise<void> {
    const row = await this.db.findObject(caller, request.sqlRequest, 'storage.object.info_authenticated', bucketId, name);
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

  /** DELETE /object/<bucket> {prefixes}: deletes what the caller may delete and see; returns those rows. */
  async removeMany(request: ObjectRequest, caller: StorageCaller, bucketId: string): Promise<void> {
    const body = await readJson(request.req);
    const prefixes = body?.prefixes;
    if (!Array.isArray(prefixes) || prefixes.length === 0 || !prefixes.every((p) => typeof p === 'string')) {
      throw storageErrors.invalidRequest('body/prefixes must NOT have fewer than 1 items');
    }
    if (prefixes.length > 1000) throw storageErrors.invalidRequest('body/prefixes must NOT have more than 1000 items');
    const rows = await this.removeRows(request, caller, 'storage.object.delete_many', bucketId, prefixes as string[]);
    sendJson(request.res, 200, rows);
  }

  /** DELETE /object/<bucket>/<name>: one object; 404 when nothing was deleted. */
  async removeOne(request: ObjectRequest, caller: StorageCaller, bucketId: string, name: string): Promise<void> {
    const rows = await this.removeRows(request, caller, 'storage.object.delete', bucketId, [name]);
    if (rows.length === 0) throw storageErrors.objectNotFound();
    sendJson(request.res, 200, { message: 'Successfully deleted' });
  }

  private async removeRows(
    request: ObjectRequest,
    caller: StorageCaller,
    operation: 'storage.object.delete' | 'storage.object.delete_many',
    bucketId: string,
    names: string[],
  ): Promise<ObjectRow[]> {
    const rows = await this.db.deleteObjects(caller, request.sqlRequest, operation, bucketId, names);
    await Promise.all(rows.map((row) => this.files.remove(row.bucket_id, row.name, row.version)));
    return rows;
  }

  /** POST /object/list/<bucket> {prefix, limit, offset, sortBy, search} */
  async list(request: ObjectRequest, caller: StorageCaller, bucketId: string): Promise<void> {
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
    const entries = await this.db.list(caller, request.sqlRequest, bucketId, options);
    sendJson(request.res, 200, entries);
  }

  /** POST /object/sign/<bucket>/<name> {expiresIn}: the caller must be able to SELECT the object. */
  async sign(request: ObjectRequest, caller: StorageCaller, bucketId: string, name: string): Promise<void> {
    const body = await readJson(request.req);
    const expiresIn = expiresInFrom(body?.expiresIn);
    const row = await this.db.findObject(caller, request.sqlRequest, 'storage.object.sign', bucketId, name);
    if (!row) throw storageErrors.objectNotFound();
    sendJson(request.res, 200, { signedURL: await signObjectUrl(this.jwtSecret, bucketId, name, expiresIn) });
  }

  /** POST /object/sign/<bucket> {expiresIn, paths}: one entry per path, with an error for those not visible. */
  async signMany(request: ObjectRequest, caller: StorageCaller, bucketId: string): Promise<void> {
    const body = await readJson(request.req);
    const expiresIn = expiresInFrom(body?.expiresIn);
    const paths = body?.paths;
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string')) {
      throw storageErrors.invalidRequest('body/paths must NOT have fewer than 1 items');
    }
    const visible = new Set(
      (await this.db.findObjects(caller, request.sqlRequest, 'storage.object.sign_many', bucketId, paths as string[])).map(
        (row) => row.name,
      ),
    );
    sendJson(
      request.res,
      200,
      await Promise.all(
        (paths as string[]).map(async (path) =>
          visible.has(path)
            ? { error: null, path, signedURL: await signObjectUrl(this.jwtSecret, bucketId, path, expiresIn) }
            : { error: 'Either the object does not exist or you do not have access to it', path, signedURL: null },
        ),
      ),
    );
  }

  /** GET /bucket and /bucket/<id>, as the caller (policies on storage.buckets decide what is visible). */
  async buckets(request: ObjectRequest, caller: StorageCaller, bucketId: string | null): Promise<void> {
    const rows = await this.db.getBucket(caller, request.sqlRequest, bucketId);
    if (bucketId === null) {
      sendJson(request.res, 200, rows);
      return;
    }
    if (!rows[0]) throw storageErrors.bucketNotFound();
    sendJson(request.res, 200, rows[0]);
  }

  /** Streams a stored object with Storage's headers; a single `Range: bytes=a-b` is honoured. */
  private async serve(request: ObjectRequest, row: ObjectRow, headOnly: boolean): Promise<void> {
    const { req, res, url } = request;
    if (!row.version) throw storageErrors.objectNotFound();
    const size = await this.files.size(row.bucket_id, row.name, row.version);
    if (size === null) throw storageErrors.objectNotFound();
    const metadata = row.metadata;
    const download = url.searchParams.get('download');
    const filename = download || row.name.split('/').pop() || 'download';
    const headers: Record<string, string | number> = {
      ...servedTypeHeaders(metadata?.mimetype, filename, download !== null),
      'Cache-Control': metadata?.cacheControl ?? 'no-cache',
      ETag: metadata?.eTag ?? '',
      'Last-Modified': new Date(metadata?.lastModified ?? row.updated_at).toUTCString(),
      'Accept-Ranges': 'bytes',
    };
    const range = parseRange(headerValue(req.headers, 'range'), size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    if (range) {
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
      headers['Content-Length'] = range.end - range.start + 1;
    } else {
      headers['Content-Length'] = size;
    }
    res.writeHead(range ? 206 : 200, headers);
    if (headOnly || req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    await pipeline(this.files.read(row.bucket_id, row.name, row.version, range ?? undefined), res);
  }

  private async metadataFor(path: string, size: number, mimetype: string, cacheControl: string): Promise<ObjectMetadata> {
    return objectMetadata((await stat(path)).mtimeMs, size, mimetype, cacheControl);
  }
}

/**
 * storage.objects.metadata as Storage writes it. The ETag follows Storage's file backend in its `mtime` mode
 * ("<mtime ms hex>-<size hex>"), so no byte of a large upload is read twice to hash it.
 */
export function objectMetadata(mtimeMs: number, size: number, mimetype: string, cacheControl: string): ObjectMetadata {
  return {
    eTag: `"${mtimeMs.toString(16)}-${size.toString(16)}"`,
    size,
    mimetype,
    cacheControl,
    lastModified: new Date(mtimeMs).toISOString(),
    contentLength: size,
    httpStatusCode: 200,
  };
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, from, to] = match;
  let start: number;
  let end: number;
  if (from === '') {
    if (!to) return null;
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to ? Math.min(Number(to), size - 1) : size - 1;
  }
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}

/** `x-metadata`: base64 JSON of the user metadata (uploads and copies). */
export function parseUserMetadata(header: string | undefined): Record<string, unknown> | null {
  if (!header) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    throw storageErrors.invalidRequest('Invalid x-metadata header: expected base64-encoded JSON');
  }
}

function expiresInFrom(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw storageErrors.invalidRequest('body/expiresIn must be >= 1');
  }
  return n;
}

function positiveInt(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** A JSON object body (null when empty or not an object), up to JSON_BODY_LIMIT. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  let raw: Buffer;
  try {
    raw = await readBody(req, JSON_BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw storageErrors.entityTooLarge();
    throw err;
  }
  if (raw.length === 0) return null;
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    throw storageErrors.invalidRequest('Body is not valid JSON');
  }
}

/** Marks errors raised before a large body was read, so the response closes the connection instead of draining it. */
function withUnreadBody(req: IncomingMessage, err: unknown): unknown {
  if (err instanceof StorageError && !req.readableEnded) {
    const declared = Number(headerValue(req.headers, 'content-length') ?? Number.NaN);
    if (!(declared <= DRAIN_LIMIT)) err.closeConnection = true;
  }
  return err;
}
