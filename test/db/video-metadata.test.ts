// Video metadata (migration 20261206300000): the columns and their checks, begin_video's new
// parameters, the duration totals of list_sessions, session_tree and list_modules, and
// set_videos_media (migration 20261207000000): an import's metadata in one request.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { asAnon, asOperator, asServiceRole, asUser, createUser, freshDatabase, sqlState, type FreshDatabase, type TestUser } from '../support/db.js';
import { addModule, createSession, sha256Of } from './fixtures.js';

let db: FreshDatabase;
let alice: TestUser;
let bob: TestUser;
let olga: TestUser;

beforeAll(async () => {
  db = await freshDatabase();
  alice = await createUser(db.pool, { email: 'alice@example.com' });
  bob = await createUser(db.pool, { email: 'bob@example.com' });
  olga = await createUser(db.pool, { email: 'olga@example.com', operator: true });
});
afterAll(async () => {
  await db?.cleanup();
});

interface Media {
  duration_ms?: number | null;
  width?: number | null;
  height?: number | null;
  video_codec?: string | null;
  audio_codec?: string | null;
}

/** begin_video with named parameters, as PostgREST calls it. */
function begin(c: pg.PoolClient, moduleId: string, media: Media, file: { name?: string; sha256?: string } = {}) {
  return c.query(
    `select * from public.begin_video(p_module_id => $1, p_file_name => $2, p_file_size => 1000, p_sha256 => $3, p_mime_type => 'video/mp4',
       p_duration_ms => $4, p_width => $5, p_height => $6, p_video_codec => $7, p_audio_codec => $8)`,
    [moduleId, file.name ?? 'clip.mp4', file.sha256 ?? sha256Of(randomBytes(8).toString('hex')), media.duration_ms ?? null, media.width ?? null, media.height ?? null, media.video_codec ?? null, media.audio_codec ?? null],
  );
}

const lecture: Media = { duration_ms: 754_000, width: 1920, height: 1080, video_codec: 'h264', audio_codec: 'aac' };

describe('begin_video with metadata', () => {
  it('stores duration, frame size and codecs on the new row', async () => {
    const s = await createSession(db, alice);
    const m = await addModule(db, alice, s.id, 'M');
    const row = await asUser(db.api, alice, async (c) => (await begin(c, m.id, lecture)).rows[0]);
    expect(row).toMatchObject(lecture);
  });

  it('still takes the five documented parameters alone (metadata null)', async () => {
    const s = await createSession(db, alice);
    const m = await addModule(db, alice, s.id, 'M');
    const row = await asUser(db.api, alice, async (c) =>
      (await c.query(`select * from public.begin_video($1, 'a.mp4', 10, $2, 'video/mp4')`, [m.id, sha256Of('x')])).rows[0],
    );
    expect(row).toMatchObject({ duration_ms: null, width: null, height: null, video_codec: null, audio_codec: null });
  });

  it('fills in the metadata of an existing row for the same bytes that has none', async () => {
    const s = await createSession(db, alice);
    const m = await addModule(db, alice, s.id, 'M');
    const sha256 = sha256Of('old upload');
    const first = await asUser(db.api, alice, async (c) => (await begin(c, m.id, {}, { sha256 })).rows[0]);
    const again = await asUser(db.api, alice, async (c) => (await begin(c, m.id, lecture, { sha256 })).rows[0]);
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject(lecture);
    // Known metadata is not overwritten by a later call.
    const third = await asUser(db.api, alice, async (c) => (await begin(c, m.id, { ...lecture, duration_ms: 1 }, { sha256 })).rows[0]);
    expect(third.duration_ms).toBe(754_000);
  });

  it.each([
    [{ duration_ms: -1 }],
    [{ duration_ms: 604_800_001 }],
    [{ width: 1920 }],
    [{ width: 0, height: 1080 }],
    [{ width: 1920, height: 20_000 }],
    [{ video_codec: 'H.264' }],
    [{ audio_codec: 'a'.repeat(33) }],
  ])('refuses %j with 22023', async (media) => {
    const s = await createSession(db, alice);
    const m = await addModule(db, alice, s.id, 'M');
    expect(await sqlState(asUser(db.api, alice, (c) => begin(c, m.id, media)))).toBe('22023');
  });

  it('has table checks for writes that bypass begin_video', async () => {
    const s = await createSession(db, alice);
    const m = await addModule(db, alice, s.id, 'M');
    const row = await asUser(db.api, alice, async (c) => (await begin(c, m.id, lecture)).rows[0]);
    for (const set of ['duration_ms = -5', 'width = null', 'height = 0, width = 0', "video_codec = ''", "audio_codec = 'AAC'"]) {
      expect(await sqlState(asUser(db.api, alice, (c) => c.query(`update public.videos set ${set} where id = $1`, [row.id])))).toBe('23514');
    }
  });
});

