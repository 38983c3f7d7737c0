import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { message } from '../../ui/printer.js';
import { askSelect } from '../../ui/prompt.js';
import { pickModule, sessionArg } from '../pickers.js';
import { isUuid, matchRef, pickCandidate } from '../../core/refs.js';
import { checkPositive, moveSpecFrom, moveTargetFrom, positionErrorFrom, type MoveSpec } from '../../core/positions.js';
import { listModules, moveModuleTo, resolveRef, resolveRefs, type MovedModule } from '../../core/content.js';
import { usageError } from '../../base/errors.js';

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
 * With full ids and a target, one request (`move_module_to`); names or prefixes add one
 * (`resolve_refs`). On a terminal, a missing module is picked from the session's list and a
 * missing target is asked, each position named by its neighbour; elsewhere both are exit 2.
 */
export async function run(opts: MoveOptions, ctx: Context): Promise<View> {
  const noTarget = opts.to === undefined && opts.before === undefined && opts.after === undefined && !opts.first && !opts.last;
  let spec: MoveSpec | null = noTarget && ctx.io.canPrompt ? null : moveSpecFrom(opts);
  if (spec && 'to' in spec) checkPositive(spec.to, '--to');
  let session = await sessionArg(ctx, opts.session);
  let moduleRef = opts.module?.trim();
  const api = await ctx.api();

  if (moduleRef === undefined || spec === null) {
    // Asked on a terminal: the session's modules are read once for the pickers.
    const found = await resolveRef(api, 'session', session);
    session = found.id;
    const modules = await listModules(api, found.id);
    moduleRef = moduleRef ?? (await pickModule(ctx, found.id, 'Module to move (type to filter)', modules)).trim();
    if (spec === null) {
      const moving = matchRef('module', moduleRef, modules);
      moduleRef = moving.id;
      spec = { to: await askModulePosition(ctx, modules, moving.id) };
    }
  }
  if (!moduleRef) throw usageError('missing <module>', 'pass a module id, id prefix or name', 'missing_argument');
  const anchorRef = 'before' in spec ? spec.before.trim() : 'after' in spec ? spec.after.trim() : undefined;
  if (anchorRef === '') throw usageError(`missing module after --${'before' in spec ? 'before' : 'after'}`, 'pass a module id, id prefix or name', 'missing_argument');

  let moduleId = moduleRef.toLowerCase();
  let anchorId = anchorRef?.toLowerCase();
  if (!isUuid(moduleRef) || (anchorRef !== undefined && !isUuid(anchorRef))) {
    const found = await resolveRefs(api, 'module', anchorRef === undefined ? [moduleRef] : [moduleRef, anchorRef], session);
    session = pickCandidate('session', session, found.session ?? []).id;
    moduleId = pickCandidate('module', moduleRef, found.refs[0] ?? []).id;
    if (anchorRef !== undefined) anchorId = pickCandidate('module', anchorRef, found.refs[1] ?? []).id;
  }
  try {
    return movedView(await moveModuleTo(api, moduleId, moveTargetFrom(spec, anchorId), session));
  } catch (err) {
    throw ('to' in spec ? positionErrorFrom(err, '--to', spec.to) : null) ?? err;
  }
}

/** The target asked on a terminal: each position, named by the module it would go before or after. */
async function askModulePosition(ctx: Context, modules: Array<{ id: string; name: string }>, movingId: string): Promise<number> {
  const current = modules.findIndex((m) => m.id === movingId);
  return askSelect(ctx.io, {
    message: 'Move to position',
    flag: '--to, --before, --after, --first or --last',
    default: current + 1,
    choices: modules.map((m, i) => ({
      name: `${i + 1}  ${i === current ? '(where it is now)' : i < current ? `before "${m.name}"` : `after "${m.name}"`}`,
      value: i + 1,
    })),
  });
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
