// Waits for a state of another process that a test can observe from outside: the moment it has
// one of the given files open (Linux: its /proc/<pid>/fd links). A signal sent then lands while
// the process works on that file, whatever the machine's load.
import { readdir, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves with the path of the first of `files` that process `pid` holds open; rejects if it exits first. */
export async function waitUntilOpen(pid: number, files: readonly string[], timeoutMs = 60_000): Promise<string> {
  const wanted = new Set(files);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      throw new Error(`process ${pid} ended before it opened any of ${files.length} files`);
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => null);
      if (target !== null && wanted.has(target)) return target;
    }
    await sleep(1);
  }
  throw new Error(`process ${pid} opened none of ${files.length} files within ${timeoutMs} ms`);
}
