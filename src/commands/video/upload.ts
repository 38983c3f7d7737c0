import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import { render, type View } from '../../ui/printer.js';
import { contextFor, examples } from '../runner.js';
import { checkRef } from '../../core/refs.js';
import { resolveRef } from '../../core/content.js';
import { CliError, ExitCode, usageError } from '../../core/errors.js';
import { DEFAULT_CONCURRENCY, exitCodeFor, type UploadReport } from '../../core/upload/queue.js';
import { uploadReportView } from './views.js';

const MAX_CONCURRENCY = 16;

export interface UploadOptions {
  module: string;
  files: string[];
  concurrency?: number | undefined;
}

export function define(parent: Command): Command {
  return parent
    .command('upload')
    .description('Upload video files into a module: checked first, resumable, several at once')
    .argument('<module>', 'module id or id prefix (4+ characters)')
    .argument('<file...>', 'video files (mp4, mov, webm, mkv, m4v, avi)')
    .option('-c, --concurrency <n>', `files uploaded at once (default ${DEFAULT_CONCURRENCY})`, parseConcurrency)
    .addHelpText(
      'after',
      `
Each file is checked before any byte is sent (exists, size, type by extension and
by content). A file already uploaded to the module with the same bytes is reported
"unchanged" and not sent again. Interrupted uploads (Ctrl-C, a lost connection, a
killed process) resume where they stopped when the same command runs again.
Exit 6 when some files failed or were refused (the report says which), 130 on Ctrl-C.
${examples(['session video upload 9c1e intro.mp4 setup.mov', 'session video upload 9c1e lectures/*.mp4 --concurrency 4', 'session video upload 9c1e big.mkv --json | jq ".files[] | select(.status == \\"failed\\")"'])}`,
    )
    .action(async (module: string, files: string[], opts: { concurrency?: number }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const { view, error } = await run({ module, files, concurrency: opts.concurrency }, ctx);
      await render(ctx.io, view);
      if (error) throw error;
    });
}

export function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || String(n) !== value.trim() || n < 1 || n > MAX_CONCURRENCY) {
    throw usageError(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got "${value}"`, 'use --concurrency 3', 'invalid_concurrency');
  }
  return n;
}

/**
 * Uploads the files and returns the per-file report; `error` is set (exit 6, 130, or the
 * one shared cause) when not every file ended uploaded or unchanged.
 */
export async function run(opts: UploadOptions, ctx: Context): Promise<{ view: View; report: UploadReport; error: CliError | null }> {
  const ref = checkRef('module', opts.module);
  if (opts.files.length === 0) throw usageError('no files given', 'pass one or more video files after the module', 'missing_argument');
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const api = await ctx.api();
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
    return new CliError(`interrupted; ${left} file${left === 1 ? '' : 's'} not finished`, {
      code: 'interrupted',
      hint: `run the same command again to resume where it stopped: ${again}`,
      exitCode: ExitCode.interrupted,
    });
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
    hint: failed ? `fix what the report says, then run the same command again (finished files are skipped): ${again}` : 'fix or leave out the refused files; the others are uploaded',
    exitCode: ExitCode.partial,
  });
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
