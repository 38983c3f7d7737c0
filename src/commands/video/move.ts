import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { message } from '../../ui/printer.js';
import { checkRef, isUuid, pickCandidate } from '../../core/refs.js';
import { checkPositive, moveSpecFrom, moveTargetFrom, positionErrorFrom } from '../../core/positions.js';
import { resolveRefs } from '../../core/content.js';
import { moveVideoTo, type MovedVideo } from '../../core/videos.js';

export interface VideoMoveOptions {
  video: string;
  to?: number | undefined;
  before?: string | undefined;
  after?: string | undefined;
  first?: boolean | undefined;
  last?: boolean | undefined;
}

/** One request with full ids; id prefixes (the video's and the anchor's) are resolved first, in one request. */
export async function run(opts: VideoMoveOptions, ctx: Context): Promise<View> {
  const spec = moveSpecFrom(opts);
  if ('to' in spec) checkPositive(spec.to, '--to');
  const ref = checkRef('video', opts.video);
  const anchorRef = 'before' in spec ? checkRef('video', spec.before) : 'after' in spec ? checkRef('video', spec.after) : undefined;
  const api = await ctx.api();

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
