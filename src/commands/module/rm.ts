import type { Context } from '../../core/context.js';
import { none, type View } from '../../ui/printer.js';
import { assertCanConfirm, confirmOrYes } from '../../ui/prompt.js';
import { moduleArg } from '../pickers.js';
import { purgeDeletedObjects, removeModule, resolveRef } from '../../core/content.js';
import { doneView, label, warnPurge } from '../session/views.js';

export async function run(opts: { module?: string | undefined; yes?: boolean | undefined }, ctx: Context): Promise<View> {
  const ref = await moduleArg(ctx, opts.module);
  assertCanConfirm(ctx.io, opts.yes);
  const api = await ctx.api();
  const target = await resolveRef(api, 'module', ref, { verify: !opts.yes });
  if (!opts.yes) {
    const sure = await confirmOrYes(ctx.io, { message: `Delete module ${label(target.id, target.name)} and its videos?`, yes: false });
    if (!sure) {
      ctx.io.info('Nothing deleted.');
      return none();
    }
  }
  await removeModule(api, target.id);
  const purge = await purgeDeletedObjects(api);
  warnPurge(ctx.io, purge);
  const json = { id: target.id, name: target.name, deleted: true, objects_removed: purge.removed, storage_error: purge.error };
  return doneView(ctx.io, `Deleted module ${label(target.id, target.name)}`, json);
}
