import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { message, none } from '../../ui/printer.js';
import { assertCanConfirm, confirmOrYes } from '../../ui/prompt.js';
import { videoArg } from '../pickers.js';
import { purgeDeletedObjects, resolveRef } from '../../core/content.js';
import { removeVideo } from '../../core/videos.js';
import { shortId } from '../../base/format.js';

export async function run(opts: { video?: string | undefined; yes?: boolean | undefined }, ctx: Context): Promise<View> {
  assertCanConfirm(ctx.io, opts.yes);
  const ref = await videoArg(ctx, opts.video);
  const api = await ctx.api();
  const video = await resolveRef(api, 'video', ref, { verify: !opts.yes });
  const label = video.name ? `"${video.name}" (${shortId(video.id)})` : shortId(video.id);
  if (!opts.yes && !(await confirmOrYes(ctx.io, { message: `Delete video ${label} and its file?`, yes: false }))) {
    ctx.io.info('Nothing deleted.');
    return none();
  }
  await removeVideo(api, video.id);
  const purge = await purgeDeletedObjects(api);
  if (purge.error) ctx.io.warn(`the video is deleted, but its file is not (${purge.error}); run \`session gc\` to remove it`);
  const json = { id: video.id, deleted: true, objects_removed: purge.removed, storage_error: purge.error };
  return ctx.io.stdoutIsTTY ? message(`Deleted video ${label}`, json, { check: true }) : none(json);
}
