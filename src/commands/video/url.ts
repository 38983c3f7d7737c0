import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { message } from '../../ui/printer.js';
import { action, examples } from '../runner.js';
import { checkRef } from '../../core/refs.js';
import { resolveRef } from '../../core/content.js';
import { usageError } from '../../core/errors.js';
import { getVideo, signedVideoUrl } from '../../core/videos.js';

export const DEFAULT_EXPIRES = 3600;
/** Storage signs for up to a year; longer is almost surely a mistake. */
const MAX_EXPIRES = 365 * 24 * 3600;

export function define(parent: Command): Command {
  return parent
    .command('url')
    .description('Print a signed URL that downloads the video without signing in')
    .argument('<video>', 'video id or id prefix (4+ characters)')
    .option('--expires <seconds>', `how long the URL works (default ${DEFAULT_EXPIRES})`, parseExpires)
    .addHelpText('after', examples(['session video url 7d3a', 'curl -o clip.mp4 "$(session video url 7d3a --expires 600)"']))
    .action(action((ctx, video: string, opts: { expires?: number }) => run({ video, expires: opts.expires }, ctx)));
}

export function parseExpires(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || String(n) !== value.trim() || n < 1 || n > MAX_EXPIRES) {
    throw usageError(`--expires must be a whole number of seconds from 1 to ${MAX_EXPIRES}, got "${value}"`, 'use --expires 3600 for an hour', 'invalid_expires');
  }
  return n;
}

export async function run(opts: { video: string; expires?: number | undefined }, ctx: Context): Promise<View> {
  const ref = checkRef('video', opts.video);
  const expires = opts.expires ?? DEFAULT_EXPIRES;
  const api = await ctx.api();
  const video = await getVideo(api, (await resolveRef(api, 'video', ref)).id);
  if (video.status !== 'ready') ctx.io.warn(`${video.file_name} is still uploading; the URL serves what has arrived so far, if anything`);
  const url = await signedVideoUrl(api, video.file_url, expires);
  const expiresAt = new Date(Date.now() + expires * 1000).toISOString();
  return message(url, { id: video.id, file_name: video.file_name, url, expires_in: expires, expires_at: expiresAt });
}
