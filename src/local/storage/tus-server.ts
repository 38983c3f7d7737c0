// The TUS server behind /storage/v1/upload/resumable (its route: routes/upload-resumable.ts): @tus/server with
// @tus/file-store, shaped the way Supabase Storage runs it (src/http/routes/tus): metadata keys
// bucketName/objectName/contentType/cacheControl/metadata, upload ids "<bucket>/<objectName>/<version>" sent
// base64url-encoded in absolute Location URLs, the JWT checked on every request, the RLS rehearsal of the write
// on POST and on every PATCH (with that request's x-upsert), and the object row written as Storage's admin when
// the last byte is in. Errors are plain text with the real HTTP status, as TUS routes answer.
//
// One copy on disk: a finished upload's file is hard-linked to the object's path and then removed from the
// staging folder (with its info file), once the response is written. A HEAD of a finished upload is then
// answered from the object row (offset = length), so a client that lost the last response still sees
// the upload complete. Staging files of uploads abandoned for a day are swept when the backend starts
// and every hour; `session gc` ends the abandoned uploads it knows with DELETE.
//
// Responses to POST and HEAD carry X-Upload-Chunk-Limit (the largest PATCH body taken here), so the CLI
// may send chunks larger than Supabase's 6 MiB to this backend only.
//
// Differences from Supabase, on purpose: an upload answers only the user who created it, or the service
// role (Supabase lets any caller HEAD it, and relies on the RLS rehearsal for PATCH); a missing contentType
// is checked against the bucket's allowed types as application/octet-stream instead of skipping the check;
// a bad or expired token is refused with HTTP 403 and Storage's message as plain text (Storage's JWT layer
// answers 400 with its JSON body).
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { link, mkdir, readdir, readFile, rm, stat, truncate, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { FileConfigstore, FileStore, type Configstore } from '@tus/file-store';
import { ERRORS, EVENTS, Server, type CancellationContext, type Lock, type Locker, type ServerOptions, type Upload } from '@tus/server';
import { headerValue } from '../http.js';
import type { GatewayAuth } from '../service-contract.js';
import type { SqlRequestInfo } from '../sql.js';
import { callerFromGateway, type StorageCaller } from './caller.js';
import type { StorageDatabase } from './database.js';
import { StorageError, storageErrors } from './errors.js';
import type { ObjectFileStore } from './file-store.js';
import { assertMimeTypeAllowed, assertValidBucketName, assertValidKey, cacheControlFromSeconds, GLOBAL_FILE_SIZE_LIMIT, maxFileSize } from './limits.js';
import { objectMetadata } from './object-metadata.js';
import { interceptBodyWrites, useDirectBody, type WriteToStore } from './tus-direct-body.js';
import { CHUNK_LIMIT_HEADER } from '../../base/constants.js';

export const TUS_PATH = '/storage/v1/upload/resumable';

/** Buffered bytes per upload file write stream before the socket is paused (writes are batched with writev). */
const WRITE_BUFFER = 1024 * 1024;

/** The metadata key under which the creating user's id is kept with the upload (server-side; never from the client). */
const OWNER_KEY = 'owner';

/** Staging files untouched this long belong to abandoned uploads. */
export const ABANDONED_UPLOAD_MS = 24 * 60 * 60 * 1000;

/** Entries an in-memory cache of uploads holds; past it, the oldest goes. */
const CACHED_UPLOADS = 10_000;

function setBounded<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.set(key, value);
  if (cache.size > CACHED_UPLOADS) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}


export interface ResumableOptions {
  /** How long an upload URL stays valid (Supabase hosted: up to 24 h; self-hosted default 1 h). */
  expiryMs?: number;
  /** Largest request body accepted on POST/PATCH. Supabase requires 6 MiB chunks; any size up to this is taken. */
  maxChunkSize?: number;
  /** How long a request waits for another request on the same object to finish before answering 409. */
  lockWaitMs?: number;
  /** Skip the RLS rehearsal on PATCH (bench only: measures what the per-chunk check costs). */
  skipPatchRehearsal?: boolean;
  /** Feed request bodies through @tus/server's web-stream path instead of the node stream (bench only). */
  webStreamBody?: boolean;
}

type TusRequest = Parameters<NonNullable<ServerOptions['onIncomingRequest']>>[0];

