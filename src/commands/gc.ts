import type { SupabaseClient } from '@supabase/supabase-js';
import type { Context } from '../core/context.js';
import type { Api } from '../core/api.js';
import { message, none, type View } from '../ui/printer.js';
import { assertCanConfirm, confirmOrYes } from '../ui/prompt.js';
import { normalizePaths, purgeDeletedObjects } from '../core/content.js';
import { CliError, ExitCode } from '../core/errors.js';
import { isUuid } from '../core/refs.js';
import { formatBytes } from '../ui/format.js';
import type { ResumeStore, StoredUpload } from '../core/upload/resume-store.js';
import { STORAGE_REMOVE_BATCH, listFolder, listObjectsDeep, ownFileUrls, removeObjects, removeVideo, staleUploads, type StoredObject, type VideoRow } from '../core/videos.js';

/** Uploads left `uploading` this long are abandoned. */
export const STALE_UPLOAD_MS = 24 * 3600 * 1000;

export interface GcPlan {
  /** Paths of deleted videos, claimed from the queue. */
  queued: string[];
  /** Objects under the caller's folder that no row points to. */
  orphans: StoredObject[];
  /** Rows still `uploading` after a day. */
  stale: VideoRow[];
  /** With the service-role key: what deleted users left. */
  deletedUsers: { queued: string[]; objects: StoredObject[]; users: string[] } | null;
}

export interface GcResult {
  queued_removed: number;
  orphans_removed: number;
  stale_uploads_removed: number;
  deleted_users: { users: number; queued_removed: number; objects_removed: number } | null;
  /** Resumable uploads started on this machine and abandoned (over a day old, or their row removed) that the server was told to end. */
  uploads_ended: number;
  storage_error: string | null;
}

