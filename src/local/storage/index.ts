// /storage/v1 of the local backend: the object routes storage-js uses, bucket reads, and resumable (TUS)
// uploads. Mounted by listing `storageService` in ../service-mounts.ts.
//
// ROUTES below lists every URL served, each with its handler in routes/<leading static segments>.ts; router.ts
// says how a path is matched. Every decision about access is the database's: the caller's write is rehearsed
// as the caller and rolled back, reads, lists, signs and deletes run as the caller (database.ts), so the
// migrations' policies judge. Errors are Storage's: HTTP 400 with the real status as a string `statusCode`
// (errors.ts); TUS answers with real statuses and plain text. Bytes live in <dataDir>/storage (file-store.ts).
// Not served: multipart (FormData) uploads, signed upload URLs, move, bucket writes, image transforms.
import { join } from 'node:path';
import type { BackendService, ServiceFactory, ServiceRequest } from '../service-contract.js';
import { clientAddress, headersObject } from '../http.js';
import { callerFromGateway } from './caller.js';
import type { StorageContext, StorageRequest } from './context.js';
import { StorageDatabase } from './database.js';
import { sendStorageError, StorageError, storageErrors } from './errors.js';
import { ObjectFileStore } from './file-store.js';
import { RouteTable, type StorageRoute } from './router.js';
import { getBucket, listBuckets } from './routes/bucket.js';
import { downloadAuthenticatedObject } from './routes/object-authenticated.js';
import { copyObject } from './routes/object-copy.js';
import { objectInfo } from './routes/object-info.js';
import { listObjects } from './routes/object-list.js';
import { downloadPublicObject } from './routes/object-public.js';
import { downloadSignedObject, signObject, signObjects } from './routes/object-sign.js';
import { downloadObject, removeObject, removeObjects, updateObject, uploadObject } from './routes/object.js';
import { resumableUpload } from './routes/upload-resumable.js';
import { ResumableUploads, type ResumableOptions } from './tus-server.js';

export const STORAGE_PREFIX = '/storage/v1';

const READ = ['GET', 'HEAD'] as const;

/** Every route of /storage/v1, below the prefix. A path or method not listed is Storage's 404. */
export const ROUTES: readonly StorageRoute[] = [
  { method: '*', path: '/upload/resumable', below: true, handler: resumableUpload },
  { method: 'GET', path: '/bucket', handler: listBuckets },
  { method: 'GET', path: '/bucket/:id', handler: getBucket },
  { method: 'POST', path: '/object/copy', handler: copyObject },
  { method: 'POST', path: '/object/list/:bucket', handler: listObjects },
  { method: 'POST', path: '/object/sign/:bucket', handler: signObjects },
  { method: 'POST', path: '/object/sign/:bucket/*', handler: signObject },
  { method: READ, path: '/object/sign/:bucket/*', handler: downloadSignedObject },
  { method: READ, path: '/object/public/:bucket/*', handler: downloadPublicObject },
  { method: READ, path: '/object/authenticated/:bucket/*', handler: downloadAuthenticatedObject },
  { method: 'GET', path: '/object/info/authenticated/:bucket/*', handler: objectInfo },
  { method: 'GET', path: '/object/info/public/:bucket/*', handler: objectInfo },
  { method: 'GET', path: '/object/info/:bucket/*', handler: objectInfo },
  { method: 'DELETE', path: '/object/', handler: removeObjects }, // no bucket: the bucket ''
  { method: 'DELETE', path: '/object/:bucket', handler: removeObjects },
  { method: 'POST', path: '/object/:bucket/*', handler: uploadObject },
  { method: 'PUT', path: '/object/:bucket/*', handler: updateObject },
  { method: READ, path: '/object/:bucket/*', handler: downloadObject },
  { method: 'DELETE', path: '/object/:bucket/*', handler: removeObject },
];

export interface StorageServiceOptions {
  /** Where bytes live; default <dataDir>/storage. */
  root?: string;
  resumable?: ResumableOptions;
}

export function createStorageService(options: StorageServiceOptions = {}): ServiceFactory {
  return async (backend) => {
    const files = new ObjectFileStore(options.root ?? join(backend.dataDir, 'storage'));
    await files.init();
    const db = new StorageDatabase(backend.sql, backend.admin);
    const resumable = new ResumableUploads(db, files, options.resumable);
    await resumable.init();
    const ctx: StorageContext = { db, files, jwtSecret: backend.jwtSecret, resumable, log: backend.log };
    const routes = new RouteTable(ROUTES);
    const service: BackendService = {
      prefix: STORAGE_PREFIX,
      // Signed and public downloads are opened by browsers and players that send no API key.
      requiresApiKey: (path, method) =>
        !((method === 'GET' || method === 'HEAD') && (path.startsWith('/object/sign/') || path.startsWith('/object/public/'))),
      handle: (request) => dispatch(ctx, routes, request),
      close: async () => resumable.close(),
    };
    return service;
  };
}

export const storageService: ServiceFactory = createStorageService();

async function dispatch(ctx: StorageContext, routes: RouteTable, service: ServiceRequest): Promise<void> {
  const { req, res, method, path, auth } = service;
  try {
    const { route, params } = routes.match(method, path);
    const request: StorageRequest = {
      req,
      res,
      url: service.url,
      method,
      path,
      auth,
      params,
      sqlRequest: { method, path, headers: headersObject(req.headers), client: clientAddress(req) },
      caller: () => {
        const result = callerFromGateway(auth);
        if (!result.ok) throw result.error;
        return result.caller;
      },
    };
    await route.handler(ctx, request);
  } catch (err) {
    if (err instanceof StorageError) {
      sendStorageError(res, err, method === 'HEAD');
      return;
    }
    ctx.log(`storage: ${method} ${path}: ${err instanceof Error ? err.stack : String(err)}`);
    sendStorageError(res, storageErrors.internal(), method === 'HEAD');
  }
}
