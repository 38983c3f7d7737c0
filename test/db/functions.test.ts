// The API functions: list_sessions, session_tree, resolve_id, begin_video, finish_video,
// upload_limits; and static checks over every function body.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { asServiceRole, asUser, createUser, freshDatabase, sqlState, type FreshDatabase, type TestUser } from '../support/db.js';
import { addModule, beginVideo, createSession, sha256Of, storeObject } from './fixtures.js';
import { VIDEO_MAX_BYTES, VIDEO_MIME_TYPES } from '../../src/base/constants.js';

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

interface Page {
  sessions: Array<Record<string, unknown> & { id: string; name: string }>;
  next_cursor: string | null;
}

function listSessions(user: TestUser, args: { limit?: number; after?: string | null; everyone?: boolean; owner?: string | null } = {}): Promise<Page> {
  return asUser(db.api, user, async (c) =>
    (await c.query('select public.list_sessions($1, $2, $3, $4) as r', [args.limit ?? 50, args.after ?? null, args.everyone ?? false, args.owner ?? null])).rows[0].r);
}

describe('list_sessions', () => {
  let aliceIds: string[] = [];
  beforeAll(async () => {
    // 7 sessions for alice with distinct updated_at, newest first afterwards; 2 for bob.
    for (let i = 0; i < 7; i++) {
      const s = await createSession(db, alice, { name: `A${i}` });
      await db.pool.query(`update public.sessions set updated_at = now() - make_interval(mins => $2) where id = $1`, [s.id, 100 - i]);
      aliceIds.push(s.id);
    }
    aliceIds = aliceIds.reverse();
    const m = await addModule(db, alice, aliceIds[0]!, 'm1');
    await addModule(db, alice, aliceIds[0]!, 'm2');
    await beginVideo(db, alice, m.id, { size: 3 * 1024 ** 3 });
    await beginVideo(db, alice, m.id, { size: 1000 });
    // Adding modules touched nothing on the session row; put it back on top explicitly.
    await db.pool.query(`update public.sessions set updated_at = now() where id = $1`, [aliceIds[0]]);
    for (let i = 0; i < 2; i++) await createSession(db, bob, { name: `B${i}` });
  });

  it("returns only the caller's sessions, newest first, with counts and bytes", async () => {
    const page = await listSessions(alice);
    expect(page.sessions.map((s) => s.id)).toEqual(aliceIds);
    expect(page.next_cursor).toBeNull();
    expect(page.sessions[0]).toMatchObject({ name: 'A6', module_count: 2, video_count: 2, total_bytes: 3 * 1024 ** 3 + 1000, owner_email: 'alice@example.com', session_type: 'Linear Flow', key: null });
    expect(page.sessions[1]).toMatchObject({ module_count: 0, video_count: 0, total_bytes: 0 });
    expect(Object.keys(page.sessions[0]!).sort()).toEqual(['created_at', 'duration_ms', 'id', 'key', 'module_count', 'name', 'owner_email', 'session_type', 'total_bytes', 'updated_at', 'video_count']);
  });

  it('pages with an opaque keyset cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await listSessions(alice, { limit: 3, after: cursor });
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.next_cursor;
      pages++;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(aliceIds);
  });

  it('an exact page has no next cursor', async () => {
    const page = await listSessions(alice, { limit: 7 });
    expect(page.sessions).toHaveLength(7);
    expect(page.next_cursor).toBeNull();
  });

  it('keeps paging right across equal updated_at values', async () => {
    const carol = await createUser(db.pool, { email: 'carol@example.com' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createSession(db, carol, { name: `C${i}` })).id);
    await db.pool.query(`update public.sessions set updated_at = '2026-01-01T00:00:00.123456Z' where user_id = $1`, [carol.id]);
    const first = await listSessions(carol, { limit: 2 });
    const second = await listSessions(carol, { limit: 2, after: first.next_cursor });
    const third = await listSessions(carol, { limit: 2, after: second.next_cursor });
    const all = [...first.sessions, ...second.sessions, ...third.sessions].map((s) => s.id);
    expect(all).toEqual([...ids].sort().reverse());
    expect(third.next_cursor).toBeNull();
  });

  it('refuses everyone/owner listing to non-operators with 42501', async () => {
    expect(await sqlState(listSessions(alice, { everyone: true }))).toBe('42501');
    expect(await sqlState(listSessions(alice, { owner: 'bob@example.com' }))).toBe('42501');
  });

  it('gives operators everyone, or one author by email (case-insensitive)', async () => {
    const everyone = await listSessions(olga, { everyone: true, limit: 1000 });
    expect(everyone.sessions.filter((s) => s.owner_email === 'bob@example.com')).toHaveLength(2);
    expect(everyone.sessions.filter((s) => s.owner_email === 'alice@example.com')).toHaveLength(7);
    const bobs = await listSessions(olga, { owner: 'BOB@example.com' });
    expect(bobs.sessions.map((s) => s.name).sort()).toEqual(['B0', 'B1']);
    const nobody = await listSessions(olga, { owner: 'nobody@example.com' });
    expect(nobody).toEqual({ sessions: [], next_cursor: null });
    const own = await listSessions(olga);
    expect(own.sessions).toEqual([]);
  });

  it.each([0, -1, 1001])('refuses limit %i with 22023', async (limit) => {
    expect(await sqlState(listSessions(alice, { limit }))).toBe('22023');
  });

  it.each(['garbage', 'eyJ1IjoxfQ', '!!!!'])('refuses the cursor %s with 22023', async (after) => {
    expect(await sqlState(listSessions(alice, { after }))).toBe('22023');
  });

  it('uses the owner index under RLS (no sequential scan on sessions)', async () => {
    const plan = await asUser(db.api, alice, async (c) => {
      const { rows } = await c.query(
        `explain (format json) select s.* from public.sessions s where s.user_id = $1 and (s.updated_at, s.id) < ('infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff') order by s.updated_at desc, s.id desc limit 51`,
        [alice.id],
      );
      return JSON.stringify(rows[0]['QUERY PLAN']);
    }, { rollback: true });
    expect(plan).toContain('sessions_user_id_updated_at_id_idx');
  });
});

