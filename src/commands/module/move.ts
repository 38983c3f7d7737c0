import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { pickModule, sessionArg } from '../pickers.js';
import { askPosition, movedView, moveSpecOrAsk, type MoveFlags } from '../moves.js';
import { matchRef } from '../../core/refs.js';
import { anchorOf } from '../../core/positions.js';
import { listModules, resolveRef } from '../../core/content.js';
import { moveItem } from '../../core/moves.js';
import { usageError } from '../../base/errors.js';

export interface MoveOptions extends MoveFlags {
  session?: string | undefined;
  module?: string | undefined;
}

/**
 * With full ids and a target, one request (`move_module_to`); names or prefixes add one
 * (`resolve_refs`). On a terminal, a missing module is picked from the session's list and a
 * missing target is asked, each position named by its neighbour; elsewhere both are exit 2.
 */
export async function run(opts: MoveOptions, ctx: Context): Promise<View> {
  let spec = moveSpecOrAsk(opts, ctx);
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
      spec = { to: await askPosition(ctx, modules, moving.id, (m) => m.name) };
    }
  }
  if (!moduleRef) throw usageError('missing <module>', 'pass a module id, id prefix or name', 'missing_argument');
  const anchor = anchorOf(spec);
  if (anchor?.ref.trim() === '') throw usageError(`missing module after --${anchor.flag}`, 'pass a module id, id prefix or name', 'missing_argument');

  const moved = await moveItem(api, 'module', moduleRef, spec, session);
  return movedView(moved.name, { id: moved.id, name: moved.name, key: moved.key ?? null, session_id: moved.session_id }, moved);
}
