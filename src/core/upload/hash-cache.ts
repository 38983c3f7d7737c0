import { mkdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../../base/atomic-file.js';

/**
 * sha256 of local files remembered between runs (`<stateDir>/hashes.json`), so a re-import
 * of an unchanged course or a repeated or resumed upload stats its files instead of reading
 * gigabytes again. An entry is trusted only while the file's size, mtime, ctime and inode
 * are all the same (as git's index does); a file changed within two seconds of being hashed
 * is remembered for this run only, since a later change in the same clock tick would keep
 * every one of those. One read when loaded, one atomic write when saved: a lost or damaged
 * file only costs a re-hash.
 */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

interface Entry {
  sha256: string;
  /** When it was last used (ms since the epoch), to drop stale entries. */
  at: number;
}

const FILE_NAME = 'hashes.json';
const MAX_ENTRIES = 50_000;
const MAX_AGE_MS = 90 * 24 * 3600 * 1000;
const RACY_MS = 2000;

export class HashCache {
  private dirty = false;
  /** Keys hashed too close to their file's last change: answered in this run, never saved. */
  private readonly racy = new Set<string>();

  private constructor(
    readonly path: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  static async load(path: string): Promise<HashCache> {
    const entries = new Map<string, Entry>();
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { version?: number; entries?: Record<string, Entry> };
      if (parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object') {
        for (const [key, entry] of Object.entries(parsed.entries)) {
          if (typeof entry?.sha256 === 'string' && typeof entry.at === 'number') entries.set(key, entry);
        }
      }
    } catch {
      // Missing or damaged: start empty.
    }
    return new HashCache(path, entries);
  }

  /** The cache kept in a state directory (`session`'s is `$XDG_STATE_HOME/session`). */
  static loadFromDir(dir: string): Promise<HashCache> {
    return HashCache.load(join(dir, FILE_NAME));
  }

  static key(absPath: string, id: FileIdentity): string {
    return `${absPath}|${id.size}|${id.mtimeMs}|${id.ctimeMs}|${id.ino}`;
  }

  get(absPath: string, id: FileIdentity, now = Date.now()): string | null {
    const entry = this.entries.get(HashCache.key(absPath, id));
    if (!entry) return null;
    entry.at = now;
    this.dirty = true;
    return entry.sha256;
  }

  set(absPath: string, id: FileIdentity, sha256: string, now = Date.now()): void {
    const key = HashCache.key(absPath, id);
    if (now - Math.max(id.mtimeMs, id.ctimeMs) < RACY_MS) this.racy.add(key);
    else this.racy.delete(key);
    this.entries.set(key, { sha256, at: now });
    this.dirty = true;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Writes the cache (temp file and rename), keeping the most recently used entries. */
  async save(now = Date.now()): Promise<void> {
    if (!this.dirty) return;
    const text = this.serialise(now);
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, text);
    this.dirty = false;
  }

  /** `save` for a process about to exit (a second Ctrl-C), where no promise would settle. */
  saveSync(now = Date.now()): void {
    if (!this.dirty) return;
    const text = this.serialise(now);
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(this.path, text);
    this.dirty = false;
  }

  private serialise(now: number): string {
    const kept = [...this.entries]
      .filter(([key, e]) => !this.racy.has(key) && now - e.at <= MAX_AGE_MS)
      .sort((a, b) => b[1].at - a[1].at)
      .slice(0, MAX_ENTRIES);
    return JSON.stringify({ version: 1, entries: Object.fromEntries(kept) });
  }
}
