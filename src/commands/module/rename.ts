import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { action, examples } from '../runner.js';
import { askText } from '../../ui/prompt.js';
import { checkName, nameProblem } from '../../core/names.js';
import { checkRef } from '../../core/refs.js';
import { renameModule, resolveRef } from '../../core/content.js';
import { doneView, label } from '../session/views.js';

export function define(parent: Command): Command {
  return parent
    .command('rename')
    .description('Rename a module')
    .argument('[module]', 'module id or id prefix (see `session module ls <session>`)')
    .argument('[name]', 'the new name')
    .addHelpText('after', examples(['session module rename 9c1e "Getting set up"', 'session module rename 9c1e0b7a-… "Joins" --json']))
    .action(action((ctx, module: string | undefined, name: string | undefined) => run({ module, name }, ctx)));
}

export async function run(opts: { module?: string | undefined; name?: string | undefined }, ctx: Context): Promise<View> {
  const ref = checkRef('module', opts.module ?? (await askText(ctx.io, { message: 'Module id', flag: '<module>' })));
  const name = checkName(opts.name ?? (await askText(ctx.io, { message: 'New name', flag: '<name>', validate: (v) => nameProblem(v, 'module') })), 'module');
  const api = await ctx.api();
  const { id } = await resolveRef(api, 'module', ref);
  const entry = await renameModule(api, id, name);
  return doneView(ctx.io, `Renamed module ${label(entry.id, null)} to "${entry.name}"`, entry);
}
