import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { checkRef } from '../../core/refs.js';
import { checkPosition, checkPositive } from '../../core/positions.js';
import { resolveRef } from '../../core/content.js';
import { CliError, ExitCode, usageError } from '../../core/errors.js';
import { getVideo, listVideos, moveVideo } from '../../core/videos.js';
import { videoTable } from './views.js';

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
