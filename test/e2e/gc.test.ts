// `session gc`: queued paths of deleted videos, objects no row points to, uploads left
// `uploading` for over a day; with the service-role key, what deleted users left behind.
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestBackend } from '../support/backend.js';
import { videoHeader, writeVideo } from '../support/media.js';
import { cliUser, json, objectNames, sessionWithModule, twoUsers, type CliUser } from './video-support.js';

const fixture = twoUsers('gc-e2e');
let backend: TestBackend;
let alice: CliUser;
let bob: CliUser;
let dir: string;
beforeAll(() => {
  ({ backend, alice, bob, dir } = fixture);
});

interface GcJson {
  queued_removed: number;
  orphans_removed: number;
  stale_uploads_removed: number;
  deleted_users: { users: number; queued_removed: number; objects_removed: number } | null;
  storage_error: string | null;
}

interface VideoJson {
  id: string;
  file_url: string;
  status: string;
}

/** Uploads a file through the CLI and returns its row. */
async function uploaded(cli: CliUser, moduleId: string, name: string): Promise<VideoJson> {
  const file = join(dir, name);
  await writeVideo(file, 200_000, 'mp4');
  const res = await cli.run(['video', 'upload', moduleId, file]);
  expect(res.exitCode, res.stderr).toBe(0);
  const rows = json<Array<VideoJson & { file_name: string }>>(await cli.run(['video', 'ls', moduleId, '--json']));
  return rows.find((r) => r.file_name === name)!;
}

/** Deletes a row behind the CLI's back: the trigger queues its path, the object stays. */
async function deleteRowOnly(videoId: string): Promise<void> {
  await backend.db.pool.query('delete from public.videos where id = $1', [videoId]);
}

async function putObject(path: string): Promise<void> {
  const body = Buffer.concat([videoHeader('mp4'), randomBytes(1000)]);
  const { error } = await backend.admin().storage.from('videos').upload(path, body, { contentType: 'video/mp4' });
  expect(error).toBeNull();
}

async function queued(userId: string): Promise<string[]> {
  const { rows } = await backend.db.pool.query<{ path: string }>('select path from private.deleted_objects where user_id = $1 order by id', [userId]);
  return rows.map((r) => r.path);
}

describe('session gc', () => {
  it("removes queued, orphaned and stale uploads' files, and nothing that a row still needs", async () => {
    const { sessionId, moduleId } = await sessionWithModule(alice, 'GC');
    const live = await uploaded(alice, moduleId, 'live.mp4');
    const doomed = await uploaded(alice, moduleId, 'doomed.mp4');
    await deleteRowOnly(doomed.id);
    const orphan = `${alice.user.id}/${sessionId}/stray/${randomBytes(4).toString('hex')}.mp4`;
    await putObject(orphan);

    // Two uploads never finished: one started two days ago (stale), one just now (kept).
    const begin = async (sha: string) => {
      const { data, error } = await alice.user.client.rpc('begin_video', { p_module_id: moduleId, p_file_name: 'pending.mp4', p_file_size: 1000, p_sha256: sha, p_mime_type: 'video/mp4' });
      expect(error).toBeNull();
      return data as VideoJson;
    };
    const stale = await begin(createHash('sha256').update('stale').digest('hex'));
    const fresh = await begin(createHash('sha256').update('fresh').digest('hex'));
    const client = await backend.db.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local session_replication_role = replica'); // keep updated_at as set
      await client.query("update public.videos set created_at = now() - interval '2 days', updated_at = now() - interval '2 days' where id = $1", [stale.id]);
      await client.query('commit');
    } finally {
      client.release();
    }

    const asks = await alice.run(['gc']);
    expect(asks.exitCode).toBe(2);
    expect(asks.stderr).toMatch(/pass --yes/);
    expect(asks.stderr).toMatch(/1 upload unfinished for over a day/);

    const res = await alice.run(['gc', '--yes', '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(json<GcJson>(res)).toEqual({ queued_removed: 1, orphans_removed: 1, stale_uploads_removed: 1, deleted_users: null, uploads_ended: 0, storage_error: null });
    expect(res.stderr).toMatch(/1 file of deleted videos/);
    expect(res.stderr).toContain(orphan);
    expect(res.stderr).toMatch(/1 upload unfinished for over a day/);

    expect(await objectNames(backend, `${alice.user.id}/`)).toEqual([live.file_url]);
    const rows = json<VideoJson[]>(await alice.run(['video', 'ls', moduleId, '--json']));
    expect(rows.map((r) => r.id).sort()).toEqual([live.id, fresh.id].sort());
    expect(await queued(alice.user.id)).toEqual([]);

    const again = await alice.run(['gc', '--yes']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout.trim()).toBe('Nothing to clean up.');
    // Nothing to remove, nothing to confirm: no --yes needed.
    const nothing = await alice.run(['gc']);
    expect(nothing.exitCode, nothing.stderr).toBe(0);
    expect(nothing.stdout.trim()).toBe('Nothing to clean up.');
  });

  it("with the service-role key, also drains what deleted users left, and only theirs", async () => {
    const carol = await cliUser(backend, await backend.signedInUser());
    const carolModule = await sessionWithModule(carol, 'Leaving');
    const carolVideo = await uploaded(carol, carolModule.moduleId, 'carol.mp4');
    const carolStray = `${carol.user.id}/stray/${randomBytes(4).toString('hex')}.mp4`;
    await putObject(carolStray);
    const { error } = await backend.admin().auth.admin.deleteUser(carol.user.id);
    expect(error).toBeNull();
    expect(await queued(carol.user.id)).toEqual([carolVideo.file_url]);

    // A living user's queued path is theirs to drain, not the service gc's.
    const bobModule = await sessionWithModule(bob, 'Staying');
    const bobVideo = await uploaded(bob, bobModule.moduleId, 'bob.mp4');
    await deleteRowOnly(bobVideo.id);

    const res = await alice.run(['gc', '--yes', '--json'], { env: { SUPABASE_SERVICE_ROLE_KEY: backend.serviceRoleKey } });
    expect(res.exitCode, res.stderr).toBe(0);
    const result = json<GcJson>(res);
    expect(result.deleted_users).toEqual({ users: 1, queued_removed: 1, objects_removed: 1 });
    expect(await objectNames(backend, `${carol.user.id}/`)).toEqual([]);
    expect(await queued(carol.user.id)).toEqual([]);
    expect(await objectNames(backend, `${bob.user.id}/`)).toEqual([bobVideo.file_url]);
    expect(await queued(bob.user.id)).toEqual([bobVideo.file_url]);

    const bobs = await bob.run(['gc', '--yes', '--json']);
    expect(bobs.exitCode, bobs.stderr).toBe(0);
    expect(json<GcJson>(bobs).queued_removed).toBe(1);
    expect(await objectNames(backend, `${bob.user.id}/`)).toEqual([]);
  });
});
