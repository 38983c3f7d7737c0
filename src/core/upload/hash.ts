import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** The probe covers the first and the last MiB of a file. */
export const PROBE_BYTES = 1024 * 1024;

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

/** Where the probe's two ranges lie in a file of `size` bytes: [0, headEnd) and [tailStart, size). */
export function probeRanges(size: number): { headEnd: number; tailStart: number } {
  const headEnd = Math.min(size, PROBE_BYTES);
  return { headEnd, tailStart: Math.max(headEnd, size - PROBE_BYTES) };
}

/**
 * sha256 of the first MiB followed by the last MiB (the whole file up to 2 MiB): with the size, a
 * cheap test of "likely the same bytes" (two reads of at most 1 MiB).
 */
export async function probeFile(path: string, size: number): Promise<string> {
  const { headEnd, tailStart } = probeRanges(size);
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    for (const [start, end] of [[0, headEnd], [tailStart, size]] as const) {
      if (end <= start) continue;
      const buf = Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await file.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) throw new Error(`${path} is shorter than ${size} bytes`);
        done += bytesRead;
      }
      hash.update(buf);
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/**
 * The sha256 and probe of a file, fed with its bytes as they are read for sending. Bytes arrive by
 * position; each byte is hashed once, in order: a range that overlaps what was hashed (a resent
 * chunk) only adds its new part, and a range that starts past it (a resumed upload) needs the gap
 * first (`missing`). So a first upload reads the file once, and a resumed one re-reads only the
 * part the server already has.
 */
export class FileDigest {
  private readonly full: Hash = createHash('sha256');
  private readonly probe: Hash = createHash('sha256');
  private readonly headEnd: number;
  private readonly tailStart: number;
  /** Bytes [0, hashedTo) are in the hash. */
  hashedTo = 0;
  /** Bytes read from disk for the hash, counted once each. */
  bytesHashed = 0;

  constructor(readonly size: number) {
    ({ headEnd: this.headEnd, tailStart: this.tailStart } = probeRanges(size));
  }

  /** The range that must be hashed before bytes at `position` can be: empty when none. */
  missing(position: number): { start: number; end: number } {
    return { start: this.hashedTo, end: Math.max(this.hashedTo, Math.min(position, this.size)) };
  }

  /** Adds `bytes` read at `position`; returns false (nothing added) when there is a gap before them. */
  add(bytes: Buffer, position: number): boolean {
    const end = position + bytes.length;
    if (position > this.hashedTo) return false;
    if (end <= this.hashedTo) return true;
    const fresh = position === this.hashedTo ? bytes : bytes.subarray(this.hashedTo - position);
    const start = this.hashedTo;
    this.full.update(fresh);
    // The probe takes the head and tail ranges, in order, from the same bytes.
    if (start < this.headEnd) this.probe.update(fresh.subarray(0, Math.min(fresh.length, this.headEnd - start)));
    if (end > this.tailStart) this.probe.update(fresh.subarray(Math.max(0, this.tailStart - start)));
    this.hashedTo = end;
    this.bytesHashed += fresh.length;
    return true;
  }

  get complete(): boolean {
    return this.hashedTo >= this.size;
  }

  /** Both digests; only once every byte is in. */
  digest(): { sha256: string; probe: string } {
    if (!this.complete) throw new Error(`hashed ${this.hashedTo} of ${this.size} bytes`);
    return { sha256: this.full.digest('hex'), probe: this.probe.digest('hex') };
  }
}

/** Reads [start, end) of an open file into the digest, 1 MiB at a time. */
export async function hashRange(
  file: { read(buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> },
  digest: FileDigest,
  start: number,
  end: number,
  signal?: AbortSignal,
): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(1, end - start)));
  for (let pos = start; pos < end; ) {
    if (signal?.aborted) throw Object.assign(new Error('interrupted'), { name: 'AbortError' });
    const { bytesRead } = await file.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (bytesRead === 0) throw new Error(`the file ended at ${pos} bytes, before ${end}`);
    digest.add(buf.subarray(0, bytesRead), pos);
    pos += bytesRead;
  }
}
