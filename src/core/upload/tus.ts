import { open } from 'node:fs/promises';
import { CliError, ExitCode } from '../../base/errors.js';
import { HashingFileSource } from './file-source.js';
import { FileDigest } from './hash.js';
import type { ResumeStore } from './resume-store.js';
import { uploadFingerprint } from './resume-store.js';
import { TransportError, type TransportHooks, type TransportJob, type TransportResult, type UploadTransport } from './transport.js';
import { CHUNK_LIMIT_HEADER } from '../../base/constants.js';

/** Supabase Storage accepts tus chunks of exactly 6 MiB (the last one smaller). */
export const TUS_CHUNK_SIZE = 6 * 1024 * 1024;
export const LARGE_CHUNK_SIZE = 32 * 1024 * 1024;
/** Pauses between tus request retries, as Supabase's own examples use. */
export const TUS_RETRY_DELAYS = [0, 3000, 5000, 10_000, 20_000];

export interface TusTransportOptions {
  /** Project base URL, without a trailing slash. */
  projectUrl: string;
  /** The anon or publishable key (sent as `apikey`). */
  apiKey: string;
  /** A fresh user token for every request, so uploads outlive one token. */
  accessToken: () => Promise<string>;
  /** Where upload URLs survive the process. */
  store: ResumeStore;
  bucket?: string;
  chunkSize?: number;
  retryDelays?: number[];
  /** `cacheControl` metadata (seconds). */
  cacheControl?: string;
  /** Larger chunks when the server's CHUNK_LIMIT_HEADER allows them (default LARGE_CHUNK_SIZE; 0 keeps `chunkSize`). */
  largeChunkSize?: number;
  debug?: (line: string) => void;
}

interface HttpRequestLike {
  getMethod(): string;
  getURL(): string;
  setHeader(name: string, value: string): void;
}
interface HttpResponseLike {
  getStatus(): number;
  getHeader(name: string): string | undefined;
  getBody(): string;
}
interface DetailedErrorLike extends Error {
  originalRequest?: HttpRequestLike | null;
  originalResponse?: HttpResponseLike | null;
}

/**
 * Sends a file to `<url>/storage/v1/upload/resumable` with tus-js-client: 6 MiB chunks
 * (larger only where the server says it takes them), `x-upsert`, the object path of the
 * video row, the token refreshed before every request, and the upload URL kept in the
 * resume store so a later run resumes from the server's offset (HEAD) instead of byte 0.
 * The bytes are read once: the same reads feed the requests and, with `job.hash`, the
 * file's sha256 (a resumed upload re-reads only the part the server has, for the hash).
 */
export class TusTransport implements UploadTransport {
  private readonly opts: Required<Omit<TusTransportOptions, 'debug'>> & Pick<TusTransportOptions, 'debug'>;

  constructor(opts: TusTransportOptions) {
    this.opts = { bucket: 'videos', chunkSize: TUS_CHUNK_SIZE, retryDelays: TUS_RETRY_DELAYS, cacheControl: '3600', largeChunkSize: LARGE_CHUNK_SIZE, ...opts };
  }

  get endpoint(): string {
    return `${this.opts.projectUrl.replace(/\/+$/, '')}/storage/v1/upload/resumable`;
  }

  fingerprint(job: TransportJob): string {
    return uploadFingerprint({ projectUrl: this.opts.projectUrl, videoId: job.videoId, absPath: job.absPath, size: job.size, mtimeMs: job.mtimeMs });
  }

  async forget(job: TransportJob): Promise<void> {
    await this.opts.store.removeFingerprint(this.fingerprint(job));
  }

  async send(job: TransportJob, hooks: TransportHooks): Promise<TransportResult> {
    if (hooks.signal.aborted) throw new TransportError('interrupted', { aborted: true });
    // CommonJS: bundled, the classes sit on the default export.
    const tus = (await import('tus-js-client')) as typeof import('tus-js-client') & { default?: typeof import('tus-js-client') };
    const Upload = tus.Upload ?? tus.default!.Upload;
    const file = await open(job.absPath, 'r');
    const source = new HashingFileSource(file, job.size, job.hash ? new FileDigest(job.size) : null, hooks.signal);
    try {
      const sent = await this.sendWith(Upload, job, hooks, source);
      if (!job.hash) return sent;
      const digest = await source.finish();
      // The hash must describe the file as it was sent: a file changed meanwhile is not finished.
      const now = await file.stat();
      if (now.size !== job.size || Math.trunc(now.mtimeMs) !== Math.trunc(job.mtimeMs)) {
        throw new CliError(`${job.absPath}: the file changed while it was being sent`, {
          code: 'file_changed',
          hint: 'run the same command again to upload the file as it is now',
          exitCode: ExitCode.conflict,
        });
      }
      return { ...sent, digest };
    } finally {
      source.release();
      await file.close().catch(() => undefined);
    }
  }

