import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { askText } from '../../ui/prompt.js';
import { checkName, nameProblem } from '../../core/names.js';
import { moduleArg } from '../pickers.js';
import { renameModule, resolveRef } from '../../core/content.js';
import { doneView, label } from '../session/views.js';

export async function run(opts: { module?: string | undefined; name?: string | undefined }, ctx: Context): Promise<View> {
  const ref = await moduleArg(ctx, opts.module);
  const name = checkName(opts.name ?? (await askText(ctx.io, { message: 'New name', flag: '<name>', validate: (v) => nameProblem(v, 'module') })), 'module');
  const api = await ctx.api();
  const { id } = await resolveRef(api, 'module', ref);
  const entry = await renameModule(api, id, name);
  return doneView(ctx.io, `Renamed module ${label(entry.id, null)} to "${entry.name}"`, entry);
}
