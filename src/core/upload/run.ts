import type { Api } from '../api.js';
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import type { UploadLimits } from './checks.js';
import type { HashCache } from './hash-cache.js';
import type { UploadBackend, UploadInput, UploadReport } from './queue.js';

/** Upload URLs older than this are dead on the server anyway (Supabase keeps them up to a day). */
const RESUME_MAX_AGE_MS = 2 * 24 * 3600 * 1000;

export interface RunUploadsOptions {
  concurrency: number;
  /** Limits already fetched (saves the queue's one `upload_limits()` call). */
  limits?: UploadLimits | null;
  /** Defaults to the database functions over `api`. */
  backend?: UploadBackend;
  /** The hash cache the caller already loaded (import hashed every file to plan); else loaded from the state directory. Saved at the end either way. */
  hashCache?: HashCache;
}

/**
 * Everything a command needs to upload files as the signed-in user: the tus transport with
 * the on-disk resume store, the hash cache, progress on stderr, and Ctrl-C handling (the
 * first aborts cleanly and keeps resume state; a second saves the hash cache and exits 130).
 * Returns the queue's report; the caller decides the exit code (`exitCodeFor`).
 */
export async function runUploads(ctx: Context, api: Api, inputs: UploadInput[], opts: RunUploadsOptions): Promise<UploadReport> {
  const [{ UploadQueue }, { TusTransport }, { ResumeStore }, { HashCache }, { stateDir }, { uploadBackend }, { createUploadProgress }] = await Promise.all([
    import('./queue.js'),
    import('./tus.js'),
    import('./resume-store.js'),
    import('./hash-cache.js'),
    import('../../config/paths.js'),
    import('../videos.js'),
    import('../../ui/progress.js'),
  ]);
  const dir = stateDir(ctx.io.env);
  const store = ResumeStore.inDir(dir);
  const [hashCache] = await Promise.all([opts.hashCache ?? HashCache.loadFromDir(dir), store.prune(RESUME_MAX_AGE_MS).catch(() => 0)]);
  const base = opts.backend ?? uploadBackend(api);
  const limits = opts.limits;
  const backend: UploadBackend = limits ? { ...base, limits: async () => limits } : base;
  const transport = new TusTransport({
    projectUrl: api.config.url,
    apiKey: api.config.anonKey,
    accessToken: () => api.identity.accessToken(),
    store,
    debug: (line) => ctx.io.debug(`tus ${line}`),
  });
  const progress = await createUploadProgress(ctx.io, { concurrency: opts.concurrency });
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    signals += 1;
    // A second Ctrl-C means now: the stored upload URLs already make the next run resume.
    if (signals > 1) {
      try {
        hashCache.saveSync();
      } catch {
        // Written by rename or not at all: the next run re-hashes at worst.
      }
      process.exit(ExitCode.interrupted);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const queue = new UploadQueue({
      backend,
      transport,
      concurrency: opts.concurrency,
      signal: controller.signal,
      hashCache,
      onEvent: (event) => progress.onEvent(event),
    });
    return await queue.run(inputs);
  } finally {
    await progress.stop();
    await hashCache.save().catch((err: unknown) => ctx.io.debug(`could not save the hash cache: ${(err as Error).message}`));
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
