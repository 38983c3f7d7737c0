// Order of modules and videos: add, move, remove keep positions 0..n-1; clear errors out of range;
// concurrent adds and moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { asUser, createUser, freshDatabase, sqlState, type FreshDatabase, type TestUser } from '../support/db.js';
import { addModule, beginVideo, createSession, moduleOrder, videoOrder } from './fixtures.js';

let db: FreshDatabase;
let alice: TestUser;
let bob: TestUser;
let olga: TestUser;

beforeAll(async () => {
  db = await freshDatabase({ max: 25 });
  alice = await createUser(db.pool, { email: 'alice@example.com' });
  bob = await createUser(db.pool, { email: 'bob@example.com' });
  olga = await createUser(db.pool, { email: 'olga@example.com', operator: true });
});
afterAll(async () => {
  await db?.cleanup();
});

function names(rows: Array<{ name?: string; file_name?: string; order_index: number }>): string[] {
  rows.forEach((r, i) => expect(r.order_index).toBe(i));
  return rows.map((r) => r.name ?? r.file_name ?? '');
}

async function sessionWith(moduleNames: string[]): Promise<{ sessionId: string; ids: Record<string, string> }> {
  const session = await createSession(db, alice);
  const ids: Record<string, string> = {};
  for (const n of moduleNames) ids[n] = (await addModule(db, alice, session.id, n)).id;
  return { sessionId: session.id, ids };
}

async function moveModule(user: TestUser, moduleId: string, to: number | null): Promise<Array<{ name: string; order_index: number }>> {
  return asUser(db.api, user, async (c) => (await c.query('select name, order_index from public.move_module($1, $2)', [moduleId, to])).rows);
}

describe('add_module', () => {
  it('appends with a null position', async () => {
    const { sessionId } = await sessionWith(['a', 'b', 'c']);
    expect(names(await moduleOrder(db.pool, sessionId))).toEqual(['a', 'b', 'c']);
  });
  it.each([
    [0, ['x', 'a', 'b', 'c']],
    [1, ['a', 'x', 'b', 'c']],
    [2, ['a', 'b', 'x', 'c']],
    [3, ['a', 'b', 'c', 'x']],
  ])('inserts at %i', async (at, expected) => {
    const { sessionId } = await sessionWith(['a', 'b', 'c']);
    const row = await addModule(db, alice, sessionId, 'x', at);
    expect(row.order_index).toBe(at);
    expect(row.user_id).toBe(alice.id);
    expect(names(await moduleOrder(db.pool, sessionId))).toEqual(expected);
  });
  it.each([-1, 4, 100])('refuses position %i with the valid range in the message', async (at) => {
    const { sessionId } = await sessionWith(['a', 'b', 'c']);
    const err = await asUser(db.api, alice, (c) => c.query('select * from public.add_module($1, $2, $3)', [sessionId, 'x', at])).catch((e: pg.DatabaseError) => e);
    expect((err as pg.DatabaseError).code).toBe('22023');
    expect((err as pg.DatabaseError).message).toBe(`order_index ${at} is out of range: use 0..3`);
    expect(names(await moduleOrder(db.pool, sessionId))).toEqual(['a', 'b', 'c']);
  });
  it('stores the key and refuses a duplicate key in the same session', async () => {
    const { sessionId } = await sessionWith([]);
    const row = await addModule(db, alice, sessionId, 'keyed', null, 'k1');
    expect(row.key).toBe('k1');
    expect(await sqlState(addModule(db, alice, sessionId, 'again', null, 'k1'))).toBe('23505');
  });
  it("raises PT404 for another user's session, an operator, or a missing one", async () => {
    const { sessionId } = await sessionWith(['a']);
    expect(await sqlState(addModule(db, bob, sessionId, 'x'))).toBe('PT404');
    expect(await sqlState(asUser(db.api, olga, (c) => c.query('select public.add_module($1, $2)', [sessionId, 'x'])))).toBe('PT404');
    expect(await sqlState(addModule(db, alice, '00000000-0000-4000-8000-000000000000', 'x'))).toBe('PT404');
    expect(names(await moduleOrder(db.pool, sessionId))).toEqual(['a']);
  });
  it('refuses a blank name', async () => {
    const { sessionId } = await sessionWith([]);
    expect(await sqlState(addModule(db, alice, sessionId, '   '))).toBe('23514');
  });
});

