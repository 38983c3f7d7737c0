import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { isUuid } from '../../core/refs.js';
import { moduleArg } from '../pickers.js';
import { resolveRef } from '../../core/content.js';
import { listVideos } from '../../core/videos.js';
import { videoTable } from './views.js';

export async function run(opts: { module?: string | undefined }, ctx: Context): Promise<View> {
  const ref = await moduleArg(ctx, opts.module);
  const api = await ctx.api();
  const module = await resolveRef(api, 'module', ref);
  const videos = await listVideos(api, module.id);
  // No rows for a full id: an empty module, or one that is not yours (exit 4). Ask once to tell which.
  if (videos.length === 0 && isUuid(ref)) await resolveRef(api, 'module', ref, { verify: true });
  return videoTable(videos);
}
