// Object bytes on disk under the backend's data directory, one file per object version:
//   <root>/objects/<bucket>/<name>/<version>   stored objects (a new version per write, like Storage's file backend)
//   <root>/tmp/<uuid>                           bodies being received; renamed into place once complete
//   <root>/tus/...                              resumable uploads in progress (@tus/file-store)
// Writes are atomic for readers: a file appears under its final name only by rename(2) on the same file system.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { chmod, mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { storageErrors } from './errors.js';

export class ObjectFileStore {
  readonly objectsDir: string;
  readonly tmpDir: string;
  readonly tusDir: string;
  /** Told when a removal also dropped a resumable upload (its id), so caches of upload info can forget it. */
  onUploadRemoved: ((uploadId: string) => void) | null = null;

  constructor(readonly root: string) {
    this.objectsDir = join(root, 'objects');
    this.tmpDir = join(root, 'tmp');
    this.tusDir = join(root, 'tus');
  }

  async init(): Promise<void> {
    // Private videos: only the backend's own user may list or read them (as root the data directory
    // above stays searchable for PostgreSQL's OS user, so this folder must close itself).
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await chmod(this.root, 0o700);
    await Promise.all([this.objectsDir, this.tmpDir, this.tusDir].map((dir) => mkdir(dir, { recursive: true })));
    // Bodies cut off by a crash are never referenced by a row: clear them.
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  /** The file of one object version. Keys are validated (limits.ts), so the join cannot leave the bucket. */
  objectPath(bucket: string, name: string, version: string): string {
    const path = join(this.objectsDir, bucket, name, version);
    const rel = relative(this.objectsDir, path);
    if (rel.startsWith('..') || rel.split(sep).includes('..')) throw storageErrors.invalidKey(name);
    return path;
  }

  /**
   * Streams `body` into a temporary file, refusing (413) as soon as it passes `maxBytes`.
   * Returns the temporary path and the byte count; the caller renames it into place or discards it.
   */
  async receive(body: Readable, maxBytes: number): Promise<{ tempPath: string; size: number }> {
    const tempPath = join(this.tmpDir, randomUUID());
    let size = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) callback(storageErrors.entityTooLarge());
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(body, limiter, createWriteStream(tempPath, { flags: 'wx', highWaterMark: 1024 * 1024 }));
    } catch (err) {
      await rm(tempPath, { force: true });
      throw err;
    }
    return { tempPath, size };
  }

  /** Moves a received (or completed resumable) file to its object path. */
  async place(sourcePath: string, bucket: string, name: string, version: string): Promise<string> {
    const target = this.objectPath(bucket, name, version);
    await mkdir(dirname(target), { recursive: true });
    await rename(sourcePath, target);
    return target;
  }

  async discard(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async remove(bucket: string, name: string, version: string | null): Promise<void> {
    if (!version) return;
    const path = this.objectPath(bucket, name, version);
    await rm(path, { force: true });
    await this.pruneEmptyDirs(dirname(path), join(this.objectsDir, bucket));
    // A resumable upload's staging file of this version may still be there (before the sweep): drop it too.
    const upload = join(this.tusDir, bucket, name, version);
    await Promise.all([rm(upload, { force: true }), rm(`${upload}.json`, { force: true })]);
    this.onUploadRemoved?.(`${bucket}/${name}/${version}`);
    await this.pruneEmptyDirs(dirname(upload), join(this.tusDir, bucket));
  }

  async size(bucket: string, name: string, version: string): Promise<number | null> {
    try {
      return (await stat(this.objectPath(bucket, name, version))).size;
    } catch {
      return null;
    }
  }

  read(bucket: string, name: string, version: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.objectPath(bucket, name, version), range ? { start: range.start, end: range.end } : {});
  }

  /** Removes now-empty directories from `dir` up to (not including) `stop`. */
  async pruneEmptyDirs(dir: string, stop: string): Promise<void> {
    let current = dir;
    while (current.startsWith(stop) && current !== stop) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty (or already gone): stop climbing
      }
      current = dirname(current);
    }
  }
}
