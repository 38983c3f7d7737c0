import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { checkRef } from '../../core/refs.js';
import { resolveRef } from '../../core/content.js';
import { CliError, ExitCode, interruptedError, usageError } from '../../base/errors.js';
import { exitCodeFor, type StoredVideo, type UploadInput, type UploadReport } from '../../core/upload/queue.js';
import type { Api } from '../../core/api.js';
import type { UploadLimits } from '../../core/upload/checks.js';
import type { HashCache } from '../../core/upload/hash-cache.js';
import type { MediaReads } from '../../core/media.js';
import { DEFAULT_CONCURRENCY } from '../../base/constants.js';
import { uploadReportView } from './views.js';

export interface UploadOptions {
  module: string;
  files: string[];
  concurrency?: number | undefined;
}

/**
 * Uploads the files and returns the per-file report; `error` is set (exit 6, 130, or the
 * one shared cause) when not every file ended uploaded or unchanged.
 */
export async function run(opts: UploadOptions, ctx: Context): Promise<{ view: View; report: UploadReport; error: CliError | null }> {
  const ref = checkRef('module', opts.module);
  if (opts.files.length === 0) throw usageError('no files given', 'pass one or more video files after the module', 'missing_argument');
  const api = await ctx.api();
  const concurrency = opts.concurrency ?? api.config.concurrency ?? DEFAULT_CONCURRENCY;
  // Fail fast (exit 4) on a module that is not yours, before hashing gigabytes.
  const module = await resolveRef(api, 'module', ref, { verify: true });

  const report = await uploadInTerminal(ctx, api, opts.files.map((path) => ({ moduleId: module.id, path })), { concurrency });

  const view = uploadReportView(report.files);
  return { view, report, error: reportError(report, opts) };
}

export interface TerminalUploadOptions {
  concurrency: number;
  /** Limits already fetched (saves one request). */
  limits?: UploadLimits | null;
  /** The hash cache the caller already loaded (import hashed every file to plan); else loaded here. Saved at the end either way. */
  hashCache?: HashCache;
  /** Objects still in Storage whose rows are gone (an import's deletions): same bytes are copied from them. */
  alsoStored?: StoredVideo[];
  /** The caller's Ctrl-C (import has its own handler for every phase): no handler is installed here then. */
  signal?: AbortSignal;
  /** Containers the caller read already (import read them to plan and check): not read again. */
  mediaReads?: MediaReads;
}

/**
 * Runs uploads for a command at a terminal: progress on stderr, Ctrl-C / SIGTERM handling
 * (the first stops cleanly and keeps what the server has resumable; a second saves the hash
 * cache and exits 130 at once), the hash cache loaded and saved. `import` uses it too.
 */
export async function uploadInTerminal(ctx: Context, api: Api, inputs: UploadInput[], opts: TerminalUploadOptions): Promise<UploadReport> {
  const [{ runUploads }, { HashCache }, { stateDir }, { createUploadProgress }] = await Promise.all([
    import('../../core/upload/run.js'),
    import('../../core/upload/hash-cache.js'),
    import('../../config/paths.js'),
    import('../../ui/progress.js'),
  ]);
  const dir = stateDir(ctx.io.env);
  const hashCache = opts.hashCache ?? (await HashCache.loadFromDir(dir));
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
  const own = opts.signal === undefined;
  if (own) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    return await runUploads(api, inputs, {
      concurrency: opts.concurrency,
      stateDir: dir,
      hashCache,
      signal: opts.signal ?? controller.signal,
      onEvent: (event) => progress.onEvent(event),
      limits: opts.limits ?? null,
      debug: (line) => ctx.io.debug(`tus ${line}`),
      ...(opts.alsoStored ? { alsoStored: opts.alsoStored } : {}),
      ...(opts.mediaReads ? { mediaReads: opts.mediaReads } : {}),
    });
  } finally {
    await progress.stop();
    await hashCache.save().catch((err: unknown) => ctx.io.debug(`could not save the hash cache: ${(err as Error).message}`));
    if (own) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

function reportError(report: UploadReport, opts: UploadOptions): CliError | null {
  const code = exitCodeFor(report);
  if (code === ExitCode.ok) return null;
  const again = `session video upload ${opts.module} ${opts.files.map(shellQuote).join(' ')}`;
  const bad = report.files.filter((f) => f.status === 'failed' || f.status === 'refused');
  if (code === ExitCode.interrupted) {
    const left = report.files.filter((f) => f.status === 'failed').length;
    return interruptedError(`interrupted; ${left} file${left === 1 ? '' : 's'} not finished`, `run the same command again to resume where it stopped: ${again}`);
  }
  if (code !== ExitCode.partial) {
    const first = bad[0]!;
    return new CliError(first.error ?? 'upload failed', { code: code === ExitCode.notFound ? 'not_found' : 'not_signed_in', hint: code === ExitCode.notFound ? 'check the module id with `session module ls <session>`' : 'run `session login`', exitCode: code });
  }
  const refused = bad.filter((f) => f.status === 'refused').length;
  const failed = bad.length - refused;
  const parts = [failed ? `${failed} failed` : '', refused ? `${refused} refused` : ''].filter(Boolean).join(', ');
  return new CliError(`${parts} of ${report.files.length} file${report.files.length === 1 ? '' : 's'}`, {
    code: 'partial_failure',
    hint: failed
      ? `fix what the report says, then run the same command again (finished files are skipped): ${again}`
      : refused === report.files.length
        ? 'nothing was uploaded: fix the files the report names, then run again'
        : 'fix or leave out the refused files; the others are done',
    exitCode: ExitCode.partial,
  });
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
