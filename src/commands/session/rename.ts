import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { askText } from '../../ui/prompt.js';
import { sessionArg } from '../pickers.js';
import { checkName, nameProblem } from '../../core/names.js';
import { renameSession, resolveRef } from '../../core/content.js';
import { doneView, label } from './views.js';

export async function run(opts: { session?: string | undefined; name?: string | undefined }, ctx: Context): Promise<View> {
  const ref = await sessionArg(ctx, opts.session);
  const name = checkName(opts.name ?? (await askText(ctx.io, { message: 'New name', flag: '<name>', validate: (v) => nameProblem(v, 'session') })), 'session');
  const api = await ctx.api();
  const { id } = await resolveRef(api, 'session', ref);
  const row = await renameSession(api, id, name);
  return doneView(ctx.io, `Renamed session ${label(row.id, null)} to "${row.name}"`, row);
}
