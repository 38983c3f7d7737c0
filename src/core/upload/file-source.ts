import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { FileDigest, hashRange } from './hash.js';

/** Bytes per read from the file: each becomes one write to the socket. */
const READ_SIZE = 1024 * 1024;

/** A chunk body tus-js-client can send: a stream with the Content-Length it must declare. */
type ChunkBody = Readable & { size: number };

/**
 * tus-js-client's file source (its `fileReader` option) over an open file: each chunk is read from
 * disk in 1 MiB pieces that go to the socket as they are and into the file's sha256 on the way (a
 * resent chunk adds nothing twice; a resumed upload first hashes the part the server has). The file
 * stays open for the transport, which closes it: tus-js-client "closes" the source before the last
 * bytes may have been hashed.
 */
export class HashingFileSource {
  /** Bytes read from disk to be sent (a resent chunk counts again). */
  bytesRead = 0;
  private closed = false;

  /** Without a digest the bytes are only sent (the sha256 is known already). */
  constructor(
    private readonly file: FileHandle,
    readonly size: number,
    readonly digest: FileDigest | null,
    private readonly signal?: AbortSignal,
  ) {}

  /** tus-js-client's `fileReader`: hands out this source whatever the input. */
  reader(): { openFile(): Promise<HashingFileSource> } {
    return { openFile: async () => this };
  }

  async slice(start: number, end: number): Promise<{ value: ChunkBody; done: boolean }> {
    const stop = Math.min(end, this.size);
    // Resuming at `start`: the bytes before it must be in the hash first (read, not sent).
    const gap = this.digest?.missing(start);
    if (this.digest && gap && gap.end > gap.start) await hashRange(this.file, this.digest, gap.start, gap.end, this.signal);
    let position = start;
    const body = new Readable({
      highWaterMark: READ_SIZE,
      read: () => {
        if (position >= stop) {
          body.push(null);
          return;
        }
        if (this.closed) {
          // Stopped (Ctrl-C, abort): end the body without an error event nobody would handle.
          body.destroy();
          return;
        }
        const length = Math.min(READ_SIZE, stop - position);
        const at = position;
        position += length;
        let reading: Promise<{ buffer: Buffer; bytesRead: number }>;
        try {
          reading = this.file.read(Buffer.allocUnsafe(length), 0, length, at);
        } catch (err) {
          body.destroy(err as Error);
          return;
        }
        reading.then(
          ({ buffer, bytesRead }) => {
            if (bytesRead < length) {
              body.destroy(new Error(`the file ended at ${at + bytesRead} bytes, before ${stop}`));
              return;
            }
            this.bytesRead += bytesRead;
            this.digest?.add(buffer, at);
            body.push(buffer);
          },
          (err: unknown) => body.destroy(err as Error),
        );
      },
    }) as ChunkBody;
    body.size = stop - start;
    return { value: body, done: stop >= this.size };
  }

  /** Hashes whatever was not read for sending (the server had it all already), then answers the digests. */
  async finish(): Promise<{ sha256: string; probe: string }> {
    if (!this.digest) throw new Error('this source hashes nothing');
    if (!this.digest.complete) await hashRange(this.file, this.digest, this.digest.hashedTo, this.size, this.signal);
    return this.digest.digest();
  }

  close(): void {
    // The transport closes the file once the digest is complete (`release`).
  }

  /** The transport is done with the file: chunk streams still being read end instead of reading it. */
  release(): void {
    this.closed = true;
  }
}
