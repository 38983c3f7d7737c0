// Sends a stored object with Storage's headers, for every download route (authenticated, public, signed).
import { pipeline } from 'node:stream/promises';
import { headerValue } from '../http.js';
import type { StorageCaller } from './caller.js';
import type { ObjectRequest, StorageContext } from './context.js';
import type { ObjectRow } from './database.js';
import { storageErrors } from './errors.js';
import type { ObjectFileStore } from './file-store.js';
import { servedTypeHeaders } from './limits.js';

/** GET /object/<bucket>/<name>, /object/authenticated/...: the caller must be able to SELECT the row. */
export async function downloadAsCaller(
  ctx: StorageContext,
  request: ObjectRequest,
  caller: StorageCaller,
  bucketId: string,
  name: string,
  headOnly: boolean,
): Promise<void> {
  const operation = headOnly ? 'storage.object.info_authenticated' : 'storage.object.get_authenticated';
  const row = await ctx.db.findObject(caller, request.sqlRequest, operation, bucketId, name);
  if (!row) throw storageErrors.objectNotFound();
  await sendObject(ctx.files, request, row, headOnly);
}

/** Streams a stored object with Storage's headers; a single `Range: bytes=a-b` is honoured. */
export async function sendObject(files: ObjectFileStore, request: ObjectRequest, row: ObjectRow, headOnly: boolean): Promise<void> {
  const { req, res, url } = request;
  if (!row.version) throw storageErrors.objectNotFound();
  const size = await files.size(row.bucket_id, row.name, row.version);
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
  await pipeline(files.read(row.bucket_id, row.name, row.version, range ?? undefined), res);
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
