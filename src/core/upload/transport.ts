/** What a transport needs to send one file's bytes to the object path of its video row. */
export interface TransportJob {
  videoId: string;
  absPath: string;
  size: number;
  mtimeMs: number;
  /** Object path in the bucket: the row's `file_url`. */
  objectName: string;
  contentType: string;
  /** Hash the bytes as they are read for sending (the sha256 is not known yet). */
  hash?: boolean;
}

export interface TransportHooks {
  signal: AbortSignal;
  /** The server's offset when sending begins: 0 for a new upload, more when resuming. */
  onStart(resumedFrom: number): void;
  /** Offset acknowledged or in flight, of `total`. */
  onProgress(offset: number, total: number): void;
  onRetry(attempt: number, maxAttempts: number, delayMs: number, reason: string): void;
}

export interface TransportResult {
  /** Bytes sent by this run (the size minus the offset it resumed from). */
  bytesSent: number;
  resumedFrom: number;
  /** With `job.hash`: the file's sha256 and probe, from the same reads that sent it (and a resumed prefix). */
  digest?: { sha256: string; probe: string };
}

/**
 * Sends a file's bytes. The queue does not care how: tests pass an in-memory
 * transport; the CLI passes the tus transport.
 */
export interface UploadTransport {
  send(job: TransportJob, hooks: TransportHooks): Promise<TransportResult>;
  /** Forgets resume state once the video is finished. */
  forget(job: TransportJob): Promise<void>;
}

/** A failed send. `bytesSent` counts what reached the server before the failure. */
export class TransportError extends Error {
  readonly status: number | null;
  readonly bytesSent: number;
  readonly aborted: boolean;

  constructor(message: string, opts: { status?: number | null; bytesSent?: number; aborted?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TransportError';
    this.status = opts.status ?? null;
    this.bytesSent = opts.bytesSent ?? 0;
    this.aborted = opts.aborted ?? false;
  }
}
