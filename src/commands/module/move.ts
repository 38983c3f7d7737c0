import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { action, examples, parsePosition } from '../runner.js';
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

export function define(parent: Command): Command {
  return parent
    .command('move')
    .alias('mv')
    .description('Move a module within its session, in one atomic step')
    .argument('[session]', 'session id, id prefix, name or key')
    .argument('[module]', 'module id, id prefix, or its name in that session')
    .option('--to <position>', 'to this position (1 is first)', (v) => parsePosition(v, '--to'))
    .option('--before <module>', 'just before this module')
    .option('--after <module>', 'just after this module')
    .option('--first', 'to the first position')
    .option('--last', 'to the last position')
    .addHelpText(
      'after',
      examples(['session module move "Intro to SQL" Setup --first', 'session module move intro-sql 9c1e --to 3', 'session module move intro-sql Joins --after Filtering']),
    )
    .action(action((ctx, session: string | undefined, module: string | undefined, opts: Omit<MoveOptions, 'session' | 'module'>) => run({ ...opts, session, module }, ctx)));
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
