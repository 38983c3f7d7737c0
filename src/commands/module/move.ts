import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { message } from '../../ui/printer.js';
import { askText } from '../../ui/prompt.js';
import { checkRef, isUuid, pickCandidate } from '../../core/refs.js';
import { checkPositive, moveSpecFrom, moveTargetFrom, positionErrorFrom } from '../../core/positions.js';
import { moveModuleTo, resolveRefs, type MovedModule } from '../../core/content.js';
import { usageError } from '../../core/errors.js';

export interface MoveOptions {
  session?: string | undefined;
  module?: string | undefined;
  to?: number | undefined;
  before?: string | undefined;
  after?: string | undefined;
  first?: boolean | undefined;
  last?: boolean | undefined;
}

/**
 * One request with full ids: the database takes the target as given and checks the module is in
 * the session as typed. Names or id prefixes are resolved first, all in one request.
 */
export async function run(opts: MoveOptions, ctx: Context): Promise<View> {
  const spec = moveSpecFrom(opts);
  if ('to' in spec) checkPositive(spec.to, '--to');
  const sessionRef = checkRef('session', opts.session ?? (await askText(ctx.io, { message: 'Session (id, name or key)', flag: '<session>' })));
  const moduleRef = (opts.module ?? (await askText(ctx.io, { message: 'Module (id, id prefix or name)', flag: '<module>' }))).trim();
  if (!moduleRef) throw usageError('missing <module>', 'pass a module id, id prefix or name', 'missing_argument');
  const anchorRef = 'before' in spec ? spec.before.trim() : 'after' in spec ? spec.after.trim() : undefined;
  if (anchorRef === '') throw usageError(`missing module after --${'before' in spec ? 'before' : 'after'}`, 'pass a module id, id prefix or name', 'missing_argument');
  const api = await ctx.api();

  let moduleId = moduleRef.toLowerCase();
  let anchorId = anchorRef?.toLowerCase();
  let session = sessionRef;
  if (!isUuid(moduleRef) || (anchorRef !== undefined && !isUuid(anchorRef))) {
    const found = await resolveRefs(api, 'module', anchorRef === undefined ? [moduleRef] : [moduleRef, anchorRef], sessionRef);
    session = pickCandidate('session', sessionRef, found.session ?? []).id;
    moduleId = pickCandidate('module', moduleRef, found.refs[0] ?? []).id;
    if (anchorRef !== undefined) anchorId = pickCandidate('module', anchorRef, found.refs[1] ?? []).id;
  }
  try {
    return movedView(await moveModuleTo(api, moduleId, moveTargetFrom(spec, anchorId), session));
  } catch (err) {
    throw ('to' in spec ? positionErrorFrom(err, '--to', spec.to) : null) ?? err;
  }
}

/** "Moved Setup to position 1 of 7"; JSON: the module, its 1-based positions now and before, and the count. */
function movedView(moved: MovedModule): View {
  const json = {
    id: moved.id,
    name: moved.name,
    key: moved.key ?? null,
    session_id: moved.session_id,
    position: moved.order_index + 1,
    order_index: moved.order_index,
    previous_position: moved.previous_order_index + 1,
    count: moved.count,
  };
  const where = moved.order_index === moved.previous_order_index ? 'stays at' : 'moved to';
  return message(`${moved.name} ${where} position ${json.position} of ${moved.count}`, json, { check: true });
}
