import { createReadStream } from 'node:fs';
import type { ResumeStore } from './resume-store.js';
import { uploadFingerprint } from './resume-store.js';
import { TransportError, type TransportHooks, type TransportJob, type TransportResult, type UploadTransport } from './transport.js';

/** Supabase Storage accepts tus chunks of exactly 6 MiB (the last one smaller). */
export const TUS_CHUNK_SIZE = 6 * 1024 * 1024;
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
 * Sends a file to `<url>/storage/v1/upload/resumable` with tus-js-client: 6 MiB chunks,
 * `x-upsert`, the object path of the video row, the token refreshed before every
 * request, and the upload URL kept in the resume store so a later run resumes from the
 * server's offset (HEAD) instead of byte 0.
 */
export class TusTransport implements UploadTransport {
  private readonly opts: Required<Omit<TusTransportOptions, 'debug'>> & Pick<TusTransportOptions, 'debug'>;

  constructor(opts: TusTransportOptions) {
    this.opts = { bucket: 'videos', chunkSize: TUS_CHUNK_SIZE, retryDelays: TUS_RETRY_DELAYS, cacheControl: '3600', ...opts };
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
    const fingerprint = this.fingerprint(job);
    const source = createReadStream(job.absPath);
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

    return await new Promise<TransportResult>((resolveSend, rejectSend) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        hooks.signal.removeEventListener('abort', onAbort);
        source.destroy();
        fn();
      };
      const upload = new Upload(source as unknown as Buffer, {
        endpoint: this.endpoint,
        chunkSize: this.opts.chunkSize,
        retryDelays: delays,
        uploadDataDuringCreation: true,
        storeFingerprintForResuming: true,
        // Removed by the queue once `finish_video` succeeds, so a crash in between still resumes.
        removeFingerprintOnSuccess: false,
        urlStorage: this.opts.store,
        fingerprint: async () => fingerprint,
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
          if (req.getMethod() === 'HEAD' && res.getStatus() >= 200 && res.getStatus() < 300) {
            const offset = Number.parseInt(res.getHeader('Upload-Offset') ?? '', 10);
            if (Number.isFinite(offset)) started(offset);
          }
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
