import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { askSelect } from '../../ui/prompt.js';
import { pickModule, sessionArg } from '../pickers.js';
import { isUuid, matchRef } from '../../core/refs.js';
import { checkPositive, moveSpecFrom, targetIndex } from '../../core/positions.js';
import { listModules, moveModule, resolveRef } from '../../core/content.js';
import { usageError } from '../../core/errors.js';
import { moduleTable } from './views.js';

export interface MoveOptions {
  session?: string | undefined;
  module?: string | undefined;
  to?: number | undefined;
  before?: string | undefined;
  after?: string | undefined;
  first?: boolean | undefined;
  last?: boolean | undefined;
}

export async function run(opts: MoveOptions, ctx: Context): Promise<View> {
  // No target on a terminal: asked once the module is known; elsewhere the usage error says which flags.
  const noTarget = opts.to === undefined && opts.before === undefined && opts.after === undefined && !opts.first && !opts.last;
  const given = noTarget && ctx.io.canPrompt ? null : moveSpecFrom(opts);
  if (given && 'to' in given) checkPositive(given.to, '--to');
  const sessionRef = await sessionArg(ctx, opts.session);
  const api = await ctx.api();
  const session = await resolveRef(api, 'session', sessionRef);
  const moduleRef = (opts.module ?? (await pickModule(ctx, session.id, 'Module to move (type to filter)'))).trim();
  if (!moduleRef) throw usageError('missing <module>', 'pass a module id, id prefix or name', 'missing_argument');
  // One read gives the order, resolves <module> and the anchor within the session, and bounds --to.
  const modules = await listModules(api, session.id);
  if (modules.length === 0 && isUuid(sessionRef)) await resolveRef(api, 'session', sessionRef, { verify: true });
  const moving = matchRef('module', moduleRef, modules);
  const spec = given ?? { to: await askModulePosition(ctx, modules, moving.id) };
  const anchorRef = 'before' in spec ? spec.before : 'after' in spec ? spec.after : undefined;
  const anchor = anchorRef === undefined ? undefined : matchRef('module', anchorRef, modules);
  const index = targetIndex(
    modules.map((m) => m.id),
    moving.id,
    spec,
    anchor?.id,
  );
  return moduleTable(await moveModule(api, moving.id, index), undefined, `Moved module "${moving.name}" to position ${index + 1}`);
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
