import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex sha256 of a file, streamed in 1 MiB reads; rejects with an AbortError when `signal` fires. */
export async function sha256File(path: string, opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024, signal: opts.signal });
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    opts.onBytes?.((chunk as Buffer).length);
  }
  return hash.digest('hex');
}
