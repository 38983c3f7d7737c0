import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { message } from '../../ui/printer.js';
import { askSelect } from '../../ui/prompt.js';
import { videoArg } from '../pickers.js';
import { checkRef, isUuid, pickCandidate } from '../../core/refs.js';
import { checkPositive, moveSpecFrom, moveTargetFrom, positionErrorFrom, type MoveSpec } from '../../core/positions.js';
import { resolveRef, resolveRefs } from '../../core/content.js';
import { getVideo, listVideos, moveVideoTo, type MovedVideo } from '../../core/videos.js';

export interface VideoMoveOptions {
  video?: string | undefined;
  to?: number | undefined;
  before?: string | undefined;
  after?: string | undefined;
  first?: boolean | undefined;
  last?: boolean | undefined;
}

/**
 * One request with full ids; id prefixes (the video's and the anchor's) are resolved first, in one
 * request. On a terminal a missing video is picked and a missing target asked; elsewhere exit 2.
 */
export async function run(opts: VideoMoveOptions, ctx: Context): Promise<View> {
  const noTarget = opts.to === undefined && opts.before === undefined && opts.after === undefined && !opts.first && !opts.last;
  let spec: MoveSpec | null = noTarget && ctx.io.canPrompt ? null : moveSpecFrom(opts);
  if (spec && 'to' in spec) checkPositive(spec.to, '--to');
  let ref = await videoArg(ctx, opts.video);
  const api = await ctx.api();
  if (spec === null) {
    const video = await resolveRef(api, 'video', ref);
    ref = video.id;
    spec = { to: await askVideoPosition(ctx, video.id) };
  }
  const anchorRef = 'before' in spec ? checkRef('video', spec.before) : 'after' in spec ? checkRef('video', spec.after) : undefined;

  let videoId = ref.toLowerCase();
  let anchorId = anchorRef?.toLowerCase();
  if (!isUuid(ref) || (anchorRef !== undefined && !isUuid(anchorRef))) {
    const found = await resolveRefs(api, 'video', anchorRef === undefined ? [ref] : [ref, anchorRef]);
    videoId = pickCandidate('video', ref, found.refs[0] ?? []).id;
    if (anchorRef !== undefined) anchorId = pickCandidate('video', anchorRef, found.refs[1] ?? []).id;
  }
  try {
    return movedView(await moveVideoTo(api, videoId, moveTargetFrom(spec, anchorId)));
  } catch (err) {
    throw ('to' in spec ? positionErrorFrom(err, '--to', spec.to) : null) ?? err;
  }
}

/** The target asked on a terminal: each position, named by the video it would go before or after. */
async function askVideoPosition(ctx: Context, videoId: string): Promise<number> {
  const api = await ctx.api();
  const videos = await listVideos(api, (await getVideo(api, videoId)).module_id);
  const current = videos.findIndex((v) => v.id === videoId);
  return askSelect(ctx.io, {
    message: 'Move to position',
    flag: '--to, --before, --after, --first or --last',
    default: current + 1,
    choices: videos.map((v, i) => ({
      name: `${i + 1}  ${i === current ? '(where it is now)' : i < current ? `before "${v.file_name}"` : `after "${v.file_name}"`}`,
      value: i + 1,
    })),
  });
}

/** "intro.mp4 moved to position 1 of 3"; JSON: the video, its 1-based positions now and before, and the count. */
function movedView(moved: MovedVideo): View {
  const json = {
    id: moved.id,
    file_name: moved.file_name,
    key: moved.key ?? null,
    module_id: moved.module_id,
    position: moved.order_index + 1,
    order_index: moved.order_index,
    previous_position: moved.previous_order_index + 1,
    count: moved.count,
  };
  const where = moved.order_index === moved.previous_order_index ? 'stays at' : 'moved to';
  return message(`${moved.file_name} ${where} position ${json.position} of ${moved.count}`, json, { check: true });
}
