import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { askText } from '../../ui/prompt.js';
import { checkRef, isUuid, matchRef } from '../../core/refs.js';
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
  const spec = moveSpecFrom(opts);
  if ('to' in spec) checkPositive(spec.to, '--to');
  const sessionRef = checkRef('session', opts.session ?? (await askText(ctx.io, { message: 'Session (id, name or key)', flag: '<session>' })));
  const moduleRef = (opts.module ?? (await askText(ctx.io, { message: 'Module (id, id prefix or name)', flag: '<module>' }))).trim();
  if (!moduleRef) throw usageError('missing <module>', 'pass a module id, id prefix or name', 'missing_argument');
  const api = await ctx.api();
  const session = await resolveRef(api, 'session', sessionRef);
  // One read gives the order, resolves <module> and the anchor within the session, and bounds --to.
  const modules = await listModules(api, session.id);
  if (modules.length === 0 && isUuid(sessionRef)) await resolveRef(api, 'session', sessionRef, { verify: true });
  const moving = matchRef('module', moduleRef, modules);
  const anchorRef = 'before' in spec ? spec.before : 'after' in spec ? spec.after : undefined;
  const anchor = anchorRef === undefined ? undefined : matchRef('module', anchorRef, modules);
  const index = targetIndex(
    modules.map((m) => m.id),
    moving.id,
    spec,
    anchor?.id,
  );
  return moduleTable(await moveModule(api, moving.id, index));
}