describe('duration totals', () => {
  it('session_tree, list_sessions and list_modules sum the known durations in the database', async () => {
    const s = await createSession(db, alice, { name: 'Course with length' });
    const m1 = await addModule(db, alice, s.id, 'One');
    const m2 = await addModule(db, alice, s.id, 'Two');
    const m3 = await addModule(db, alice, s.id, 'Empty');
    const m4 = await addModule(db, alice, s.id, 'Unknown');
    await asUser(db.api, alice, async (c) => {
      await begin(c, m1.id, { duration_ms: 60_000, width: 1280, height: 720, video_codec: 'vp9', audio_codec: 'opus' });
      await begin(c, m1.id, { duration_ms: 1_500 });
      await begin(c, m2.id, lecture);
      await begin(c, m2.id, {}); // an AVI: length unknown
      await begin(c, m4.id, {});
    });

    const tree = await asUser(db.api, alice, async (c) => (await c.query('select public.session_tree($1) as t', [s.id])).rows[0].t);
    expect(tree.duration_ms).toBe(60_000 + 1_500 + 754_000);
    expect(tree.modules.map((m: { name: string; duration_ms: number | null }) => [m.name, m.duration_ms])).toEqual([
      ['One', 61_500],
      ['Two', 754_000],
      ['Empty', 0],
      ['Unknown', null],
    ]);
    expect(tree.modules[0].videos[0]).toMatchObject({ duration_ms: 60_000, width: 1280, height: 720, video_codec: 'vp9', audio_codec: 'opus' });
    expect(tree.modules[1].videos[1]).toMatchObject({ duration_ms: null, width: null, height: null, video_codec: null, audio_codec: null });

    const page = await asUser(db.api, alice, async (c) => (await c.query('select public.list_sessions() as r')).rows[0].r);
    const summary = page.sessions.find((x: { id: string }) => x.id === s.id);
    expect(summary).toMatchObject({ module_count: 4, video_count: 5, total_bytes: 5000, duration_ms: 815_500 });

    const modules = await asUser(db.api, alice, async (c) => (await c.query('select public.list_modules($1) as r', [s.id])).rows[0].r);
    expect(modules.map((m: Record<string, unknown>) => [m.id, m.name, m.order_index, m.video_count, m.total_bytes, m.duration_ms])).toEqual([
      [m1.id, 'One', 0, 2, 2000, 61_500],
      [m2.id, 'Two', 1, 2, 2000, 754_000],
      [m3.id, 'Empty', 2, 0, 0, 0],
      [m4.id, 'Unknown', 3, 1, 1000, null],
    ]);
    expect(Object.keys(modules[0]).sort()).toEqual(
      ['created_at', 'duration_ms', 'id', 'key', 'name', 'order_index', 'session_id', 'total_bytes', 'updated_at', 'user_id', 'video_count'],
    );

    // An operator reads the same totals; another author sees nothing.
    const asOperator = await asUser(db.api, olga, async (c) => (await c.query('select public.list_modules($1) as r', [s.id])).rows[0].r);
    expect(asOperator).toEqual(modules);
    expect(await sqlState(asUser(db.api, bob, (c) => c.query('select public.list_modules($1)', [s.id])))).toBe('PT404');
    expect(await sqlState(asUser(db.api, alice, (c) => c.query('select public.list_modules($1)', [randomUUID()])))).toBe('PT404');
  });

  it('an empty session has a length of 0', async () => {
    const s = await createSession(db, alice);
    const tree = await asUser(db.api, alice, async (c) => (await c.query('select public.session_tree($1) as t', [s.id])).rows[0].t);
    expect(tree.duration_ms).toBe(0);
    expect(await asUser(db.api, alice, async (c) => (await c.query('select public.list_modules($1) as r', [s.id])).rows[0].r)).toEqual([]);
  });
});

