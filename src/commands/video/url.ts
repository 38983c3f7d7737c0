import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { message } from '../../ui/printer.js';
import { videoArg } from '../pickers.js';
import { resolveRef } from '../../core/content.js';
import { getVideo, signedVideoUrl } from '../../core/videos.js';
import { DEFAULT_EXPIRES } from '../../base/constants.js';

export async function run(opts: { video?: string | undefined; expires?: number | undefined }, ctx: Context): Promise<View> {
  const ref = await videoArg(ctx, opts.video);
  const expires = opts.expires ?? DEFAULT_EXPIRES;
  const api = await ctx.api();
  const video = await getVideo(api, (await resolveRef(api, 'video', ref)).id);
  if (video.status !== 'ready') ctx.io.warn(`${video.file_name} is still uploading; the URL serves what has arrived so far, if anything`);
  const url = await signedVideoUrl(api, video.file_url, expires);
  const expiresAt = new Date(Date.now() + expires * 1000).toISOString();
  return message(url, { id: video.id, file_name: video.file_name, url, expires_in: expires, expires_at: expiresAt });
}
