import type { Command } from 'commander';
import { action, examples, parseConcurrency, parsePosition } from '../runner.js';
import { usageError } from '../../base/errors.js';
import type { MoveFlags } from '../moves.js';
import { DEFAULT_CONCURRENCY, DEFAULT_EXPIRES } from '../../base/constants.js';

/** Storage signs for up to a year; longer is almost surely a mistake. */
const MAX_EXPIRES = 365 * 24 * 3600;

/** `session video upload|ls|move|rm|url`. */
export function registerVideoCommands(program: Command): void {
  const video = program.command('video').helpGroup('content').description('Upload, list, reorder, delete and share the videos of a module');

  video
    .command('upload')
    .description('Upload video files into a module: checked first, resumable, several at once')
    .argument('<module>', 'module id or id prefix (4+ characters)')
    .argument('[file...]', 'video files (mp4, mov, webm, mkv, m4v, avi)')
    .option('-c, --concurrency <n>', `files uploaded at once (default: concurrency in .sessionrc, else ${DEFAULT_CONCURRENCY})`, parseConcurrency)
    .addHelpText(
      'after',
      `
Each file is checked before any byte is sent (exists, size, type by extension and
by content). A file already uploaded to the module with the same bytes is reported
"unchanged" and not sent again; one stored elsewhere in your account is "copied" on
the server. Each file is read once: its sha256 is computed as it is sent.
Interrupted uploads (Ctrl-C, a lost connection, a killed process) resume where they
stopped when the same command runs again.
Exit 6 when some files failed or were refused (the report says which), 130 on Ctrl-C.
${examples(['session video upload 9c1e intro.mp4 setup.mov', 'session video upload 9c1e lectures/*.mp4 --concurrency 4', 'session video upload 9c1e big.mkv --json | jq ".files[] | select(.status == \\"failed\\")"'])}`,
    )
    // Both required: the module comes first and the files after it, so a missing module cannot be told
    // from a first file name, and a module picked from a list would still have no files.
    .action(
      action(async (ctx, module: string, files: string[], opts: { concurrency?: number }) => {
        if (files.length === 0) throw usageError('no files given', 'pass one or more video files after the module', 'missing_argument');
        return (await import('./upload.js')).run({ module, files, concurrency: opts.concurrency }, ctx);
      }),
    );

  video
    .command('ls')
    .alias('list')
    .description("List a module's videos in order: position, id, file name, size, length, resolution, status")
    .argument('[module]', 'module id or id prefix (4+ characters)')
    .addHelpText('after', examples(['session video ls 9c1e', 'session video ls 9c1e --json | jq -r ".[] | select(.status == \\"uploading\\") | .file_name"']))
    .action(action(async (ctx, module: string | undefined) => (await import('./ls.js')).run({ module }, ctx)));

  video
    .command('move')
    .alias('mv')
    .description('Move a video within its module, in one atomic step')
    .argument('[video]', 'video id or id prefix (4+ characters; picked from a list on a terminal)')
    .option('--to <position>', 'to this position (1 is first; asked on a terminal)', (v) => parsePosition(v, '--to'))
    .option('--before <video>', 'just before this video of the same module')
    .option('--after <video>', 'just after this video of the same module')
    .option('--first', 'to the first position')
    .option('--last', 'to the last position')
    .addHelpText('after', examples(['session video move 7d3a --to 1', 'session video move 7d3a --after 0b9e', 'session video move 7d3a --last --json']))
    .action(
      action(async (ctx, videoRef: string | undefined, opts: MoveFlags) =>
        (await import('./move.js')).run({ ...opts, video: videoRef }, ctx),
      ),
    );

  video
    .command('rm')
    .alias('delete')
    .description('Delete a video and its file; the videos after it move up')
    .argument('[video]', 'video id or id prefix (4+ characters)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples(['session video rm 7d3a', 'session video rm 7d3a0c2e --yes']))
    .action(action(async (ctx, videoRef: string | undefined, opts: { yes?: boolean }) => (await import('./rm.js')).run({ video: videoRef, yes: opts.yes }, ctx)));

  video
    .command('url')
    .description('Print a signed URL that downloads the video without signing in')
    .argument('[video]', 'video id or id prefix (4+ characters)')
    .option('--expires <duration>', `how long the URL works: 30s, 10m, 1h, 2d or seconds, up to 365d (default: ${formatExpires(DEFAULT_EXPIRES)})`, parseExpires)
    .addHelpText('after', examples(['session video url 7d3a', 'curl -o clip.mp4 "$(session video url 7d3a --expires 10m)"']))
    .action(action(async (ctx, videoRef: string | undefined, opts: { expires?: number }) => (await import('./url.js')).run({ video: videoRef, expires: opts.expires }, ctx)));
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `--expires`: `30s`, `10m`, `1h`, `2d`, or a whole number of seconds; up to a year. */
export function parseExpires(value: string): number {
  const match = /^(\d+)\s*([smhd]?)$/i.exec(value.trim());
  const n = match ? Number(match[1]) * UNIT_SECONDS[(match[2] || 's').toLowerCase()]! : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_EXPIRES) {
    throw usageError(`--expires must be a duration from 1s to 365d (30s, 10m, 1h, 2d or seconds), got "${value}"`, 'use --expires 1h for an hour', 'invalid_expires');
  }
  return n;
}

/** 3600 → "1h": the largest unit that divides it. */
export function formatExpires(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) if (seconds % UNIT_SECONDS[unit]! === 0) return `${seconds / UNIT_SECONDS[unit]!}${unit}`;
  return `${seconds}s`;
}
