import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { action, examples, parsePosition } from '../runner.js';
import { checkRef } from '../../core/refs.js';
import { checkPosition, checkPositive } from '../../core/positions.js';
import { resolveRef } from '../../core/content.js';
import { CliError, ExitCode, usageError } from '../../core/errors.js';
import { getVideo, listVideos, moveVideo } from '../../core/videos.js';
import { videoTable } from './views.js';

export function define(parent: Command): Command {
  return parent
    .command('move')
    .alias('mv')
    .description('Move a video within its module, in one atomic step')
    .argument('<video>', 'video id or id prefix (4+ characters)')
    .requiredOption('--to <position>', 'to this position (1 is first)', (v) => parsePosition(v, '--to'))
    .addHelpText('after', examples(['session video move 7d3a --to 1', 'session video move 7d3a --to 3 --json']))
    .action(action((ctx, video: string, opts: { to: number }) => run({ video, to: opts.to }, ctx)));
}

export async function run(opts: { video: string; to: number | undefined }, ctx: Context): Promise<View> {
  if (opts.to === undefined) throw usageError('missing --to', 'pass --to P, where 1 is the first position', 'missing_argument');
  checkPositive(opts.to, '--to');
  const ref = checkRef('video', opts.video);
  const api = await ctx.api();
  const video = await resolveRef(api, 'video', ref);
  try {
    return videoTable(await moveVideo(api, video.id, opts.to - 1));
  } catch (err) {
    // The database refuses a position past the end; read the module once to name the valid range.
    if (err instanceof CliError && err.exitCode === ExitCode.usage) {
      const row = await getVideo(api, video.id);
      checkPosition(opts.to, (await listVideos(api, row.module_id)).length, 'move', '--to');
    }
    throw err;
  }
}