interface RequestContext {
  caller: StorageCaller;
  sqlRequest: SqlRequestInfo;
  upsert: boolean;
  /** Set while creating an upload: the bucket found by the naming step. */
  bucketLimit?: number;
  /** A PATCH's RLS rehearsal, running while its body is received (see writeDirect). */
  pendingRehearsal?: Promise<void>;
}

interface UploadInfo {
  owner: string;
  maxSize: number;
}

/** Parses "<bucket>/<objectName>/<version>". */
export function parseUploadId(id: string): { bucket: string; objectName: string; version: string } | null {
  const first = id.indexOf('/');
  const last = id.lastIndexOf('/');
  if (first <= 0 || last <= first) return null;
  const bucket = id.slice(0, first);
  const objectName = id.slice(first + 1, last);
  const version = id.slice(last + 1);
  if (!/^[0-9a-f-]{36}$/.test(version)) return null;
  try {
    // The id is a path under the upload folder: a bucket of `..` would leave it.
    assertValidBucketName(bucket);
    assertValidKey(objectName);
  } catch {
    return null;
  }
  return { bucket, objectName, version };
}

function tusError(status: number, body: string): { status_code: number; body: string } {
  return { status_code: status, body };
}

function asTusError(err: unknown): unknown {
  if (err instanceof StorageError) return tusError(err.status, err.message);
  return err;
}

export class ResumableUploads {
  readonly server: Server;
  private readonly contexts = new WeakMap<IncomingMessage, RequestContext>();
  private readonly uploads = new Map<string, UploadInfo>();
  private readonly locker: ObjectLocker;
  private readonly store: FileStore;
  private readonly infoFiles: CachedConfigstore;
  private readonly expiryMs: number;
  private readonly maxChunkSize: number;
  private sweepTimer: NodeJS.Timeout | null = null;
  /** Uploads whose object row is written: their staging copy goes once the response is out. */
  private readonly committed = new Set<string>();

  constructor(
    private readonly db: StorageDatabase,
    private readonly files: ObjectFileStore,
    private readonly options: ResumableOptions = {},
  ) {
    this.expiryMs = options.expiryMs ?? 24 * 60 * 60 * 1000;
    this.maxChunkSize = options.maxChunkSize ?? 64 * 1024 * 1024;
    this.locker = new ObjectLocker(options.lockWaitMs ?? 1000);
    this.infoFiles = new CachedConfigstore(new FileConfigstore(files.tusDir));
    this.store = new FileStore({ directory: files.tusDir, configstore: this.infoFiles, expirationPeriodInMilliseconds: this.expiryMs });
    files.onUploadRemoved = (id) => this.forget(id);
    const headLocker: Locker = { newLock: () => new NoLock() };
    this.server = new Server({
      path: TUS_PATH,
      datastore: this.store,
      disableTerminationForFinishedUploads: true,
      respectForwardedHeaders: false,
      allowedHeaders: ['Authorization', 'X-Upsert', 'Upload-Expires', 'ApiKey', 'x-signature'],
      // HEAD only reads the offset; it must not wait behind (or cancel) a PATCH in flight.
      locker: (req) => (req.method === 'HEAD' ? headLocker : this.locker),
      namingFunction: (req, metadata) => this.nameUpload(req, metadata),
      generateUrl: (_req, { proto, host, path, id }) => `${proto}://${host}${path}/${Buffer.from(id, 'utf8').toString('base64url')}`,
      getFileIdFromRequest: (_req, lastPath) => {
        if (!lastPath) return undefined;
        const id = Buffer.from(lastPath, 'base64url').toString('utf8');
        return parseUploadId(id) ? id : undefined;
      },
      maxSize: (req, id) => this.maxSizeFor(req, id),
      onIncomingRequest: (req, id) => this.authorize(req, id),
      onUploadCreate: (req, upload) => this.createUpload(req, upload),
      onUploadFinish: (req, upload) => this.finishUpload(req, upload),
      onResponseError: (_req, err) => (err instanceof StorageError ? tusError(err.status, err.message) : undefined),
    });
    // After the response: POST re-reads the upload for its Upload-Expires header once the finish hook returns.
    this.server.on(EVENTS.POST_FINISH, (_req: unknown, _res: unknown, upload: Upload) => void this.dropStaging(upload.id));
    if (!options.webStreamBody) {
      // Upload bodies are piped straight into the upload file (see tus-direct-body.ts).
      interceptBodyWrites(this.server, (source, upload, maxBodySize, context, library) => this.writeDirect(source, upload, maxBodySize, context, library));
    }
  }