describe('session_tree', () => {
  // Metadata of videos begun without it (migration 20261206300000).
  const noMedia = { duration_ms: null, width: null, height: null, video_codec: null, audio_codec: null };
  it('returns modules and videos in order as one value', async () => {
    const s = await createSession(db, alice, { name: 'Tree', key: 'tree' });
    const m1 = await addModule(db, alice, s.id, 'First', null, 'first');
    const m2 = await addModule(db, alice, s.id, 'Second');
    const m0 = await addModule(db, alice, s.id, 'Zeroth', 0);
    const v1 = await beginVideo(db, alice, m1.id, { name: 'one.mp4' });
    const v2 = await beginVideo(db, alice, m1.id, { name: 'two.mov', mime: 'video/quicktime' });
    await asUser(db.api, alice, (c) => c.query('select public.move_video($1, 0)', [v2.id]));
    const tree = await asUser(db.api, alice, async (c) => (await c.query('select public.session_tree($1) as t', [s.id])).rows[0].t);
    expect(tree).toEqual({
      id: s.id,
      name: 'Tree',
      session_type: 'Linear Flow',
      key: 'tree',
      duration_ms: null,
      modules: [
        { id: m0.id, name: 'Zeroth', key: null, order_index: 0, duration_ms: 0, videos: [] },
        {
          id: m1.id, name: 'First', key: 'first', order_index: 1, duration_ms: null,
          videos: [
            { id: v2.id, key: null, file_name: 'two.mov', file_size: 1048576, mime_type: 'video/quicktime', sha256: v2.sha256, status: 'uploading', order_index: 0, file_url: v2.file_url, ...noMedia },
            { id: v1.id, key: null, file_name: 'one.mp4', file_size: 1048576, mime_type: 'video/mp4', sha256: v1.sha256, status: 'uploading', order_index: 1, file_url: v1.file_url, ...noMedia },
          ],
        },
        { id: m2.id, name: 'Second', key: null, order_index: 2, duration_ms: 0, videos: [] },
      ],
    });
    const asOperator = await asUser(db.api, olga, async (c) => (await c.query('select public.session_tree($1) as t', [s.id])).rows[0].t);
    expect(asOperator).toEqual(tree);
  });
  it("raises PT404 for another user's session and a missing one", async () => {
    const s = await createSession(db, alice);
    expect(await sqlState(asUser(db.api, bob, (c) => c.query('select public.session_tree($1)', [s.id])))).toBe('PT404');
    expect(await sqlState(asUser(db.api, alice, (c) => c.query('select public.session_tree($1)', [randomUUID()])))).toBe('PT404');
  });
});

