// OPTIONS /storage/v1/upload/resumable
// POST /storage/v1/upload/resumable
// HEAD /storage/v1/upload/resumable/*
// PATCH /storage/v1/upload/resumable/*
// DELETE /storage/v1/upload/resumable/*
//
// Resumable uploads (TUS): POST creates one, whose URL ends in its base64url id; HEAD reads its offset, PATCH
// sends a chunk, DELETE ends it. Every method at and under /upload/resumable comes here with the path
// undecoded; the TUS server itself is ../tus-server.ts. TUS answers errors with their real status and plain
// text, unlike the other routes.
import type { StorageContext, StorageRequest } from '../context.js';

export async function resumableUpload(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const { req, res, method, path, auth, sqlRequest } = request;
  try {
    await ctx.resumable.handle(req, res, auth, sqlRequest);
  } catch (err) {
    ctx.log(`storage: resumable ${method} ${path}: ${err instanceof Error ? err.stack : String(err)}`);
    if (!res.headersSent) {
      res.writeHead(500, { 'Tus-Resumable': '1.0.0', 'Content-Type': 'text/plain' });
      res.end('Internal Server Error');
    } else res.destroy();
  }
}