describe('set_videos_media', () => {
  const webm: Media = { duration_ms: 2_007, width: 160, height: 120, video_codec: 'vp9', audio_codec: 'opus' };
  const columns = 'duration_ms, width, height, video_codec, audio_codec';
  const none: Media = { duration_ms: null, width: null, height: null, video_codec: null, audio_codec: null };

  async function rowsWithout(user: TestUser, n: number): Promise<string[]> {
    const s = await createSession(db, user);
    const m = await addModule(db, user, s.id, 'M');
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await asUser(db.api, user, async (c) => (await begin(c, m.id, {}, { name: `v${i}.mp4` })).rows[0])).id);
    return ids;
  }

  async function media(id: string): Promise<Media> {
    return (await db.pool.query(`select ${columns} from public.videos where id = $1`, [id])).rows[0];
  }

  function set(c: pg.PoolClient, videos: unknown): Promise<number> {
    return c.query('select public.set_videos_media($1::jsonb) as n', [JSON.stringify(videos)]).then((r) => r.rows[0].n);
  }

  it('joins its list to the videos by hash, as import_session does (a nested loop made 10,000 rows time out)', async () => {
    const { rows } = await db.pool.query(
      `select p.proconfig from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' and p.proname = 'set_videos_media'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].proconfig).toEqual(expect.arrayContaining(['search_path=""', 'enable_nestloop=off']));
  });

  it('fills the metadata of many of the owner\'s rows in one call, and answers how many changed', async () => {
    const ids = await rowsWithout(alice, 3);
    const n = await asUser(db.api, alice, (c) =>
      set(c, [
        { id: ids[0], ...lecture },
        { id: ids[1], ...webm },
        { id: ids[2], duration_ms: 1_046, width: 160, height: 90, video_codec: 'h264', audio_codec: null },
      ]),
    );
    expect(n).toBe(3);
    expect(await media(ids[0]!)).toEqual(lecture);
    expect(await media(ids[1]!)).toEqual(webm);
    expect(await media(ids[2]!)).toEqual({ duration_ms: 1_046, width: 160, height: 90, video_codec: 'h264', audio_codec: null });
  });

  it('never overwrites metadata a row has, and takes the first of an id given twice', async () => {
    const [known, fresh] = await rowsWithout(alice, 2);
    await asUser(db.api, alice, (c) => set(c, [{ id: known, ...lecture }]));
    const n = await asUser(db.api, alice, (c) => set(c, [{ id: known, ...webm }, { id: fresh, ...webm }, { id: fresh, ...lecture }]));
    expect(n).toBe(1);
    expect(await media(known!)).toEqual(lecture);
    expect(await media(fresh!)).toEqual(webm);
    expect(await asUser(db.api, alice, (c) => set(c, []))).toBe(0);
  });

  it('leaves other authors\' rows alone, also for an operator, and the service role changes none', async () => {
    const [bobs] = await rowsWithout(bob, 1);
    expect(await asUser(db.api, alice, (c) => set(c, [{ id: bobs, ...lecture }]))).toBe(0);
    expect(await asOperator(db.api, olga, (c) => set(c, [{ id: bobs, ...lecture }]))).toBe(0);
    expect(await sqlState(asServiceRole(db.api, (c) => set(c, [{ id: bobs, ...lecture }])))).toBe('42501');
    expect(await media(bobs!)).toEqual(none);
    // Unknown ids are skipped too.
    expect(await asUser(db.api, alice, (c) => set(c, [{ id: randomUUID(), ...lecture }]))).toBe(0);
  });

  it('is not callable without signing in', async () => {
    const [id] = await rowsWithout(alice, 1);
    expect(await sqlState(asAnon(db.api, (c) => set(c, [{ id, ...lecture }])))).toBe('42501');
    const grants = await db.pool.query(
      `select r.rolname, has_function_privilege(r.rolname, 'public.set_videos_media(jsonb)', 'execute') as can
       from pg_roles r where r.rolname in ('anon', 'authenticated', 'public') order by r.rolname`,
    );
    expect(grants.rows).toEqual([
      { rolname: 'anon', can: false },
      { rolname: 'authenticated', can: true },
    ]);
    expect(await media(id!)).toEqual(none);
  });

  it.each([
    [{ duration_ms: -1 }, '23514'],
    [{ duration_ms: 1_000, width: 1920 }, '23514'],
    [{ duration_ms: 1_000, width: 1920, height: 20_000 }, '23514'],
    [{ duration_ms: 1_000, video_codec: 'H.264' }, '23514'],
    [{ duration_ms: 1.5 }, '22P02'],
  ])('refuses %j with the table checks (%s), writing nothing', async (bad, state) => {
    const [ok, wrong] = await rowsWithout(alice, 2);
    expect(await sqlState(asUser(db.api, alice, (c) => set(c, [{ id: ok, ...lecture }, { id: wrong, ...bad }])))).toBe(state);
    expect(await media(ok!)).toEqual(none);
  });

  it.each([[{}], ['not an array'], [[1]], [[{ id: 'nope' }]], [[{ duration_ms: 5 }]]])('refuses p_videos %j with 22023', async (videos) => {
    expect(await sqlState(asUser(db.api, alice, (c) => set(c, videos)))).toBe('22023');
  });
});