export async function run(opts: { yes?: boolean | undefined }, ctx: Context): Promise<View> {
  const api = await ctx.api();
  const serviceKey = ctx.io.env.SUPABASE_SERVICE_ROLE_KEY?.trim();
  const admin = serviceKey ? await adminClient(ctx, api, serviceKey) : null;
  const plan = await makePlan(api, admin);
  const lines = describePlan(plan);
  const store = await resumeStore(ctx);
  const abandoned = await abandonedUploads(store, api, new Set(plan.stale.map((v) => v.id)));
  if (abandoned.length) lines.push(`${abandoned.length} resumable upload${abandoned.length === 1 ? '' : 's'} abandoned on this machine (the server's partial files)`);
  if (lines.length === 0) {
    const empty: GcResult = { queued_removed: 0, orphans_removed: 0, stale_uploads_removed: 0, deleted_users: admin ? { users: 0, queued_removed: 0, objects_removed: 0 } : null, uploads_ended: 0, storage_error: null };
    return message('Nothing to clean up.', empty);
  }
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

/** Reads what there is to clean: the queue (claimed), the caller's folder against their rows, old uploads. */
export async function makePlan(api: Api, admin: SupabaseClient | null): Promise<GcPlan> {
  const uid = api.identity.user.id;
  const queued = normalizePaths(await api.rpc<unknown>('claim_deleted_objects', { p_limit: STORAGE_REMOVE_BATCH }));
  const [objects, urls, stale] = await Promise.all([
    listObjectsDeep(api.client, uid),
    ownFileUrls(api),
    staleUploads(api, new Date(Date.now() - STALE_UPLOAD_MS).toISOString()),
  ]);
  const queuedSet = new Set(queued);
  const orphans = objects.filter((o) => !urls.has(o.path) && !queuedSet.has(o.path));
  const deletedUsers = admin ? await planDeletedUsers(admin, uid) : null;
  return { queued, orphans, stale, deletedUsers };
}

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

export async function applyPlan(api: Api, admin: SupabaseClient | null, plan: GcPlan): Promise<GcResult> {
  let storageErrorText: string | null = null;
  // Deleting the rows queues their paths (a trigger), drained below with the rest of the queue.
  let staleRemoved = 0;
  for (const video of plan.stale) {
    try {
      await removeVideo(api, video.id);
      staleRemoved += 1;
    } catch (err) {
      // Finished or deleted meanwhile: nothing to do.
      if (!(err instanceof CliError && err.exitCode === ExitCode.notFound)) throw err;
    }
  }

  let queuedRemoved = 0;
  if (plan.queued.length) {
    try {
      await removeObjects(api.client, plan.queued);
      await api.rpc<null>('ack_deleted_objects', { p_paths: plan.queued });
      queuedRemoved += plan.queued.length;
    } catch (err) {
      storageErrorText = (err as Error).message;
    }
  }
  let orphansRemoved = 0;
  if (plan.orphans.length) {
    try {
      orphansRemoved = await removeObjects(api.client, plan.orphans.map((o) => o.path));
    } catch (err) {
      storageErrorText ??= (err as Error).message;
    }
  }
  const purge = await purgeDeletedObjects(api);
  queuedRemoved += purge.removed;
  storageErrorText ??= purge.error;

  let deletedUsers: GcResult['deleted_users'] = null;
  if (admin && plan.deletedUsers) {
    const gone = plan.deletedUsers;
    let queued = 0;
    let objects = 0;
    try {
      if (gone.queued.length) {
        await removeObjects(admin, gone.queued);
        const { error } = await admin.rpc('ack_deleted_objects', { p_paths: gone.queued });
        if (error) throw new Error(error.message);
        queued = gone.queued.length;
      }
      if (gone.objects.length) objects = await removeObjects(admin, gone.objects.map((o) => o.path));
    } catch (err) {
      storageErrorText ??= (err as Error).message;
    }
    deletedUsers = { users: gone.users.length, queued_removed: queued, objects_removed: objects };
  }
  return { queued_removed: queuedRemoved, orphans_removed: orphansRemoved, stale_uploads_removed: staleRemoved, deleted_users: deletedUsers, uploads_ended: 0, storage_error: storageErrorText };
}

async function resumeStore(ctx: Context): Promise<ResumeStore> {
  const [{ ResumeStore }, { stateDir }] = await Promise.all([import('../core/upload/resume-store.js'), import('../config/paths.js')]);
  return ResumeStore.inDir(stateDir(ctx.io.env));
}

/** Uploads this machine started on this project and abandoned: over a day old, or for a row gc removes. */
async function abandonedUploads(store: ResumeStore, api: Api, staleIds: Set<string>, now = Date.now()): Promise<StoredUpload[]> {
  const project = `v1|${api.config.url}|`;
  return (await store.findAllUploads()).filter((entry) => {
    const fingerprint = entry.urlStorageKey.slice('tus::'.length);
    if (!fingerprint.startsWith(project) || !entry.uploadUrl) return false;
    const videoId = fingerprint.slice(project.length).split('|')[0] ?? '';
    return staleIds.has(videoId) || now - Date.parse(entry.creationTime) > STALE_UPLOAD_MS;
  });
}

/** Ends each upload on the server (tus DELETE: its partial file goes) and forgets it; answers how many the server ended. */
async function endUploads(store: ResumeStore, api: Api, uploads: StoredUpload[]): Promise<number> {
  let ended = 0;
  for (const upload of uploads) {
    try {
      const res = await fetch(upload.uploadUrl!, {
        method: 'DELETE',
        headers: { 'Tus-Resumable': '1.0.0', apikey: api.config.anonKey, Authorization: `Bearer ${await api.identity.accessToken()}` },
      });
      if (res.status === 204) ended += 1;
      // Ended now, or gone already (404, 410): nothing left to resume either way.
      if (res.status === 204 || res.status === 404 || res.status === 410) await store.removeUpload(upload.urlStorageKey);
    } catch {
      // Unreachable now: the entry stays for the next gc.
    }
  }
  return ended;
}

/** A client with the service-role key: bypasses RLS, sees every user's folder and the whole queue. */
async function adminClient(ctx: Context, api: Api, serviceKey: string): Promise<SupabaseClient> {
  const { createSupabaseClient } = await import('../core/api.js');
  return createSupabaseClient(ctx, { ...api.config, anonKey: serviceKey });
}

/**
 * Users who no longer exist: their queued paths (the service role's claim answers every
 * user's queue; those of living users are left to them) and their top-level folders.
 */
async function planDeletedUsers(admin: SupabaseClient, self: string): Promise<NonNullable<GcPlan['deletedUsers']>> {
  // Every page of the top level: one folder per user, so more than 1,000 authors is ordinary.
  const top = await listFolder(admin, '');
  const folders = top.filter((e) => e.id === null && isUuid(e.name) && e.name !== self).map((e) => e.name);
  const { data: queue, error: claimError } = await admin.rpc('claim_deleted_objects', { p_limit: STORAGE_REMOVE_BATCH });
  if (claimError) throw new CliError(`cannot claim deleted users' paths: ${claimError.message}`, { code: 'gc_service', exitCode: ExitCode.failure });
  const queuedPaths = normalizePaths(queue);
  const owners = new Set([...folders, ...queuedPaths.map((p) => p.split('/')[0] ?? '')].filter(isUuid));
  const gone = new Set<string>();
  for (const id of owners) if (!(await userExists(admin, id))) gone.add(id);
  const objects: StoredObject[] = [];
  for (const id of folders) if (gone.has(id)) objects.push(...(await listObjectsDeep(admin, id)));
  const queued = queuedPaths.filter((p) => gone.has(p.split('/')[0] ?? ''));
  const queuedSet = new Set(queued);
  return { queued, objects: objects.filter((o) => !queuedSet.has(o.path)), users: [...gone] };
}

async function userExists(admin: SupabaseClient, id: string): Promise<boolean> {
  const { data, error } = await admin.auth.admin.getUserById(id);
  if (data?.user) return true;
  const status = (error as { status?: number } | null)?.status;
  if (status === 404 || /not found/i.test(error?.message ?? '')) return false;
  // Unsure (an error that is not "no such user"): keep the files.
  return true;
}
