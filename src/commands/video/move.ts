import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { videoArg } from '../pickers.js';
import { askPosition, movedView, moveSpecOrAsk, type MoveFlags } from '../moves.js';
import { checkRef } from '../../core/refs.js';
import { anchorOf } from '../../core/positions.js';
import { resolveRef } from '../../core/content.js';
import { moveItem } from '../../core/moves.js';
import { getVideo, listVideos } from '../../core/videos.js';

export interface VideoMoveOptions extends MoveFlags {
  video?: string | undefined;
}

/**
 * One request with full ids; id prefixes (the video's and the anchor's) are resolved first, in one
 * request. On a terminal a missing video is picked and a missing target asked; elsewhere exit 2.
 */
export async function run(opts: VideoMoveOptions, ctx: Context): Promise<View> {
  let spec = moveSpecOrAsk(opts, ctx);
  let ref = await videoArg(ctx, opts.video);
  const api = await ctx.api();
  if (spec === null) {
    // Asked on a terminal: the position among the videos of its module.
    const video = await resolveRef(api, 'video', ref);
    ref = video.id;
    const videos = await listVideos(api, (await getVideo(api, video.id)).module_id);
    spec = { to: await askPosition(ctx, videos, video.id, (v) => v.file_name) };
  }
  const anchor = anchorOf(spec);
  if (anchor) checkRef('video', anchor.ref);

  const moved = await moveItem(api, 'video', ref, spec);
  return movedView(moved.file_name, { id: moved.id, file_name: moved.file_name, key: moved.key ?? null, module_id: moved.module_id }, moved);
}
