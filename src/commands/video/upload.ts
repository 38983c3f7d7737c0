import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { checkRef } from '../../core/refs.js';
import { resolveRef } from '../../core/content.js';
import { CliError, ExitCode, interruptedError, usageError } from '../../core/errors.js';
import { exitCodeFor, type UploadReport } from '../../core/upload/queue.js';
import { DEFAULT_CONCURRENCY } from '../../core/constants.js';
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

  const { runUploads } = await import('../../core/upload/run.js');
  const report = await runUploads(ctx, api, opts.files.map((path) => ({ moduleId: module.id, path })), { concurrency });

  const view = uploadReportView(report.files);
  return { view, report, error: reportError(report, opts) };
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
