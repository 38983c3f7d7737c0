import type { Context } from '../../core/context.js';
import { none, type View } from '../../ui/printer.js';
import { assertCanConfirm, confirmOrYes } from '../../ui/prompt.js';
import { sessionArg } from '../pickers.js';
import { deleteSession, purgeDeletedObjects, resolveRef } from '../../core/content.js';
import { doneView, label, warnPurge } from './views.js';

export async function run(opts: { session?: string | undefined; yes?: boolean | undefined }, ctx: Context): Promise<View> {
  const ref = await sessionArg(ctx, opts.session);
  assertCanConfirm(ctx.io, opts.yes);
  const api = await ctx.api();
  const target = await resolveRef(api, 'session', ref, { verify: !opts.yes });
  if (!opts.yes) {
    const sure = await confirmOrYes(ctx.io, { message: `Delete session ${label(target.id, target.name)} with all its modules and videos?`, yes: false });
    if (!sure) {
      ctx.io.info('Nothing deleted.');
      return none();
    }
  }
  const row = await deleteSession(api, target.id);
  const purge = await purgeDeletedObjects(api);
  warnPurge(ctx.io, purge);
  const json = { id: row.id, name: row.name, deleted: true, objects_removed: purge.removed, storage_error: purge.error };
  return doneView(ctx.io, `Deleted session ${label(row.id, row.name)}`, json);
}
