import type { Context } from '../../core/context.js';
import { abandonedUploads, applyPlan, endUploads, makePlan, nothingCleaned, openResumeStore, serviceRoleClient, type GcPlan } from '../../core/gc.js';
import { message, none, type View } from '../../ui/printer.js';
import { assertCanConfirm, confirmOrYes } from '../../ui/prompt.js';
import { formatBytes } from '../../base/format.js';

export async function run(opts: { yes?: boolean | undefined }, ctx: Context): Promise<View> {
  const api = await ctx.api();
  const serviceKey = ctx.io.env.SUPABASE_SERVICE_ROLE_KEY?.trim();
  const admin = serviceKey ? await serviceRoleClient(ctx.io, api, serviceKey) : null;
  const plan = await makePlan(api, admin);
  const lines = describePlan(plan);
  const store = await openResumeStore(ctx.io.env);
  const abandoned = await abandonedUploads(store, api, new Set(plan.stale.map((v) => v.id)));
  if (abandoned.length) lines.push(`${abandoned.length} resumable upload${abandoned.length === 1 ? '' : 's'} abandoned on this machine (the server's partial files)`);
  if (lines.length === 0) return message('Nothing to clean up.', nothingCleaned(admin !== null));
  for (const line of lines) ctx.io.info(line);
  // After the plan, not before: with nothing to clean there is nothing to confirm, and what
  // would be removed is shown before asking for --yes. (Claiming queued paths hides nothing.)
  assertCanConfirm(ctx.io, opts.yes);
  if (!opts.yes && !(await confirmOrYes(ctx.io, { message: 'Remove all of this?', yes: false }))) {
    ctx.io.info('Nothing removed; queued paths stay queued.');
    return none();
  }
  const result = await applyPlan(api, admin, plan);
  result.uploads_ended = await endUploads(store, api, abandoned);
  if (result.storage_error) ctx.io.warn(`some files could not be removed (${result.storage_error}); they stay queued, run \`session gc\` again later`);
  const parts = [
    `${result.queued_removed} file${result.queued_removed === 1 ? '' : 's'} of deleted videos`,
    `${result.orphans_removed} orphaned file${result.orphans_removed === 1 ? '' : 's'}`,
    `${result.stale_uploads_removed} unfinished upload${result.stale_uploads_removed === 1 ? '' : 's'}`,
  ];
  if (result.deleted_users) parts.push(`${result.deleted_users.queued_removed + result.deleted_users.objects_removed} files of ${result.deleted_users.users} deleted users`);
  return message(`Removed ${parts.join(', ')}`, result, { check: ctx.io.stdoutIsTTY });
}

/** The plan as lines for the terminal: counts, and the first ten paths of each kind. */
export function describePlan(plan: GcPlan): string[] {
  const lines: string[] = [];
  if (plan.queued.length) lines.push(`${plan.queued.length} file${plan.queued.length === 1 ? '' : 's'} of deleted videos`);
  if (plan.orphans.length) {
    const bytes = plan.orphans.reduce((sum, o) => sum + (o.size ?? 0), 0);
    lines.push(`${plan.orphans.length} file${plan.orphans.length === 1 ? '' : 's'} no video points to (${formatBytes(bytes)})`);
    for (const o of plan.orphans.slice(0, 10)) lines.push(`  ${o.path}`);
    if (plan.orphans.length > 10) lines.push(`  … and ${plan.orphans.length - 10} more`);
  }
  if (plan.stale.length) {
    lines.push(`${plan.stale.length} upload${plan.stale.length === 1 ? '' : 's'} unfinished for over a day (the rows and any bytes)`);
    for (const v of plan.stale.slice(0, 10)) lines.push(`  ${v.id.slice(0, 8)}  ${v.file_name}  started ${v.created_at}`);
    if (plan.stale.length > 10) lines.push(`  … and ${plan.stale.length - 10} more`);
  }
  const gone = plan.deletedUsers;
  if (gone && (gone.queued.length || gone.objects.length)) {
    lines.push(`${gone.queued.length + gone.objects.length} files left by ${gone.users.length} deleted user${gone.users.length === 1 ? '' : 's'}`);
  }
  return lines;
}
