import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { isUuid } from '../../core/refs.js';
import { sessionArg } from '../pickers.js';
import { listModules, resolveRef } from '../../core/content.js';
import { moduleTable } from './views.js';

export async function run(opts: { session?: string | undefined }, ctx: Context): Promise<View> {
  const ref = await sessionArg(ctx, opts.session);
  const api = await ctx.api();
  const session = await resolveRef(api, 'session', ref);
  const modules = await listModules(api, session.id);
  // No rows for a full id: an empty session, or one that is not yours (exit 4). Ask once to tell which.
  if (modules.length === 0 && isUuid(ref)) await resolveRef(api, 'session', ref, { verify: true });
  return moduleTable(modules);
}