  async init(): Promise<void> {
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep().catch(() => undefined), 60 * 60 * 1000);
    this.sweepTimer.unref();
  }

  close(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /** Entry point for every request under TUS_PATH; `sqlRequest` is the storage dispatcher's (its path is below /storage/v1). */
  async handle(req: IncomingMessage, res: ServerResponse, auth: GatewayAuth, sqlRequest: SqlRequestInfo): Promise<void> {
    if (req.method !== 'OPTIONS') {
      const result = callerFromGateway(auth);
      if (!result.ok) {
        // The client is still sending the chunk: read it to its end (up to the chunk limit) before
        // answering and closing, or its next write meets a closed socket and it never sees the 403.
        if (req.method === 'PATCH' || req.method === 'POST') await drain(req, this.maxChunkSize);
        const body = result.error.message;
        res.writeHead(403, {
          'Tus-Resumable': '1.0.0',
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Length': Buffer.byteLength(body),
          ...(req.method === 'PATCH' || req.method === 'POST' ? { Connection: 'close' } : {}),
        });
        res.end(body);
        return;
      }
      this.contexts.set(req, {
        caller: result.caller,
        sqlRequest,
        upsert: headerValue(req.headers, 'x-upsert') === 'true',
      });
      if (req.method === 'HEAD' && (await this.answerFinished(res, result.caller, sqlRequest.path))) return;
      if (req.method === 'HEAD' || req.method === 'POST') res.setHeader(CHUNK_LIMIT_HEADER, String(this.maxChunkSize));
    }
    await this.server.handle(req, res);
  }

  /**
   * HEAD of an upload whose staging copy is gone because it finished: the object row of that version
   * answers, offset = length. Only for its owner (or the service role), as for uploads in progress.
   */
  private async answerFinished(res: ServerResponse, caller: StorageCaller, path: string): Promise<boolean> {
    const last = path.split('/').pop() ?? '';
    const id = Buffer.from(last, 'base64url').toString('utf8');
    const parsed = parseUploadId(id);
    if (!parsed || (await this.infoFiles.get(id).catch(() => undefined))) return false;
    const row = await this.db.findObjectAsAdmin(parsed.bucket, parsed.objectName);
    if (!row || row.version !== parsed.version) return false;
    if (caller.role !== 'service_role' && (!caller.sub || row.owner_id !== caller.sub)) return false;
    const size = String(row.metadata?.size ?? (await this.files.size(parsed.bucket, parsed.objectName, parsed.version)) ?? 0);
    res.writeHead(200, {
      'Tus-Resumable': '1.0.0',
      'Cache-Control': 'no-store',
      'Upload-Offset': size,
      'Upload-Length': size,
      [CHUNK_LIMIT_HEADER]: String(this.maxChunkSize),
    });
    res.end();
    return true;
  }

  /** Removes a finished upload's staging file and info (the object keeps the bytes through its own link). */
  private async dropStaging(id: string): Promise<void> {
    if (!this.committed.delete(id)) return;
    const parsed = parseUploadId(id);
    await rm(join(this.files.tusDir, id), { force: true }).catch(() => undefined);
    await this.infoFiles.delete(id).catch(() => undefined);
    this.forget(id);
    if (parsed) await this.files.pruneEmptyDirs(dirname(join(this.files.tusDir, id)), join(this.files.tusDir, parsed.bucket));
  }

  private context(req: TusRequest): RequestContext {
    const node = req.runtime?.node?.req as IncomingMessage | undefined;
    const ctx = node ? this.contexts.get(node) : undefined;
    if (!ctx) throw tusError(403, 'Invalid Compact JWS');
    return ctx;
  }

  /** POST: bucket, then MIME type (415), then the id. The size (413) and RLS follow in @tus/server's order. */
  private async nameUpload(req: TusRequest, metadata?: Record<string, string | null>): Promise<string> {
    const ctx = this.context(req);
    const bucketName = metadata?.bucketName ?? '';
    const objectName = metadata?.objectName ?? '';
    if (!bucketName || !objectName) throw tusError(400, 'Metadata header must include bucketName and objectName');
    try {
      assertValidKey(objectName);
      const bucket = await this.db.findBucket(bucketName);
      if (!bucket) throw storageErrors.bucketNotFound();
      assertMimeTypeAllowed(metadata?.contentType || 'application/octet-stream', bucket.allowed_mime_types);
      ctx.bucketLimit = maxFileSize(bucket);
    } catch (err) {
      throw asTusError(err);
    }
    return `${bucketName}/${objectName}/${randomUUID()}`;
  }

  private async maxSizeFor(req: TusRequest, id: string | null): Promise<number> {
    if (id === null) return GLOBAL_FILE_SIZE_LIMIT;
    const ctx = this.context(req);
    if (ctx.bucketLimit !== undefined) return ctx.bucketLimit;
    return (await this.uploadInfo(id))?.maxSize ?? GLOBAL_FILE_SIZE_LIMIT;
  }

  /** Every request: the creator only, the chunk within bounds, and on POST/PATCH the RLS rehearsal of the write. */
  private async authorize(req: TusRequest, id: string): Promise<void> {
    const ctx = this.context(req);
    const parsed = parseUploadId(id);
    if (!parsed) throw ERRORS.FILE_NOT_FOUND;
    const node = req.runtime?.node?.req as IncomingMessage | undefined;
    if (!this.options.webStreamBody && node && (req.method === 'PATCH' || req.method === 'POST')) {
      // Runs before @tus/server reads `body` (it reads it only to write the upload).
      useDirectBody(req, node);
    }
    const length = Number(req.headers.get('content-length') ?? 0);
    if (length > this.maxChunkSize) throw tusError(413, `Maximum chunk size of ${this.maxChunkSize} bytes exceeded`);
    if (req.method !== 'POST') {
      const info = await this.uploadInfo(id);
      if (!info) throw ERRORS.FILE_NOT_FOUND;
      // An upload made by a caller without a subject (the service role) has no owner: only the service role
      // may touch it, never another subject-less caller such as the anon key.
      if (ctx.caller.role !== 'service_role' && (info.owner === '' || info.owner !== ctx.caller.sub)) {
        throw tusError(403, 'This upload was created by another user');
      }
    }
    if (req.method === 'POST' || (req.method === 'PATCH' && !this.options.skipPatchRehearsal)) {
      const rehearsal = this.db
        .rehearseWrite(ctx.caller, ctx.sqlRequest, req.method === 'POST' ? 'storage.tus.upload.create' : 'storage.tus.upload.part', {
          bucket: parsed.bucket,
          name: parsed.objectName,
          version: parsed.version,
          userMetadata: null,
          upsert: ctx.upsert,
        })
        .catch((err: unknown) => {
          throw asTusError(err);
        });
      if (req.method === 'PATCH' && !this.options.webStreamBody) {
        // The verdict is awaited before the chunk counts (writeDirect); the round trips to the database overlap
        // the body's arrival instead of delaying it. Every other path waits for it here.
        rehearsal.catch(() => undefined);
        ctx.pendingRehearsal = rehearsal;
      } else {
        await rehearsal;
      }
    }
  }

  private async createUpload(req: TusRequest, upload: Upload): Promise<{ metadata: Record<string, string | null> }> {
    const ctx = this.context(req);
    const metadata: Record<string, string | null> = { ...(upload.metadata ?? {}) };
    metadata.cacheControl = cacheControlFromSeconds(metadata.cacheControl);
    metadata[OWNER_KEY] = ctx.caller.sub;
    setBounded(this.uploads, upload.id, { owner: ctx.caller.sub, maxSize: ctx.bucketLimit ?? GLOBAL_FILE_SIZE_LIMIT });
    return { metadata };
  }

  /**
   * The last byte is in: the upload file is hard-linked to the object's path (same inode, no copy), then the
   * row is written as Storage's admin; the staging link goes once the response is written (dropStaging).
   */
  private async finishUpload(req: TusRequest, upload: Upload): Promise<{ headers: Record<string, string> }> {
    const ctx = this.context(req);
    const parsed = parseUploadId(upload.id);
    if (!parsed) throw ERRORS.FILE_NOT_FOUND;
    const { bucket, objectName, version } = parsed;
    const source = join(this.files.tusDir, upload.id);
    const target = this.files.objectPath(bucket, objectName, version);
    await mkdir(dirname(target), { recursive: true });
    let linked = false;
    try {
      await link(source, target);
      linked = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const stats = await stat(target);
    const meta = upload.metadata ?? {};
    let userMetadata: Record<string, unknown> | null = null;
    if (meta.metadata) {
      try {
        userMetadata = JSON.parse(meta.metadata) as Record<string, unknown>;
      } catch {
        userMetadata = null;
      }
    }
    try {
      const committed = await this.db.commitWrite(ctx.caller, {
        bucket,
        name: objectName,
        version,
        metadata: objectMetadata(stats.mtimeMs, stats.size, meta.contentType || 'application/octet-stream', meta.cacheControl || 'no-cache'),
        userMetadata,
        upsert: ctx.upsert,
      });
      if (committed.replacedVersion) await this.files.remove(bucket, objectName, committed.replacedVersion);
      this.committed.add(upload.id);
    } catch (err) {
      if (linked) await unlink(target).catch(() => undefined);
      throw asTusError(err);
    }
    return { headers: { 'Tus-Complete': '1' } };
  }

  /**
   * Appends the request body to the upload file at the upload's offset: one pipe from the socket to the file.
   * Mirrors @tus/server's semantics: a cancelled request (lock wanted elsewhere) keeps what it received and
   * returns the new offset; a client that goes away keeps what arrived and the request fails as aborted.
   * Bodies without a Content-Length within the limit take the library's path (it enforces the limit as it reads).
   * A PATCH's RLS rehearsal runs meanwhile; if it refuses, the file is cut back to the upload's offset and the
   * refusal is the answer, so a refused chunk leaves no trace.
   */
  private writeDirect(
    source: IncomingMessage,
    upload: Upload,
    maxBodySize: number,
    context: CancellationContext,
    library: WriteToStore,
  ): Promise<number> {
    const pending = this.contexts.get(source)?.pendingRehearsal;
    const declared = Number(source.headers['content-length']);
    if (!(declared <= maxBodySize)) {
      return (pending ?? Promise.resolve()).then(() =>
        library(Readable.toWeb(source) as ReadableStream, upload, maxBodySize, context),
      );
    }
    if (context.signal.aborted) return Promise.reject(ERRORS.ABORTED);
    const path = join(this.files.tusDir, upload.id);
    const out = createWriteStream(path, {
      flags: 'r+',
      start: upload.offset,
      // The default 16 KiB makes every 64 KiB socket read pause the socket until the disk write returns.
      highWaterMark: WRITE_BUFFER,
    });
    const received = new Promise<number>((resolve, reject) => {
      let sourceFailed = false;
      let ending = false;
      const stop = () => {
        if (ending) return;
        ending = true;
        source.unpipe(out);
        out.end();
      };
      const onSourceGone = () => {
        if (source.complete) return;
        sourceFailed = true;
        stop();
      };
      const cleanup = () => {
        context.signal.removeEventListener('abort', stop);
        source.off('error', onSourceGone);
        source.off('close', onSourceGone);
      };
      context.signal.addEventListener('abort', stop, { once: true });
      source.on('error', onSourceGone);
      source.on('close', onSourceGone);
      out.once('finish', () => {
        cleanup();
        if (sourceFailed) reject(ERRORS.ABORTED);
        else resolve(upload.offset + out.bytesWritten);
      });
      out.once('error', () => {
        cleanup();
        source.unpipe(out);
        reject(ERRORS.FILE_WRITE_ERROR);
      });
      // A refusal stops receiving at once; the bytes already written are cut off below.
      pending?.catch(() => stop());
      source.pipe(out);
    });
    if (!pending) return received;
    return Promise.allSettled([received, pending]).then(async ([write, verdict]) => {
      if (verdict.status === 'rejected') {
        // The chunk never counted: the upload stays at the offset it had (the lock is still held).
        await truncate(path, upload.offset);
        throw verdict.reason;
      }
      if (write.status === 'rejected') throw write.reason;
      return write.value;
    });
  }

  private forget(id: string): void {
    this.uploads.delete(id);
    this.infoFiles.forget(id);
  }

  /** Owner and size limit of an upload: from memory, else from its stored info (after a restart). */
  private async uploadInfo(id: string): Promise<UploadInfo | null> {
    const cached = this.uploads.get(id);
    if (cached) return cached;
    let upload: Upload;
    try {
      upload = await this.store.getUpload(id);
    } catch {
      return null;
    }
    const parsed = parseUploadId(id);
    const bucket = parsed ? await this.db.findBucket(parsed.bucket) : null;
    const info = { owner: upload.metadata?.[OWNER_KEY] ?? '', maxSize: bucket ? maxFileSize(bucket) : GLOBAL_FILE_SIZE_LIMIT };
    setBounded(this.uploads, id, info);
    return info;
  }

  /**
   * Removes the staging files of uploads that are finished (their object row holds that version: left by a
   * backend that kept them) or abandoned (no byte written for ABANDONED_UPLOAD_MS, or past the URL lifetime):
   * the data file and the info file. Runs when the backend starts and every hour.
   */
  async sweep(now = Date.now()): Promise<number> {
    let entries: string[];
    try {
      entries = await readdir(this.files.tusDir, { recursive: true });
    } catch {
      return 0;
    }
    let removed = 0;
    for (const entry of entries) {
      if (!entry.endsWith('.json')) continue;
      const id = entry.slice(0, -'.json'.length);
      const infoPath = join(this.files.tusDir, entry);
      const dataPath = infoPath.slice(0, -'.json'.length);
      try {
        const info = JSON.parse(await readFile(infoPath, 'utf8')) as { creation_date?: string; size?: number };
        const created = info.creation_date ? Date.parse(info.creation_date) : 0;
        const data = await stat(dataPath).catch(() => null);
        const lastWrite = Math.max(data?.mtimeMs ?? 0, created);
        const parsed = parseUploadId(id);
        const finished =
          data !== null && info.size !== undefined && data.size === info.size && parsed !== null
            ? (await this.db.findObjectAsAdmin(parsed.bucket, parsed.objectName))?.version === parsed.version
            : false;
        if (!finished && now - lastWrite < ABANDONED_UPLOAD_MS && now - created < this.expiryMs) continue;
        if (this.locked(id)) continue;
        await rm(dataPath, { force: true });
        await rm(infoPath, { force: true });
        this.forget(id);
        if (parsed) await this.files.pruneEmptyDirs(dirname(dataPath), join(this.files.tusDir, parsed.bucket));
        removed++;
      } catch {
        // unreadable or concurrently removed: leave it for the next sweep
      }
    }
    return removed;
  }

  /** Whether a request holds the upload's object right now (it is being written). */
  private locked(id: string): boolean {
    return this.locker.isHeld(id);
  }
}

/**
 * Upload info files, read once and kept in memory: FileStore reads an upload's JSON on every HEAD and PATCH,
 * and it changes only when the upload is created (or its deferred length declared), always through here.
 */
class CachedConfigstore implements Configstore {
  private readonly cache = new Map<string, Upload>();

  constructor(private readonly files: Configstore) {}

  async get(key: string): Promise<Upload | undefined> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const value = await this.files.get(key);
    if (value) setBounded(this.cache, key, value);
    return value;
  }

  async set(key: string, value: Upload): Promise<void> {
    await this.files.set(key, value);
    setBounded(this.cache, key, value);
  }

  async delete(key: string): Promise<void> {
    this.cache.delete(key);
    await this.files.delete(key);
  }

  /** Drops a cached entry whose file was removed behind the store's back (object removal, sweep). */
  forget(key: string): void {
    this.cache.delete(key);
  }
}

