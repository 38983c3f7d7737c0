// Garbage collection of the videos bucket: what to clean is read first (a plan the command
// shows and confirms), then removed. Row deletions queue their paths; the queue is drained here.
import type { SupabaseClient } from '@supabase/supabase-js';
import type { IO } from '../base/io.js';
import type { Api } from './api.js';
import { normalizePaths, purgeDeletedObjects } from './content.js';
import { CliError, ExitCode } from '../base/errors.js';
import { isUuid } from './refs.js';
import { forEachAtMost } from '../base/pool.js';
import type { ResumeStore, StoredUpload } from './upload/resume-store.js';
import { STORAGE_REMOVE_BATCH, listFolder, listObjectsDeep, ownFileUrls, removeObjects, removeVideo, staleUploads, type StoredObject, type VideoRow } from './videos.js';

/**
 * Rows removed, uploads ended, or users looked up at once: each is its own request and none
 * depends on another (rows of one session still take their turn on the session's lock in the database).
 */
const REQUESTS_AT_ONCE = 4;

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

/** What gc reports when there is nothing to clean. */
export function nothingCleaned(withServiceRole: boolean): GcResult {
  return {
    queued_removed: 0,
    orphans_removed: 0,
    stale_uploads_removed: 0,
    deleted_users: withServiceRole ? { users: 0, queued_removed: 0, objects_removed: 0 } : null,
    uploads_ended: 0,
    storage_error: null,
  };
}

/** Reads what there is to clean: the queue (claimed), the caller's folder against their rows, old uploads. */
export async function makePlan(api: Api, admin: SupabaseClient | null): Promise<GcPlan> {
  const uid = api.identity.user.id;
  const queued = normalizePaths(await api.rpc('claim_deleted_objects', { p_limit: STORAGE_REMOVE_BATCH }));
  // After the caller's own claim: the service role's claim answers every user's queue.
  const [objects, urls, stale, deletedUsers] = await Promise.all([
    listObjectsDeep(api.client, uid),
    ownFileUrls(api),
    staleUploads(api, new Date(Date.now() - STALE_UPLOAD_MS).toISOString()),
    admin ? planDeletedUsers(admin, uid) : null,
  ]);
  const queuedSet = new Set(queued);
  const orphans = objects.filter((o) => !urls.has(o.path) && !queuedSet.has(o.path));
  return { queued, orphans, stale, deletedUsers };
}

export async function applyPlan(api: Api, admin: SupabaseClient | null, plan: GcPlan): Promise<GcResult> {
  let storageErrorText: string | null = null;
  // Deleting the rows queues their paths (a trigger), drained below with the rest of the queue.
  let staleRemoved = 0;
  await forEachAtMost(plan.stale, REQUESTS_AT_ONCE, async (video) => {
    try {
      await removeVideo(api, video.id);
      staleRemoved += 1;
    } catch (err) {
      // Finished or deleted meanwhile: nothing to do.
      if (!(err instanceof CliError && err.exitCode === ExitCode.notFound)) throw err;
    }
  });

  let queuedRemoved = 0;
  if (plan.queued.length) {
    try {
      await removeObjects(api.client, plan.queued);
      await api.rpc('ack_deleted_objects', { p_paths: plan.queued });
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

/** The resume store of this machine (where `video upload` keeps its upload URLs). */
export async function openResumeStore(env: NodeJS.ProcessEnv): Promise<ResumeStore> {
  const [{ ResumeStore }, { stateDir }] = await Promise.all([import('./upload/resume-store.js'), import('../config/paths.js')]);
  return ResumeStore.inDir(stateDir(env));
}

/** Uploads this machine started on this project and abandoned: over a day old, or for a row gc removes. */
export async function abandonedUploads(store: ResumeStore, api: Api, staleIds: Set<string>, now = Date.now()): Promise<StoredUpload[]> {
  const project = `v1|${api.config.url}|`;
  return (await store.findAllUploads()).filter((entry) => {
    const fingerprint = entry.urlStorageKey.slice('tus::'.length);
    if (!fingerprint.startsWith(project) || !entry.uploadUrl) return false;
    const videoId = fingerprint.slice(project.length).split('|')[0] ?? '';
    return staleIds.has(videoId) || now - Date.parse(entry.creationTime) > STALE_UPLOAD_MS;
  });
}

/** Ends each upload on the server (tus DELETE: its partial file goes) and forgets it; answers how many the server ended. */
export async function endUploads(store: ResumeStore, api: Api, uploads: StoredUpload[]): Promise<number> {
  let ended = 0;
  await forEachAtMost(uploads, REQUESTS_AT_ONCE, async (upload) => {
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
  });
  return ended;
}

/** A client with the service-role key: bypasses RLS, sees every user's folder and the whole queue. */
export async function serviceRoleClient(io: IO, api: Api, serviceKey: string): Promise<SupabaseClient> {
  const { createSupabaseClient } = await import('./api.js');
  return createSupabaseClient(io, { ...api.config, anonKey: serviceKey });
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
  const ownerIds = [...owners];
  const exists: boolean[] = new Array(ownerIds.length);
  await forEachAtMost(ownerIds, REQUESTS_AT_ONCE, async (id, i) => {
    exists[i] = await userExists(admin, id);
  });
  const gone = new Set(ownerIds.filter((_, i) => !exists[i]));
  const goneFolders = folders.filter((id) => gone.has(id));
  const listed: StoredObject[][] = new Array(goneFolders.length);
  await forEachAtMost(goneFolders, REQUESTS_AT_ONCE, async (id, i) => {
    listed[i] = await listObjectsDeep(admin, id);
  });
  const objects = listed.flat();
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