  private sendWith(Upload: typeof import('tus-js-client').Upload, job: TransportJob, hooks: TransportHooks, source: HashingFileSource): Promise<TransportResult> {
    const fingerprint = this.fingerprint(job);
    const delays = this.opts.retryDelays;
    let resumedFrom: number | null = null;
    let acked = 0;
    let retries = 0;
    const started = (offset: number): void => {
      if (resumedFrom !== null) return;
      resumedFrom = offset;
      acked = offset;
      hooks.onStart(offset);
    };

    return new Promise<TransportResult>((resolveSend, rejectSend) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        hooks.signal.removeEventListener('abort', onAbort);
        fn();
      };
      const upload = new Upload(job as unknown as Buffer, {
        endpoint: this.endpoint,
        chunkSize: this.opts.chunkSize,
        retryDelays: delays,
        uploadDataDuringCreation: true,
        storeFingerprintForResuming: true,
        // Removed by the queue once `finish_video` succeeds, so a crash in between still resumes.
        removeFingerprintOnSuccess: false,
        urlStorage: this.opts.store,
        fingerprint: async () => fingerprint,
        fileReader: source.reader() as unknown as import('tus-js-client').UploadOptions['fileReader'],
        headers: { apikey: this.opts.apiKey, 'x-upsert': 'true' },
        metadata: {
          bucketName: this.opts.bucket,
          objectName: job.objectName,
          contentType: job.contentType,
          cacheControl: this.opts.cacheControl,
        },
        onBeforeRequest: async (req) => {
          req.setHeader('Authorization', `Bearer ${await this.opts.accessToken()}`);
          if (req.getMethod() === 'POST') started(0);
        },
        onAfterResponse: (req, res) => {
          this.opts.debug?.(`${req.getMethod()} ${req.getURL()} → ${res.getStatus()} offset ${res.getHeader('Upload-Offset') ?? '-'}`);
          const ok = res.getStatus() >= 200 && res.getStatus() < 300;
          if (req.getMethod() === 'HEAD' && ok) {
            const offset = Number.parseInt(res.getHeader('Upload-Offset') ?? '', 10);
            if (Number.isFinite(offset)) started(offset);
          }
          // A server that takes larger chunks (the local backend) gets them after the first.
          const limit = Number.parseInt(res.getHeader(CHUNK_LIMIT_HEADER) ?? '', 10);
          const larger = Math.min(limit, this.opts.largeChunkSize);
          if (ok && Number.isFinite(larger) && larger > (upload.options.chunkSize ?? 0)) upload.options.chunkSize = larger;
        },
        onProgress: (bytesSent) => hooks.onProgress(bytesSent, job.size),
        onChunkComplete: (_chunk, bytesAccepted) => {
          acked = bytesAccepted;
        },
        onShouldRetry: (err, attempt) => {
          if (hooks.signal.aborted) return false;
          const status = err.originalResponse?.getStatus() ?? 0;
          const retry = status === 0 || status >= 500 || status === 409 || status === 423;
          if (retry) {
            retries += 1;
            hooks.onRetry(retries, delays.length, delays[attempt] ?? 0, describeTusError(err));
          }
          return retry;
        },
        onSuccess: () => {
          const from = resumedFrom ?? 0;
          settle(() => resolveSend({ bytesSent: Math.max(0, job.size - from), resumedFrom: from }));
        },
        onError: (err) => {
          const detailed = err as DetailedErrorLike;
          const status = detailed.originalResponse?.getStatus() ?? null;
          settle(() =>
            rejectSend(new TransportError(describeTusError(detailed), { status, bytesSent: Math.max(0, acked - (resumedFrom ?? 0)), cause: err })),
          );
        },
      });
      const onAbort = (): void => {
        // Keep the stored URL: the next run resumes from what the server acknowledged.
        void upload.abort(false);
        settle(() =>
          rejectSend(new TransportError('interrupted', { aborted: true, bytesSent: Math.max(0, acked - (resumedFrom ?? 0)) })),
        );
      };
      hooks.signal.addEventListener('abort', onAbort, { once: true });

      upload
        .findPreviousUploads()
        .then((previous) => {
          if (settled) return;
          const latest = previous.sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime))[0];
          if (latest) upload.resumeFromPreviousUpload(latest);
          upload.start();
        })
        .catch((err: unknown) => settle(() => rejectSend(new TransportError(`cannot read resume state: ${(err as Error).message}`, { cause: err }))));
    });
  }
}

/** One line out of tus-js-client's long error text: the status and the server's message. */
export function describeTusError(err: DetailedErrorLike): string {
  const res = err.originalResponse;
  if (res) {
    const status = res.getStatus();
    const body = (res.getBody() ?? '').toString().trim().split('\n')[0]?.slice(0, 200) ?? '';
    const what =
      status === 403 || status === 401
        ? 'storage refused the upload'
        : status === 413
          ? 'storage refused the upload: too large'
          : status === 415
            ? 'storage refused the upload: type not allowed'
            : 'storage answered';
    return `${what} (HTTP ${status}${body ? `: ${body}` : ''})`;
  }
  const cause = (err as { causingError?: Error | null }).causingError;
  const reason = cause?.message ?? err.message;
  return `upload failed: ${reason.replace(/^tus: /, '').split(', originated from')[0]}`;
}