describe('move_module', () => {
  it.each([
    ['to first', 'd', 0, ['d', 'a', 'b', 'c', 'e']],
    ['to last', 'b', 4, ['a', 'c', 'd', 'e', 'b']],
    ['into the middle, forwards', 'a', 2, ['b', 'c', 'a', 'd', 'e']],
    ['into the middle, backwards', 'e', 1, ['a', 'e', 'b', 'c', 'd']],
    ['onto itself', 'c', 2, ['a', 'b', 'c', 'd', 'e']],
    ['swap neighbours', 'b', 2, ['a', 'c', 'b', 'd', 'e']],
  ])('%s', async (_label, which, to, expected) => {
    const { sessionId, ids } = await sessionWith(['a', 'b', 'c', 'd', 'e']);
    const returned = await moveModule(alice, ids[which]!, to);
    expect(names(returned)).toEqual(expected);
    expect(names(await moduleOrder(db.pool, sessionId))).toEqual(expected);
  });
  it.each([-1, 5, null])('refuses position %s naming the range 0..4', async (to) => {
    const { sessionId, ids } = await sessionWith(['a', 'b', 'c', 'd', 'e']);
    const err = (await moveModule(alice, ids.c!, to).catch((e: unknown) => e)) as pg.DatabaseError;
    expect(err.code).toBe('22023');
    expect(err.message).toBe(`order_index ${to === null ? '<NULL>' : to} is out of range: use 0..4`);
    expect(names(await moduleOrder(db.pool, sessionId))).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
  it("is refused for another user's module and for an operator", async () => {
    const { sessionId, ids } = await sessionWith(['a', 'b']);
    expect(await sqlState(moveModule(bob, ids.a!, 1))).toBe('PT404');
    expect(await sqlState(moveModule(olga, ids.a!, 1))).toBe('PT404');
    expect(names(await moduleOrder(db.pool, sessionId))).toEqual(['a', 'b']);
  });
  it('a sequence of moves keeps a permutation of 0..n-1', async () => {
    const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const { sessionId, ids } = await sessionWith(labels);
    const model = [...labels];
    const moves: Array<[string, number]> = [['a', 6], ['g', 0], ['d', 3], ['c', 5], ['f', 1], ['b', 2], ['e', 6]];
    for (const [which, to] of moves) {
      model.splice(model.indexOf(which), 1);
      model.splice(to, 0, which);
      expect(names(await moveModule(alice, ids[which]!, to))).toEqual(model);
    }
    expect(names(await moduleOrder(db.pool, sessionId))).toEqual(model);
  });
});

describe('remove_module', () => {
  it.each([
    ['first', 'a', ['b', 'c', 'd']],
    ['middle', 'c', ['a', 'b', 'd']],
    ['last', 'd', ['a', 'b', 'c']],
  ])('removes the %s module and closes the gap', async (_label, which, expected) => {
    const { sessionId, ids } = await sessionWith(['a', 'b', 'c', 'd']);
    await asUser(db.api, alice, (c) => c.query('select public.remove_module($1)', [ids[which]]));
    expect(names(await moduleOrder(db.pool, sessionId))).toEqual(expected);
  });
  it('returns void (null) and is refused for another user', async () => {
    const { sessionId, ids } = await sessionWith(['a', 'b']);
    expect(await sqlState(asUser(db.api, bob, (c) => c.query('select public.remove_module($1)', [ids.a])))).toBe('PT404');
    const { rows } = await asUser(db.api, alice, (c) => c.query('select public.remove_module($1) as r', [ids.a]));
    expect(rows[0].r).toBe('');
    expect(names(await moduleOrder(db.pool, sessionId))).toEqual(['b']);
  });
  it('a removed module is gone for good (PT404 the second time)', async () => {
    const { ids } = await sessionWith(['a']);
    await asUser(db.api, alice, (c) => c.query('select public.remove_module($1)', [ids.a]));
    expect(await sqlState(asUser(db.api, alice, (c) => c.query('select public.remove_module($1)', [ids.a])))).toBe('PT404');
  });
});

describe('videos: begin_video appends, move_video, remove_video', () => {
  async function moduleWith(files: string[]): Promise<{ moduleId: string; ids: Record<string, string> }> {
    const session = await createSession(db, alice);
    const module = await addModule(db, alice, session.id, 'm');
    const ids: Record<string, string> = {};
    for (const f of files) ids[f] = (await beginVideo(db, alice, module.id, { name: f })).id;
    return { moduleId: module.id, ids };
  }
  const moveVideo = (user: TestUser, id: string, to: number | null) =>
    asUser(db.api, user, async (c) => (await c.query('select file_name, order_index from public.move_video($1, $2)', [id, to])).rows);

  it('begin_video appends', async () => {
    const { moduleId } = await moduleWith(['a.mp4', 'b.mp4', 'c.mp4']);
    expect(names(await videoOrder(db.pool, moduleId))).toEqual(['a.mp4', 'b.mp4', 'c.mp4']);
  });
  it.each([
    ['to first', 'c.mp4', 0, ['c.mp4', 'a.mp4', 'b.mp4', 'd.mp4']],
    ['to last', 'a.mp4', 3, ['b.mp4', 'c.mp4', 'd.mp4', 'a.mp4']],
    ['into the middle', 'd.mp4', 1, ['a.mp4', 'd.mp4', 'b.mp4', 'c.mp4']],
    ['onto itself', 'b.mp4', 1, ['a.mp4', 'b.mp4', 'c.mp4', 'd.mp4']],
  ])('move_video %s', async (_label, which, to, expected) => {
    const { moduleId, ids } = await moduleWith(['a.mp4', 'b.mp4', 'c.mp4', 'd.mp4']);
    expect(names(await moveVideo(alice, ids[which]!, to))).toEqual(expected);
    expect(names(await videoOrder(db.pool, moduleId))).toEqual(expected);
  });
  it.each([-1, 4])('move_video refuses %i naming the range 0..3', async (to) => {
    const { ids } = await moduleWith(['a.mp4', 'b.mp4', 'c.mp4', 'd.mp4']);
    const err = (await moveVideo(alice, ids['a.mp4']!, to).catch((e: unknown) => e)) as pg.DatabaseError;
    expect(err.code).toBe('22023');
    expect(err.message).toBe(`order_index ${to} is out of range: use 0..3`);
  });
  it("move_video is refused for another user's video", async () => {
    const { ids } = await moduleWith(['a.mp4', 'b.mp4']);
    expect(await sqlState(moveVideo(bob, ids['a.mp4']!, 1))).toBe('PT404');
  });
  it.each([
    ['first', 'a.mp4', ['b.mp4', 'c.mp4']],
    ['middle', 'b.mp4', ['a.mp4', 'c.mp4']],
    ['last', 'c.mp4', ['a.mp4', 'b.mp4']],
  ])('remove_video removes the %s video and closes the gap', async (_label, which, expected) => {
    const { moduleId, ids } = await moduleWith(['a.mp4', 'b.mp4', 'c.mp4']);
    await asUser(db.api, alice, (c) => c.query('select public.remove_video($1)', [ids[which]]));
    expect(names(await videoOrder(db.pool, moduleId))).toEqual(expected);
  });
  it("remove_video is refused for another user's video", async () => {
    const { moduleId, ids } = await moduleWith(['a.mp4']);
    expect(await sqlState(asUser(db.api, bob, (c) => c.query('select public.remove_video($1)', [ids['a.mp4']])))).toBe('PT404');
    expect(names(await videoOrder(db.pool, moduleId))).toEqual(['a.mp4']);
  });
});

describe('concurrency', () => {
  it('20 add_module calls from 20 connections at once give 0..19 without error', async () => {
    const session = await createSession(db, alice);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => addModule(db, alice, session.id, `m${i}`)),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const order = await moduleOrder(db.pool, session.id);
    expect(order.map((r) => r.order_index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(new Set(order.map((r) => r.name)).size).toBe(20);
  });

  it('20 concurrent inserts at position 0 all land, in some order', async () => {
    const session = await createSession(db, alice);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => addModule(db, alice, session.id, `m${i}`, 0)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const order = await moduleOrder(db.pool, session.id);
    expect(order.map((r) => r.order_index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('concurrent moves leave a permutation of 0..n-1', async () => {
    const labels = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const { sessionId, ids } = await sessionWith(labels);
    const targets = [9, 0, 5, 3, 7, 1, 8, 2, 6, 4, 0, 9, 4, 4, 1, 8, 3, 7, 2, 5];
    const results = await Promise.allSettled(targets.map((to, i) => moveModule(alice, ids[labels[i % 10]!]!, to)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const order = await moduleOrder(db.pool, sessionId);
    expect(order.map((r) => r.order_index)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect([...order.map((r) => r.name)].sort()).toEqual([...labels].sort());
  });

  it('concurrent begin_video calls on one module append 0..n-1', async () => {
    const session = await createSession(db, alice);
    const module = await addModule(db, alice, session.id, 'm');
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => beginVideo(db, alice, module.id, { name: `v${i}.mp4` })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const order = await videoOrder(db.pool, module.id);
    expect(order.map((r) => r.order_index)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('concurrent adds and removes keep 0..n-1', async () => {
    const labels = ['a', 'b', 'c', 'd', 'e', 'f'];
    const { sessionId, ids } = await sessionWith(labels);
    const ops = [
      addModule(db, alice, sessionId, 'x', 0),
      asUser(db.api, alice, (c) => c.query('select public.remove_module($1)', [ids.c])),
      addModule(db, alice, sessionId, 'y'),
      asUser(db.api, alice, (c) => c.query('select public.remove_module($1)', [ids.a])),
      moveModule(alice, ids.f!, 0),
      addModule(db, alice, sessionId, 'z', 2),
    ];
    const results = await Promise.allSettled(ops);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const order = await moduleOrder(db.pool, sessionId);
    expect(order.map((r) => r.order_index)).toEqual(Array.from({ length: 7 }, (_, i) => i));
    expect(order.map((r) => r.name).sort()).toEqual(['b', 'd', 'e', 'f', 'x', 'y', 'z']);
  });
});