describe('resolve_id', () => {
  const resolve = (user: TestUser, kind: string, ref: string) =>
    asUser(db.api, user, async (c) => (await c.query('select public.resolve_id($1, $2) as r', [kind, ref])).rows[0].r as Array<{ id: string; name: string }>);
  const ids = { s1: 'abcd1111-0000-4000-8000-000000000001', s2: 'abcd2222-0000-4000-8000-000000000002', bobS: 'abcd3333-0000-4000-8000-000000000003' };
  beforeAll(async () => {
    await asUser(db.api, alice, (c) => c.query(`insert into public.sessions (id, name, key) values ($1, 'Resolve one', 'res-one'), ($2, 'Resolve two', null)`, [ids.s1, ids.s2]));
    await asUser(db.api, bob, (c) => c.query(`insert into public.sessions (id, name) values ($1, 'Resolve one')`, [ids.bobS]));
  });
  it('finds a session by full id', async () => {
    expect(await resolve(alice, 'session', ids.s1)).toEqual([{ id: ids.s1, name: 'Resolve one' }]);
  });
  it('finds a session by a unique prefix (case-insensitive)', async () => {
    expect(await resolve(alice, 'session', 'ABCD1')).toEqual([{ id: ids.s1, name: 'Resolve one' }]);
  });
  it('lists every candidate of an ambiguous prefix', async () => {
    expect(await resolve(alice, 'session', 'abcd')).toEqual([{ id: ids.s1, name: 'Resolve one' }, { id: ids.s2, name: 'Resolve two' }]);
  });
  it('needs at least 4 characters for a prefix', async () => {
    expect(await resolve(alice, 'session', 'abc')).toEqual([]);
  });
  it('finds a session by exact name or key, only among the caller\'s own', async () => {
    expect(await resolve(alice, 'session', 'Resolve one')).toEqual([{ id: ids.s1, name: 'Resolve one' }]);
    expect(await resolve(alice, 'session', 'res-one')).toEqual([{ id: ids.s1, name: 'Resolve one' }]);
    expect(await resolve(alice, 'session', 'resolve one')).toEqual([]);
    expect(await resolve(bob, 'session', 'Resolve one')).toEqual([{ id: ids.bobS, name: 'Resolve one' }]);
  });
  it("does not see another user's rows; operators see all", async () => {
    expect(await resolve(bob, 'session', ids.s1)).toEqual([]);
    expect(await resolve(olga, 'session', 'Resolve one')).toHaveLength(2);
  });
  it('resolves modules and videos by id and prefix, never by name', async () => {
    const m = await addModule(db, alice, ids.s1, 'Mod');
    const v = await beginVideo(db, alice, m.id, { name: 'film.mp4' });
    expect(await resolve(alice, 'module', m.id)).toEqual([{ id: m.id, name: 'Mod' }]);
    expect(await resolve(alice, 'module', m.id.slice(0, 8))).toEqual([{ id: m.id, name: 'Mod' }]);
    expect(await resolve(alice, 'module', 'Mod')).toEqual([]);
    expect(await resolve(alice, 'video', v.id.slice(0, 6))).toEqual([{ id: v.id, name: 'film.mp4' }]);
    expect(await resolve(bob, 'video', v.id)).toEqual([]);
  });
  it('refuses an unknown kind with 22023', async () => {
    expect(await sqlState(resolve(alice, 'course', 'x'))).toBe('22023');
  });
  it('treats LIKE wildcards in a reference literally', async () => {
    expect(await resolve(alice, 'session', 'ab%_')).toEqual([]);
  });
});

