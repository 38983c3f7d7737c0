import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { action, examples } from '../runner.js';
import { askText } from '../../ui/prompt.js';
import { checkName, nameProblem } from '../../core/names.js';
import { checkRef } from '../../core/refs.js';
import { renameSession, resolveRef } from '../../core/content.js';
import { doneView, label } from './views.js';

export function define(program: Command): Command {
  return program
    .command('rename')
    .description('Rename a session')
    .argument('[session]', 'session id, id prefix, name or key')
    .argument('[name]', 'the new name')
    .addHelpText('after', examples(['session rename "Intro to SQL" "SQL basics"', 'session rename 3f2a "SQL basics" --json']))
    .action(action((ctx, session: string | undefined, name: string | undefined) => run({ session, name }, ctx)));
}

export async function run(opts: { session?: string | undefined; name?: string | undefined }, ctx: Context): Promise<View> {
  const ref = checkRef('session', opts.session ?? (await askText(ctx.io, { message: 'Session (id, name or key)', flag: '<session>' })));
  const name = checkName(opts.name ?? (await askText(ctx.io, { message: 'New name', flag: '<name>', validate: (v) => nameProblem(v, 'session') })), 'session');
  const api = await ctx.api();
  const { id } = await resolveRef(api, 'session', ref);
  const row = await renameSession(api, id, name);
  return doneView(ctx.io, `Renamed session ${label(row.id, null)} to "${row.name}"`, row);
}