/** Locks per object (bucket + name, any upload id): a second writer of the same object waits briefly, then gets 409. */
class ObjectLocker implements Locker {
  private readonly held = new Map<string, Array<() => void>>();

  constructor(private readonly waitMs: number) {}

  newLock(id: string): Lock {
    return new ObjectLock(ObjectLocker.key(id), this.held, this.waitMs);
  }

  isHeld(id: string): boolean {
    return this.held.has(ObjectLocker.key(id));
  }

  private static key(id: string): string {
    const parsed = parseUploadId(id);
    return parsed ? `${parsed.bucket}/${parsed.objectName}` : id;
  }
}

class ObjectLock implements Lock {
  private owned = false;

  constructor(
    private readonly key: string,
    private readonly held: Map<string, Array<() => void>>,
    private readonly waitMs: number,
  ) {}

  async lock(signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    while (this.held.has(this.key)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal.aborted) throw tusError(409, 'Resource already locked');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.held.get(this.key)?.push(done);
      });
    }
    this.held.set(this.key, []);
    this.owned = true;
  }

  async unlock(): Promise<void> {
    if (!this.owned) return;
    this.owned = false;
    const waiters = this.held.get(this.key) ?? [];
    this.held.delete(this.key);
    for (const wake of waiters) wake();
  }
}

class NoLock implements Lock {
  async lock(): Promise<void> {}
  async unlock(): Promise<void> {}
}

/** Reads and discards a request body, up to `limit` bytes; past that (or on error) it stops reading. */
function drain(req: IncomingMessage, limit: number): Promise<void> {
  if (req.complete) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      req.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit) {
        req.pause();
        done();
      }
    };
    req.on('data', onData);
    req.once('end', done);
    req.once('error', done);
    req.once('close', done);
  });
}