describe('begin_video and finish_video', () => {
  let moduleId: string;
  let sessionId: string;
  beforeAll(async () => {
    const s = await createSession(db, alice);
    sessionId = s.id;
    moduleId = (await addModule(db, alice, s.id, 'Uploads')).id;
  });

  it('creates an uploading row whose file_url is an ASCII path under the owner', async () => {
    const v = await beginVideo(db, alice, moduleId, { name: 'Überblick #1 [final] 100%.MP4', size: 1234 });
    expect(v.status).toBe('uploading');
    expect(v.file_name).toBe('Überblick #1 [final] 100%.MP4');
    expect(v.file_url).toBe(`${alice.id}/${sessionId}/${moduleId}/${v.id}/berblick-1-final-100.mp4`);
    expect(v.file_size).toBe('1234');
  });

  it('twice with the same bytes returns the same row', async () => {
    const sha = sha256Of('same bytes');
    const first = await beginVideo(db, alice, moduleId, { name: 'same.mp4', sha256: sha, size: 777 });
    const second = await beginVideo(db, alice, moduleId, { name: 'renamed.mp4', sha256: sha.toUpperCase(), size: 777 });
    expect(second.id).toBe(first.id);
    expect(second.order_index).toBe(first.order_index);
    const { rows } = await db.pool.query('select count(*)::int as n from public.videos where sha256 = $1', [sha]);
    expect(rows[0].n).toBe(1);
  });

  it('the same bytes in another module are a new row', async () => {
    const sha = sha256Of('shared');
    const a = await beginVideo(db, alice, moduleId, { sha256: sha });
    const other = await addModule(db, alice, sessionId, 'Other');
    const b = await beginVideo(db, alice, other.id, { sha256: sha });
    expect(b.id).not.toBe(a.id);
  });

  it.each([
    ['a size over the bucket limit', { size: 53687091201 }, '22023'],
    ['a zero size', { size: 0 }, '22023'],
    ['a non-video MIME type', { mime: 'application/x-msdownload' }, '22023'],
    ['a malformed sha256', { sha256: 'xyz' }, '22023'],
    ['a blank name', { name: '   ' }, '23514'],
  ])('refuses %s', async (_label, file, code) => {
    expect(await sqlState(beginVideo(db, alice, moduleId, file))).toBe(code);
  });

  it('names the allowed range in the size error', async () => {
    const err = await beginVideo(db, alice, moduleId, { size: 53687091201 }).catch((e: pg.DatabaseError) => e) as pg.DatabaseError;
    expect(err.message).toBe('file_size 53687091201 is out of range: use 1..53687091200');
  });

  it("refuses another user's module and an operator with PT404", async () => {
    expect(await sqlState(beginVideo(db, bob, moduleId))).toBe('PT404');
    expect(await sqlState(beginVideo(db, olga, moduleId))).toBe('PT404');
  });

  it('finish_video needs the object of the row\'s size, then takes the type from its metadata', async () => {
    const v = await beginVideo(db, alice, moduleId, { name: 'finish.mov', size: 512, mime: 'video/quicktime' });
    expect(await sqlState(asUser(db.api, alice, (c) => c.query('select * from public.finish_video($1)', [v.id])))).toBe('PT409');
    await storeObject(db.pool, v.file_url, { size: 512, mimetype: 'video/mp4', eTag: '"x"' }, alice.id);
    const done = await asUser(db.api, alice, async (c) => (await c.query('select * from public.finish_video($1)', [v.id])).rows[0]);
    expect(done).toMatchObject({ id: v.id, status: 'ready', file_size: '512', mime_type: 'video/mp4' });
    const again = await asUser(db.api, alice, async (c) => (await c.query('select * from public.finish_video($1)', [v.id])).rows[0]);
    expect(again.status).toBe('ready');
    const resumed = await beginVideo(db, alice, moduleId, { sha256: v.sha256, size: 512 });
    expect(resumed).toMatchObject({ id: v.id, status: 'ready' });
  });

  it("finish_video refuses another user's video", async () => {
    const v = await beginVideo(db, alice, moduleId);
    await storeObject(db.pool, v.file_url, { size: 10, mimetype: 'video/mp4' }, alice.id);
    expect(await sqlState(asUser(db.api, bob, (c) => c.query('select * from public.finish_video($1)', [v.id])))).toBe('PT404');
  });

  it('upload_limits returns the bucket values', async () => {
    const limits = await asUser(db.api, alice, async (c) => (await c.query('select public.upload_limits() as l')).rows[0].l);
    const bucket = (await db.pool.query(`select file_size_limit, allowed_mime_types from storage.buckets where id = 'videos'`)).rows[0];
    expect(limits).toEqual({ file_size_limit: Number(bucket.file_size_limit), allowed_mime_types: bucket.allowed_mime_types });
    expect(limits).toEqual({
      file_size_limit: VIDEO_MAX_BYTES,
      allowed_mime_types: [...VIDEO_MIME_TYPES],
    });
    const service = await asServiceRole(db.api, async (c) => (await c.query('select public.upload_limits() as l')).rows[0].l);
    expect(service).toEqual(limits);
  });
});

