// Whole-file writes that never leave a half-written file behind: a temp file in the same directory
// (so the rename is atomic), created exclusively with the final mode, synced, then renamed over the
// target. Used for the credentials, the resume store, the hash cache, exported manifests and the
// completion answers.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `text` to `file` atomically; `mode` applies to a new file (default 0600). The directory must exist. */
export async function writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  const temp = tempPathFor(file);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** `writeFileAtomic` for a process about to exit, where no promise would settle. */
export function writeFileAtomicSync(file: string, text: string, mode = 0o600): void {
  const temp = tempPathFor(file);
  const fd = openSync(temp, 'wx', mode);
  let closed = false;
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    renameSync(temp, file);
  } catch (err) {
    if (!closed) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw err;
  }
}
