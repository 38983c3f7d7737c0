// /storage/v1 of the local backend: the object routes storage-js uses, bucket reads, and resumable (TUS)
// uploads. Mounted by listing `storageService` in ../service-mounts.ts.
//
// Routes: POST/PUT /object/<bucket>/<name> (x-upsert), GET/HEAD /object[/authenticated]/<bucket>/<name>,
// GET /object/public/..., GET /object/sign/<bucket>/<name>?token=, POST /object/sign/<bucket>[/<name>],
// POST /object/list/<bucket>, GET /object/info/<bucket>/<name>, DELETE /object/<bucket> {prefixes},
// DELETE /object/<bucket>/<name>, GET /bucket[/<id>], and /upload/resumable[/<id>] (tus.ts).
// Every decision about access is the database's: the caller's write is rehearsed as the caller and rolled
// back, reads, lists, signs and deletes run as the caller (database.ts), so the migrations' policies judge.
// Errors are Storage's: HTTP 400 with the real status as a string `statusCode` (errors.ts); TUS answers
// with real statuses and plain text. Bytes live in <dataDir>/storage (file-store.ts).
// POST /object/copy is copy.ts. Not served: multipart (FormData) uploads, signed upload URLs, move, bucket
// writes, image transforms.
import { join } from 'node:path';
import type { BackendService, ServiceFactory, ServiceRequest } from '../service-contract.js';
import { clientAddress, headersObject } from '../http.js';
import { callerFromGateway, type StorageCaller } from './caller.js';
import { StorageDatabase } from './database.js';
import { sendStorageError, StorageError, storageErrors } from './errors.js';
import { ObjectCopy } from './copy.js';
import { ObjectFileStore } from './file-store.js';
import { ObjectRoutes, type ObjectRequest } from './objects.js';
import { ResumableUploads, type ResumableOptions } from './tus.js';

export const STORAGE_PREFIX = '/storage/v1';

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
    const objects = new ObjectRoutes(db, files, backend.jwtSecret);
    const resumable = new ResumableUploads(db, files, options.resumable);
    await resumable.init();
    const router = new StorageRouter(objects, resumable, backend.log, new ObjectCopy(db, files));
    const service: BackendService = {
      prefix: STORAGE_PREFIX,
      // Signed and public downloads are opened by browsers and players that send no API key.
      requiresApiKey: (path, method) =>
        !((method === 'GET' || method === 'HEAD') && (path.startsWith('/object/sign/') || path.startsWith('/object/public/'))),
      handle: (request) => router.handle(request),
      close: async () => resumable.close(),
    };
    return service;
  };
}

export const storageService: ServiceFactory = createStorageService();

class StorageRouter {
  constructor(
    private readonly objects: ObjectRoutes,
    private readonly resumable: ResumableUploads,
    private readonly log: (line: string) => void,
    private readonly copier: ObjectCopy,
  ) {}

  async handle(request: ServiceRequest): Promise<void> {
    const { req, res, method, path, auth } = request;
    if (path === '/upload/resumable' || path.startsWith('/upload/resumable/')) {
      try {
        await this.resumable.handle(req, res, auth, path);
      } catch (err) {
        this.log(`storage: resumable ${method} ${path}: ${err instanceof Error ? err.stack : String(err)}`);
        if (!res.headersSent) {
          res.writeHead(500, { 'Tus-Resumable': '1.0.0', 'Content-Type': 'text/plain' });
          res.end('Internal Server Error');
        } else res.destroy();
      }
      return;
    }
    const objectRequest: ObjectRequest = {
      req,
      res,
      url: request.url,
      sqlRequest: { method, path, headers: headersObject(req.headers), client: clientAddress(req) },
    };
    try {
      await this.route(objectRequest, method, decodePath(path), request);
    } catch (err) {
      if (err instanceof StorageError) {
        sendStorageError(res, err, method === 'HEAD');
        return;
      }
      this.log(`storage: ${method} ${path}: ${err instanceof Error ? err.stack : String(err)}`);
      sendStorageError(res, storageErrors.internal(), method === 'HEAD');
    }
  }

  private async route(request: ObjectRequest, method: string, path: string, service: ServiceRequest): Promise<void> {
    const caller = (): StorageCaller => {
      const result = callerFromGateway(service.auth);
      if (!result.ok) throw result.error;
      return result.caller;
    };
    const parts = path.split('/').slice(1); // drop the leading ''
    const [area, second] = parts;
    const head = method === 'HEAD';
    const readMethod = method === 'GET' || method === 'HEAD';

    if (area === 'bucket') {
      if (method === 'GET' && parts.length === 1) return this.objects.buckets(request, caller(), null);
      if (method === 'GET' && parts.length === 2 && second) return this.objects.buckets(request, caller(), second);
      throw storageErrors.notFoundRoute(method, path);
    }
    if (area !== 'object' || second === undefined) throw storageErrors.notFoundRoute(method, path);

    const target = (from: number): { bucket: string; name: string } | null => {
      const bucket = parts[from];
      const name = parts.slice(from + 1).join('/');
      return bucket && name ? { bucket, name } : null;
    };

    switch (second) {
      case 'copy': {
        if (method === 'POST' && parts.length === 2) return this.copier.copy(request, caller());
        break;
      }
      case 'list': {
        const bucket = parts[2];
        if (method === 'POST' && bucket && parts.length === 3) return this.objects.list(request, caller(), bucket);
        break;
      }
      case 'sign': {
        const bucket = parts[2];
        if (method === 'POST' && bucket && parts.length === 3) return this.objects.signMany(request, caller(), bucket);
        const t = target(2);
        if (!t) break;
        if (method === 'POST') return this.objects.sign(request, caller(), t.bucket, t.name);
        if (readMethod) return this.objects.downloadSigned(request, t.bucket, t.name, head);
        break;
      }
      case 'public': {
        const t = target(2);
        if (t && readMethod) return this.objects.downloadPublic(request, t.bucket, t.name, head);
        break;
      }
      case 'authenticated': {
        const t = target(2);
        if (t && readMethod) return this.objects.download(request, caller(), t.bucket, t.name, head);
        break;
      }
      case 'info': {
        const t = parts[2] === 'authenticated' || parts[2] === 'public' ? target(3) : target(2);
        if (t && method === 'GET') return this.objects.info(request, caller(), t.bucket, t.name);
        break;
      }
      default: {
        if (method === 'DELETE' && parts.length === 2) return this.objects.removeMany(request, caller(), second);
        const t = target(1);
        if (!t) break;
        if (method === 'POST') {
          const upsert = (request.req.headers['x-upsert'] ?? '') === 'true';
          return this.objects.upload(request, caller(), t.bucket, t.name, { upsert, update: false });
        }
        if (method === 'PUT') return this.objects.upload(request, caller(), t.bucket, t.name, { upsert: true, update: true });
        if (readMethod) return this.objects.download(request, caller(), t.bucket, t.name, head);
        if (method === 'DELETE') return this.objects.removeOne(request, caller(), t.bucket, t.name);
      }
    }
    throw storageErrors.notFoundRoute(method, path);
  }
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw storageErrors.invalidKey(path);
  }
}

