import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { videoArg } from '../pickers.js';
import { askSelect } from '../../ui/prompt.js';
import { checkPosition, checkPositive } from '../../core/positions.js';
import { resolveRef } from '../../core/content.js';
import { CliError, ExitCode, usageError } from '../../core/errors.js';
import { getVideo, listVideos, moveVideo } from '../../core/videos.js';
import { videoTable } from './views.js';
import { shortId } from '../../ui/format.js';

export async function run(opts: { video?: string | undefined; to: number | undefined }, ctx: Context): Promise<View> {
  if (opts.to === undefined && !ctx.io.canPrompt) throw usageError('missing --to', 'pass --to P, where 1 is the first position', 'missing_argument');
  if (opts.to !== undefined) checkPositive(opts.to, '--to');
  const ref = await videoArg(ctx, opts.video);
  const api = await ctx.api();
  const video = await resolveRef(api, 'video', ref);
  const to = opts.to ?? (await askVideoPosition(ctx, video.id));
  try {
    return videoTable(await moveVideo(api, video.id, to - 1), undefined, `Moved video ${shortId(video.id)} to position ${to}`);
  } catch (err) {
    // The database refuses a position past the end; read the module once to name the valid range.
    if (err instanceof CliError && err.exitCode === ExitCode.usage) {
      const row = await getVideo(api, video.id);
      checkPosition(to, (await listVideos(api, row.module_id)).length, 'move', '--to');
    }
    throw err;
  }
}

/** `--to` asked on a terminal: each position, named by the video it would go before or after. */
async function askVideoPosition(ctx: Context, videoId: string): Promise<number> {
  const api = await ctx.api();
  const videos = await listVideos(api, (await getVideo(api, videoId)).module_id);
  const current = videos.findIndex((v) => v.id === videoId);
  return askSelect(ctx.io, {
    message: 'Move to position',
    flag: '--to',
    default: current + 1,
    choices: videos.map((v, i) => ({
      name: `${i + 1}  ${i === current ? '(where it is now)' : i < current ? `before "${v.file_name}"` : `after "${v.file_name}"`}`,
      value: i + 1,
    })),
  });
}
