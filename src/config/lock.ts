// An advisory lock file beside the file it guards: created with O_EXCL, so exactly one process
// holds it. A live holder is never broken: on this host its pid is checked (a lock left by a
// process that died is broken at once); a holder on another host (a shared home directory)
// touches the file while it holds it, and only a lock untouched for `staleMs` is broken.
// Guards the credential refresh (refresh tokens rotate, so two processes refreshing at once
// must not both use the old one) and the resume store's read-modify-write.
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { CliError, ExitCode } from '../base/errors.js';

export interface LockOptions {
  /** Give up waiting after this long (default 15 s). */
  timeoutMs?: number;
  /** A lock of another host's process, untouched this long, is abandoned (default 30 s; the holder touches it every third of that). */
  staleMs?: number;
  /** Poll period while waiting (default 50 ms, with jitter). */
  retryMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
  created: number;
}

/** Runs `fn` while holding `lockPath`; the lock is released even when `fn` throws. */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquireLock(lockPath, options);
  try {
    return await fn();
  } finally {
    await release();
  }
}

export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const staleMs = options.staleMs ?? 30_000;
  const retryMs = options.retryMs ?? 50;
  const owner: LockOwner = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex'), created: Date.now() };
  const text = JSON.stringify(owner);
  const deadline = Date.now() + timeoutMs;

  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
      const heartbeat = setInterval(() => {
        const now = new Date();
        void utimes(lockPath, now, now).catch(() => undefined);
      }, Math.max(1, Math.floor(staleMs / 3)));
      heartbeat.unref();
      return async () => {
        clearInterval(heartbeat);
        // Remove it only if it is still ours: a lock broken as stale may since belong to another process.
        const current = await readFile(lockPath, 'utf8').catch(() => null);
        if (current === text) await unlink(lockPath).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await breakIfStale(lockPath, staleMs)) continue;
    if (Date.now() >= deadline) {
      throw new CliError(`another session command holds ${lockPath}`, {
        code: 'locked',
        hint: 'wait for it to finish; if none is running, delete the lock file',
        exitCode: ExitCode.failure,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs + Math.floor(Math.random() * retryMs)));
  }
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  let seen: string;
  let info;
  try {
    [seen, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
  } catch {
    return true; // released meanwhile: try again at once
  }
  if (!isStale(seen, info.mtimeMs, staleMs)) return false;
  // Move it aside (atomic), then check we moved the lock we judged: between our read and the
  // rename another process may have broken it and taken a fresh one, which must be put back.
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return true;
  }
  const moved = await readFile(aside, 'utf8').catch(() => null);
  if (moved !== seen) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return true;
}

function isStale(content: string, mtimeMs: number, staleMs: number): boolean {
  let owner: Partial<LockOwner>;
  try {
    owner = JSON.parse(content) as Partial<LockOwner>;
  } catch {
    // Half-written by a process that died between create and write; young ones may still be filling in.
    return Date.now() - mtimeMs > 1_000;
  }
  // On this host the pid answers for the holder, however long it holds the lock.
  if (owner.host === hostname() && typeof owner.pid === 'number') return !processAlive(owner.pid);
  // Another host's holder touches the file every staleMs / 3 while it lives.
  return Date.now() - mtimeMs > staleMs;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
