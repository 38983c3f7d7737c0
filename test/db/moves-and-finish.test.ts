// move_module_to / move_video_to (the target as people say it, one call), resolve_refs (several refs
// in one call), and begin_video / finish_video with the sha256 known only at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { asServiceRole, asUser, createUser, freshDatabase, sqlState, type FreshDatabase, type TestUser } from '../support/db.js';
import { addModule, beginVideo, createSession, moduleOrder, sha256Of, videoOrder } from './fixtures.js';

let db: FreshDatabase;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  db = await freshDatabase();
  alice = await createUser(db.pool, { email: 'alice@example.com' });
  bob = await createUser(db.pool, { email: 'bob@example.com' });
});
afterAll(async () => {
  await db?.cleanup();
});

async function sessionWith(names: string[], fields: { name?: string; key?: string } = {}): Promise<{ sessionId: string; ids: Record<string, string> }> {
  const session = await createSession(db, alice, fields);
  const ids: Record<string, string> = {};
  for (const n of names) ids[n] = (await addModule(db, alice, session.id, n)).id;
  return { sessionId: session.id, ids };
}

type Target = { to?: number; first?: boolean; last?: boolean; before?: string; after?: string; session?: string };

async function moveModuleTo(user: TestUser, moduleId: string, t: Target): Promise<Record<string, unknown>> {
  return asUser(db.api, user, async (c) => {
    const { rows } = await c.query<{ r: Record<string, unknown> }>(
      'select public.move_module_to(p_module_id => $1, p_order_index => $2, p_first => $3, p_last => $4, p_before => $5, p_after => $6, p_session => $7) as r',
      [moduleId, t.to ?? null, t.first ?? false, t.last ?? false, t.before ?? null, t.after ?? null, t.session ?? null],
    );
    return rows[0]!.r;
  });
}

const order = async (sessionId: string) => (await moduleOrder(db.pool, sessionId)).map((r: { name: string }) => r.name);

describe('move_module_to', () => {
  it.each<[string, (ids: Record<string, string>) => [string, Target], string[]]>([
    ['--first', (ids) => [ids.c!, { first: true }], ['c', 'a', 'b', 'd']],
    ['--last', (ids) => [ids.a!, { last: true }], ['b', 'c', 'd', 'a']],
    ['--to 2 (index 1)', (ids) => [ids.d!, { to: 1 }], ['a', 'd', 'b', 'c']],
    ['--before an earlier module', (ids) => [ids.d!, { before: ids.b! }], ['a', 'd', 'b', 'c']],
    ['--before a later module', (ids) => [ids.a!, { before: ids.d! }], ['b', 'c', 'a', 'd']],
    ['--after an earlier module', (ids) => [ids.d!, { after: ids.a! }], ['a', 'd', 'b', 'c']],
    ['--after a later module', (ids) => [ids.a!, { after: ids.c! }], ['b', 'c', 'a', 'd']],
    ['--after the last', (ids) => [ids.b!, { after: ids.d! }], ['a', 'c', 'd', 'b']],
  ])('%s', async (_label, pick, expected) => {
    const { sessionId, ids } = await sessionWith(['a', 'b', 'c', 'd']);
    const [id, target] = pick(ids);
    const moved = await moveModuleTo(alice, id, target);
    expect(await order(sessionId)).toEqual(expected);
    // Only what a confirmation needs: the moved module, where it is now, how many there are.
    expect(Object.keys(moved).sort()).toEqual(['count', 'id', 'key', 'name', 'order_index', 'previous_order_index', 'session_id']);
    expect(moved).toMatchObject({ id, count: 4, order_index: expected.indexOf(moved.name as string) });
  });

  it('checks the session as typed: id, prefix, name or key; another session is not found', async () => {
    const { sessionId, ids } = await sessionWith(['a', 'b'], { name: 'Course A', key: 'course-a' });
    for (const session of [sessionId, sessionId.slice(0, 6), 'Course A', 'course-a']) {
      await moveModuleTo(alice, ids.a!, { last: true, session });
    }
    const other = await sessionWith(['x']);
    expect(await sqlState(moveModuleTo(alice, ids.a!, { first: true, session: other.sessionId }))).toBe('PT404');
    expect(await sqlState(moveModuleTo(alice, ids.a!, { before: other.ids.x! }))).toBe('PT404');
  });

  it('refuses no target, two targets, out of range (naming 0..n-1) and before itself', async () => {
    const { ids } = await sessionWith(['a', 'b', 'c']);
    expect(await sqlState(moveModuleTo(alice, ids.a!, {}))).toBe('22023');
    expect(await sqlState(moveModuleTo(alice, ids.a!, { first: true, to: 1 }))).toBe('22023');
    const err = (await moveModuleTo(alice, ids.a!, { to: 3 }).catch((e: unknown) => e)) as pg.DatabaseError;
    expect(err.code).toBe('22023');
    expect(err.message).toBe('order_index 3 is out of range: use 0..2');
    expect(await sqlState(moveModuleTo(alice, ids.a!, { before: ids.a! }))).toBe('22023');
  });

  it("is refused for another user's module", async () => {
    const { ids } = await sessionWith(['a', 'b']);
    expect(await sqlState(moveModuleTo(bob, ids.a!, { first: true }))).toBe('PT404');
  });
});