describe('function definitions', () => {
  const api = ['add_module', 'move_module', 'remove_module', 'move_video', 'remove_video', 'list_sessions', 'list_modules', 'session_tree', 'resolve_id',
    'begin_video', 'finish_video', 'claim_deleted_objects', 'ack_deleted_objects', 'upload_limits',
    'move_module_to', 'move_video_to', 'resolve_refs'];

  it('exist with exactly the documented signatures and results', async () => {
    const { rows } = await db.pool.query(
      `select p.proname, pg_get_function_arguments(p.oid) as args, pg_get_function_result(p.oid) as result
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'public' and p.proname = any($1) order by p.proname`,
      [api],
    );
    expect(rows).toEqual([
      { proname: 'ack_deleted_objects', args: 'p_paths text[]', result: 'void' },
      { proname: 'add_module', args: 'p_session_id uuid, p_name text, p_order_index integer DEFAULT NULL::integer, p_key text DEFAULT NULL::text', result: 'modules' },
      {
        proname: 'begin_video',
        args: 'p_module_id uuid, p_file_name text, p_file_size bigint, p_sha256 text, p_mime_type text, p_duration_ms integer DEFAULT NULL::integer, ' +
          'p_width integer DEFAULT NULL::integer, p_height integer DEFAULT NULL::integer, p_video_codec text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text',
        result: 'videos',
      },
      { proname: 'claim_deleted_objects', args: 'p_limit integer DEFAULT 1000', result: 'text[]' },
      { proname: 'finish_video', args: 'p_video_id uuid, p_sha256 text DEFAULT NULL::text, p_probe_sha256 text DEFAULT NULL::text', result: 'videos' },
      { proname: 'list_modules', args: 'p_session_id uuid', result: 'jsonb' },
      { proname: 'list_sessions', args: 'p_limit integer DEFAULT 50, p_after text DEFAULT NULL::text, p_everyone boolean DEFAULT false, p_owner_email text DEFAULT NULL::text', result: 'jsonb' },
      { proname: 'move_module', args: 'p_module_id uuid, p_order_index integer', result: 'SETOF modules' },
      { proname: 'move_module_to', args: 'p_module_id uuid, p_order_index integer DEFAULT NULL::integer, p_first boolean DEFAULT false, p_last boolean DEFAULT false, p_before uuid DEFAULT NULL::uuid, p_after uuid DEFAULT NULL::uuid, p_session text DEFAULT NULL::text', result: 'jsonb' },
      { proname: 'move_video', args: 'p_video_id uuid, p_order_index integer', result: 'SETOF videos' },
      { proname: 'move_video_to', args: 'p_video_id uuid, p_order_index integer DEFAULT NULL::integer, p_first boolean DEFAULT false, p_last boolean DEFAULT false, p_before uuid DEFAULT NULL::uuid, p_after uuid DEFAULT NULL::uuid', result: 'jsonb' },
      { proname: 'remove_module', args: 'p_module_id uuid', result: 'void' },
      { proname: 'remove_video', args: 'p_video_id uuid', result: 'void' },
      { proname: 'resolve_id', args: 'p_kind text, p_ref text', result: 'jsonb' },
      { proname: 'resolve_refs', args: 'p_kind text, p_refs text[], p_session text DEFAULT NULL::text', result: 'jsonb' },
      { proname: 'session_tree', args: 'p_session_id uuid', result: 'jsonb' },
      { proname: 'upload_limits', args: '', result: 'jsonb' },
    ]);
  });

  it('are SECURITY INVOKER with search_path pinned to empty', async () => {
    const { rows } = await db.pool.query(
      `select p.proname, p.prosecdef, p.proconfig from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'public' and p.proname = any($1)`,
      [api],
    );
    expect(rows).toHaveLength(api.length);
    for (const r of rows) expect({ name: r.proname, definer: r.prosecdef, config: r.proconfig }).toEqual({ name: r.proname, definer: false, config: ['search_path=""'] });
  });

  it('every function in public and private pins its search_path', async () => {
    const { rows } = await db.pool.query(
      `select n.nspname || '.' || p.proname as fn from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        left join pg_depend d on d.objid = p.oid and d.deptype = 'e'
        where n.nspname in ('public', 'private') and d.objid is null
          and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')`,
    );
    expect(rows).toEqual([]);
  });

  it('no function body has an UPDATE or DELETE without WHERE', async () => {
    const { rows } = await db.pool.query(
      `select n.nspname || '.' || p.proname as fn, p.prosrc from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        left join pg_depend d on d.objid = p.oid and d.deptype = 'e'
        where n.nspname in ('public', 'private') and d.objid is null and p.prolang in (select oid from pg_language where lanname in ('sql', 'plpgsql'))`,
    );
    expect(rows.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const { fn, prosrc } of rows as Array<{ fn: string; prosrc: string }>) {
      const body = prosrc.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''");
      for (const statement of body.split(';')) {
        const s = statement.toLowerCase();
        if (/\b(update\s+[\w."]+(\s+(as\s+)?\w+)?\s+set|delete\s+from)\b/.test(s) && !/\bwhere\b/.test(s.slice(s.search(/\b(update|delete)\b/)))) {
          offenders.push(`${fn}: ${statement.trim().slice(0, 80)}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the static check catches an UPDATE without WHERE', () => {
    const s = 'update public.modules m set order_index = 0'.toLowerCase();
    expect(/\b(update\s+[\w."]+(\s+(as\s+)?\w+)?\s+set|delete\s+from)\b/.test(s) && !/\bwhere\b/.test(s)).toBe(true);
  });
});
