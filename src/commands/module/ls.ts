import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { sessionArg } from '../pickers.js';
import { listModuleSummaries, resolveRef } from '../../core/content.js';
import { moduleSummaryTable } from './views.js';

export async function run(opts: { session?: string | undefined }, ctx: Context): Promise<View> {
  const ref = await sessionArg(ctx, opts.session);
  const api = await ctx.api();
  const session = await resolveRef(api, 'session', ref);
  // list_modules answers exit 4 for a session that is not yours, so an empty list is an empty session.
  return moduleSummaryTable(await listModuleSummaries(api, session.id));
}