describe('move_video_to', () => {
  it('moves by position, first, last, before and after', async () => {
    const { ids } = await sessionWith(['m']);
    const v: Record<string, string> = {};
    for (const n of ['a.mp4', 'b.mp4', 'c.mp4']) v[n] = (await beginVideo(db, alice, ids.m!, { name: n })).id;
    const move = (id: string, args: unknown[]) =>
      asUser(db.api, alice, async (c) => (await c.query<{ r: Record<string, unknown> }>('select public.move_video_to($1, $2, $3, $4, $5, $6) as r', [id, ...args])).rows[0]!.r);
    const names = async () => (await videoOrder(db.pool, ids.m!)).map((r: { file_name: string }) => r.file_name);
    expect(await move(v['c.mp4']!, [null, true, false, null, null])).toMatchObject({ file_name: 'c.mp4', order_index: 0, count: 3 });
    expect(await names()).toEqual(['c.mp4', 'a.mp4', 'b.mp4']);
    await move(v['c.mp4']!, [null, false, true, null, null]);
    expect(await names()).toEqual(['a.mp4', 'b.mp4', 'c.mp4']);
    await move(v['c.mp4']!, [null, false, false, v['a.mp4'], null]);
    expect(await names()).toEqual(['c.mp4', 'a.mp4', 'b.mp4']);
    await move(v['c.mp4']!, [null, false, false, null, v['a.mp4']]);
    expect(await names()).toEqual(['a.mp4', 'c.mp4', 'b.mp4']);
    await move(v['b.mp4']!, [0, false, false, null, null]);
    expect(await names()).toEqual(['b.mp4', 'a.mp4', 'c.mp4']);
    expect(await sqlState(move(v['b.mp4']!, [3, false, false, null, null]))).toBe('22023');
  });
});

describe('resolve_refs', () => {
  it('resolves the session and module names, prefixes and ids in one call', async () => {
    const { sessionId, ids } = await sessionWith(['Setup', 'Joins'], { name: 'Refs course', key: 'refs' });
    const result = await asUser(db.api, alice, async (c) =>
      (await c.query<{ r: { session: Array<{ id: string }>; refs: Array<Array<{ id: string; name: string }>> } }>('select public.resolve_refs($1, $2, $3) as r', ['module', ['Setup', ids.b ?? ids.Joins!.slice(0, 8), 'nope'], 'refs'])).rows[0]!.r,
    );
    expect(result.session.map((s) => s.id)).toEqual([sessionId]);
    expect(result.refs.map((r) => r.map((c) => c.id))).toEqual([[ids.Setup], [ids.Joins], []]);
    const videos = await asUser(db.api, bob, async (c) => (await c.query<{ r: { refs: unknown[][] } }>('select public.resolve_refs($1, $2) as r', ['module', [ids.Setup]])).rows[0]!.r);
    expect(videos.refs).toEqual([[]]);
  });
});

describe('begin_video without a hash, finish_video with it', () => {
  it('starts a row with no sha256, resumes it by name and size, and finishes it with the hash', async () => {
    const { ids } = await sessionWith(['m']);
    const begin = (sha: string | null, name = 'lecture.mp4', size = 5) =>
      asUser(db.api, alice, async (c) => (await c.query('select * from public.begin_video($1, $2, $3, $4, $5)', [ids.m, name, size, sha, 'video/mp4'])).rows[0] as { id: string; sha256: string | null; status: string; file_url: string });
    const row = await begin(null);
    expect(row).toMatchObject({ sha256: null, status: 'uploading' });
    expect((await begin(null)).id).toBe(row.id);
    expect((await begin(null, 'other.mp4')).id).not.toBe(row.id);

    const finish = (id: string, sha: string | null, probe: string | null = null) =>
      asUser(db.api, alice, async (c) => (await c.query('select * from public.finish_video($1, $2, $3)', [id, sha, probe])).rows[0] as { status: string; sha256: string; probe_sha256: string });
    // No object yet: conflict.
    expect(await sqlState(finish(row.id, sha256Of('x')))).toBe('PT409');
    await asServiceRole(db.pool, (c) =>
      c.query(`insert into storage.objects (bucket_id, name, metadata, version) values ('videos', $1, '{"size": 5, "mimetype": "video/mp4"}', 'v1')`, [row.file_url]),
    );
    expect(await sqlState(finish(row.id, null))).toBe('22023');
    expect(await sqlState(finish(row.id, 'not-hex'))).toBe('22023');
    const sha = sha256Of('hello');
    const done = await finish(row.id, sha.toUpperCase(), sha256Of('probe'));
    expect(done).toMatchObject({ status: 'ready', sha256: sha, probe_sha256: sha256Of('probe') });
    // Known now: the same bytes in the same module are this row.
    expect((await begin(sha)).id).toBe(row.id);
    // A ready row always has its hash.
    expect(await sqlState(asServiceRole(db.pool, (c) => c.query('update public.videos set sha256 = null where id = $1', [row.id])))).toBe('23514');
  });

  it('refuses a hash other than the one begin_video was given, and an object of another size', async () => {
    const { ids } = await sessionWith(['m']);
    const sha = sha256Of('known');
    const row = await beginVideo(db, alice, ids.m!, { name: 'k.mp4', size: 7, sha256: sha });
    await asServiceRole(db.pool, (c) =>
      c.query(`insert into storage.objects (bucket_id, name, metadata, version) values ('videos', $1, '{"size": 6, "mimetype": "video/mp4"}', 'v1')`, [row.file_url]),
    );
    const finish = (s: string | null) => asUser(db.api, alice, (c) => c.query('select * from public.finish_video($1, $2)', [row.id, s]));
    expect(await sqlState(finish(sha256Of('other')))).toBe('PT409');
    expect(await sqlState(finish(sha))).toBe('PT409');
    await asServiceRole(db.pool, (c) => c.query(`update storage.objects set metadata = '{"size": 7, "mimetype": "video/mp4"}' where name = $1`, [row.file_url]));
    expect((await finish(null)).rows[0]).toMatchObject({ status: 'ready', sha256: sha });
  });
});
