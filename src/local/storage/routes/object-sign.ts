// POST /storage/v1/object/sign/:bucket/*
// POST /storage/v1/object/sign/:bucket
// GET /storage/v1/object/sign/:bucket/*?token=
// HEAD /storage/v1/object/sign/:bucket/*?token=
//
// Signed URLs: one {expiresIn} if the caller can read the object, or several {expiresIn, paths}; and the
// download with the token, without RLS. Signed downloads are served without an API key (see requiresApiKey in
// ../index.ts).
import { sendJson } from '../../http.js';
import { param, type StorageContext, type StorageRequest } from '../context.js';
import { sendObject } from '../download.js';
import { storageErrors } from '../errors.js';
import { readJson } from '../request-body.js';
import { signObjectUrl, verifyObjectToken } from '../signing.js';

/** POST /object/sign/<bucket>/<name>: the caller must be able to SELECT the object. */
export async function signObject(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const caller = request.caller();
  const bucketId = param(request, 'bucket');
  const name = param(request, '*');
  const body = await readJson(request.req);
  const expiresIn = expiresInFrom(body?.expiresIn);
  const row = await ctx.db.findObject(caller, request.sqlRequest, 'storage.object.sign', bucketId, name);
  if (!row) throw storageErrors.objectNotFound();
  sendJson(request.res, 200, { signedURL: await signObjectUrl(ctx.jwtSecret, bucketId, name, expiresIn) });
}

/** POST /object/sign/<bucket>: one entry per path, with an error for those not visible. */
export async function signObjects(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const caller = request.caller();
  const bucketId = param(request, 'bucket');
  const body = await readJson(request.req);
  const expiresIn = expiresInFrom(body?.expiresIn);
  const paths = body?.paths;
  if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string')) {
    throw storageErrors.invalidRequest('body/paths must NOT have fewer than 1 items');
  }
  const visible = new Set(
    (await ctx.db.findObjects(caller, request.sqlRequest, 'storage.object.sign_many', bucketId, paths as string[])).map(
      (row) => row.name,
    ),
  );
  sendJson(
    request.res,
    200,
    await Promise.all(
      (paths as string[]).map(async (path) =>
        visible.has(path)
          ? { error: null, path, signedURL: await signObjectUrl(ctx.jwtSecret, bucketId, path, expiresIn) }
          : { error: 'Either the object does not exist or you do not have access to it', path, signedURL: null },
      ),
    ),
  );
}

/** GET and HEAD /object/sign/<bucket>/<name>?token=...: whoever holds a valid token, no RLS. */
export async function downloadSignedObject(ctx: StorageContext, request: StorageRequest): Promise<void> {
  const bucketId = param(request, 'bucket');
  const name = param(request, '*');
  await verifyObjectToken(ctx.jwtSecret, request.url.searchParams.get('token'), bucketId, name);
  const row = await ctx.db.findObjectAsAdmin(bucketId, name);
  if (!row) throw storageErrors.objectNotFound();
  await sendObject(ctx.files, request, row, request.method === 'HEAD');
}

function expiresInFrom(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw storageErrors.invalidRequest('body/expiresIn must be >= 1');
  }
  return n;
}
