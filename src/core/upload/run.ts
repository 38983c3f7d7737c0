import type { Api } from '../api.js';
import type { UploadLimits } from './checks.js';
import type { MediaReads } from '../media.js';
import type { HashCache } from './hash-cache.js';
import type { StoredVideo, UploadBackend, UploadEvent, UploadInput, UploadReport } from './queue.js';

/** Upload URLs older than this are dead on the server anyway (Supabase keeps them up to a day). */
const RESUME_MAX_AGE_MS = 2 * 24 * 3600 * 1000;

export interface RunUploadsOptions {
  concurrency: number;
  /** The state directory: resume URLs live there (`uploads.json`). */
  stateDir: string;
  /** Remembered hashes; the caller loads it and saves it afterwards (also on a hard exit). */
  hashCache: HashCache;
  /** Aborting stops new work and the sends in flight; what the server has stays resumable. */
  signal: AbortSignal;
  /** Every file event, for a progress display. */
  onEvent?: (event: UploadEvent) => void;
  /** Limits already fetched (saves the queue's one `upload_limits()` call). */
  limits?: UploadLimits | null;
  /** Defaults to the database functions over `api`. */
  backend?: UploadBackend;
  /** Lines for `--debug` (tus requests). */
  debug?: (line: string) => void;
  /**
   * Stored objects the database no longer lists but Storage still holds (an import's deleted
   * rows, before their files are purged): same bytes found there are copied, not sent.
   */
  alsoStored?: StoredVideo[];
  /** The run's container reads (an import's), so no file's container is read twice. */
  mediaReads?: MediaReads;
}

/**
 * Uploads files as the signed-in user: the tus transport with the on-disk resume store and the
 * queue over the database functions. No terminal here: progress goes to `onEvent`, stopping
 * comes through `signal`; the command decides how to draw and when to stop. Returns the
 * queue's report; the caller decides the exit code (`exitCodeFor`).
 */
export async function runUploads(api: Api, inputs: UploadInput[], opts: RunUploadsOptions): Promise<UploadReport> {
  const [{ UploadQueue }, { TusTransport }, { ResumeStore }, { uploadBackend }] = await Promise.all([
    import('./queue.js'),
    import('./tus.js'),
    import('./resume-store.js'),
    import('../videos.js'),
  ]);
  const store = ResumeStore.inDir(opts.stateDir);
  await store.prune(RESUME_MAX_AGE_MS).catch(() => 0);
  const base = opts.backend ?? uploadBackend(api);
  const limits = opts.limits;
  let backend: UploadBackend = limits ? { ...base, limits: async () => limits } : base;
  const extra = opts.alsoStored ?? [];
  if (extra.length > 0) {
    const listed = backend.storedLike?.bind(backend);
    backend = {
      ...backend,
      storedLike: async (sizes) => {
        const wanted = new Set(sizes);
        return [...((await listed?.(sizes)) ?? []), ...extra.filter((v) => wanted.has(Number(v.file_size)))];
      },
    };
  }
  const transportOptions: ConstructorParameters<typeof TusTransport>[0] = {
    projectUrl: api.config.url,
    apiKey: api.config.anonKey,
    accessToken: () => api.identity.accessToken(),
    store,
  };
  if (opts.debug) transportOptions.debug = opts.debug;
  const queueOptions: ConstructorParameters<typeof UploadQueue>[0] = {
    backend,
    transport: new TusTransport(transportOptions),
    concurrency: opts.concurrency,
    signal: opts.signal,
    hashCache: opts.hashCache,
  };
  if (opts.onEvent) queueOptions.onEvent = opts.onEvent;
  if (opts.mediaReads) queueOptions.mediaReads = opts.mediaReads;
  return new UploadQueue(queueOptions).run(inputs);
}
