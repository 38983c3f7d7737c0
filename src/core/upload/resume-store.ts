import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { withFileLock } from '../../config/lock.js';
import { writeFileAtomic } from '../../base/atomic-file.js';

/** A tus upload remembered across runs (the shape tus-js-client's URL storage keeps). */
export interface StoredUpload {
  size: number | null;
  metadata: Record<string, string>;
  creationTime: string;
  uploadUrl: string | null;
  parallelUploadUrls: string[] | null;
  urlStorageKey: string;
}

interface StoreFile {
  version: 1;
  uploads: Record<string, Omit<StoredUpload, 'urlStorageKey'>>;
}

/** The fingerprint of one file's upload: same file (path, size, mtime), same project, same video row. */
export function uploadFingerprint(parts: { projectUrl: string; videoId: string; absPath: string; size: number; mtimeMs: number }): string {
  return ['v1', parts.projectUrl, parts.videoId, parts.absPath, parts.size, Math.trunc(parts.mtimeMs)].join('|');
}

const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 10_000;

/**
 * Resumable upload URLs on disk (`<stateDir>/uploads.json`), so a run killed with
 * Ctrl-C or kill -9 resumes from the server's offset. Implements tus-js-client's
 * `UrlStorage`. Writes are atomic (temp file + rename) under a lock file, so parallel
 * uploads in one process and several processes never lose each other's entries.
 */
export class ResumeStore {
  readonly path: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  static inDir(dir: string): ResumeStore {
    return new ResumeStore(join(dir, 'uploads.json'));
  }

  async findAllUploads(): Promise<StoredUpload[]> {
    return this.entries('');
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<StoredUpload[]> {
    return this.entries(`tus::${fingerprint}::`);
  }

  async addUpload(fingerprint: string, upload: Omit<StoredUpload, 'urlStorageKey'> | StoredUpload): Promise<string> {
    const key = `tus::${fingerprint}::${randomBytes(6).toString('hex')}`;
    const { urlStorageKey: _ignored, ...rest } = upload as StoredUpload;
    await this.update((data) => {
      // One live upload per fingerprint: a new one replaces what an older run left.
      for (const k of Object.keys(data.uploads)) if (k.startsWith(`tus::${fingerprint}::`)) delete data.uploads[k];
      data.uploads[key] = rest;
    });
    return key;
  }

  async removeUpload(urlStorageKey: string): Promise<void> {
    await this.update((data) => {
      delete data.uploads[urlStorageKey];
    });
  }

  /** Forgets every upload of this fingerprint (after the video is finished). */
  async removeFingerprint(fingerprint: string): Promise<void> {
    await this.update((data) => {
      for (const k of Object.keys(data.uploads)) if (k.startsWith(`tus::${fingerprint}::`)) delete data.uploads[k];
    });
  }

  /** Drops entries older than `maxAgeMs` (the server forgets upload URLs after a day at most). */
  async prune(maxAgeMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    await this.update((data) => {
      for (const [k, v] of Object.entries(data.uploads)) {
        const created = Date.parse(v.creationTime);
        if (!Number.isNaN(created) && now - created > maxAgeMs) {
          delete data.uploads[k];
          removed += 1;
        }
      }
    });
    return removed;
  }

  private async entries(prefix: string): Promise<StoredUpload[]> {
    const data = await this.read();
    return Object.entries(data.uploads)
      .filter(([k]) => k.startsWith(prefix || 'tus::'))
      .map(([k, v]) => ({ ...v, urlStorageKey: k }));
  }

  private async read(): Promise<StoreFile> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as Partial<StoreFile>;
      if (parsed && typeof parsed === 'object' && parsed.uploads && typeof parsed.uploads === 'object') {
        return { version: 1, uploads: parsed.uploads };
      }
    } catch {
      // Missing or damaged: start empty (a lost entry only costs a fresh upload).
    }
    return { version: 1, uploads: {} };
  }

  private update(change: (data: StoreFile) => void): Promise<void> {
    const run = this.chain.then(async () => {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      await withFileLock(
        `${this.path}.lock`,
        async () => {
          const data = await this.read();
          change(data);
          await writeFileAtomic(this.path, `${JSON.stringify(data, null, 2)}\n`);
        },
        { staleMs: LOCK_STALE_MS, timeoutMs: LOCK_WAIT_MS, retryMs: 15 },
      );
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
