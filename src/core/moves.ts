/**
 * Moving a module within its session or a video within its module. The database takes the
 * target as people say it (`move_module_to`, `move_video_to`): with full ids a move is one
 * request; names and id prefixes, the item's and the anchor's, add one (`resolve_refs`).
 */
import type { Api } from './api.js';
import { resolveRefs } from './content.js';
import { isUuid, pickCandidate, unknownRef } from './refs.js';
import { anchorOf, moveTargetArgs, moveTargetFrom, positionErrorFrom, type MoveSpec } from './positions.js';

/** Where the moved item is now and was (0-based), and how many its session or module has. */
interface MovedPlace {
  id: string;
  key: string | null;
  order_index: number;
  previous_order_index: number;
  count: number;
}

/** What `move_module_to` answers. */
export interface MovedModule extends MovedPlace {
  name: string;
  session_id: string;
}

/** What `move_video_to` answers. */
export interface MovedVideo extends MovedPlace {
  file_name: string;
  module_id: string;
}

/**
 * Moves a module: `ref` is its id, id prefix or name, `session` the session as the person typed
 * it (id, id prefix, name or key); a module of another session is "not found". `--before` and
 * `--after` name a module of the same session the same ways.
 */
export function moveItem(api: Api, kind: 'module', ref: string, spec: MoveSpec, session: string): Promise<MovedModule>;
/** Moves a video: `ref` and the `--before` / `--after` video are ids or id prefixes. */
export function moveItem(api: Api, kind: 'video', ref: string, spec: MoveSpec): Promise<MovedVideo>;
export async function moveItem(api: Api, kind: 'module' | 'video', ref: string, spec: MoveSpec, session?: string): Promise<MovedModule | MovedVideo> {
  const anchorRef = anchorOf(spec)?.ref.trim();
  let id = ref.toLowerCase();
  let anchorId = anchorRef?.toLowerCase();
  if (!isUuid(ref) || (anchorRef !== undefined && !isUuid(anchorRef))) {
    const found = await resolveRefs(api, kind, anchorRef === undefined ? [ref] : [ref, anchorRef], session);
    if (session !== undefined) session = pickCandidate('session', session, found.session ?? []).id;
    id = pickCandidate(kind, ref, found.refs[0] ?? []).id;
    if (anchorRef !== undefined) anchorId = pickCandidate(kind, anchorRef, found.refs[1] ?? []).id;
  }
  const target = moveTargetArgs(moveTargetFrom(spec, anchorId));
  let moved: MovedModule | MovedVideo | null;
  try {
    moved =
      kind === 'module'
        ? await api.rpc<MovedModule | null>('move_module_to', { p_module_id: id, ...target, ...(session === undefined ? {} : { p_session: session }) })
        : await api.rpc<MovedVideo | null>('move_video_to', { p_video_id: id, ...target });
  } catch (err) {
    // The database names the valid range 0-based; people gave a 1-based --to.
    throw ('to' in spec ? positionErrorFrom(err, '--to', spec.to) : null) ?? err;
  }
  if (!moved) throw unknownRef(kind, id);
  return moved;
}
