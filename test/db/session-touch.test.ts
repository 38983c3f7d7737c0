// A session's updated_at follows its content: every insert, update and delete of its modules and
// videos (functions, plain table writes, cascades, import_session) sets it to the writing
// transaction's now(), once per transaction and never backwards. Writers lock the session before
// the module or video, so concurrent content changes in one session wait instead of deadlocking.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { asOperator, asServiceRole, asUser, createUser, freshDatabase, type FreshDatabase, type TestUser } from '../support/db.js';
import { addModule, beginVideo, createSession, sha256Of, storeObject, type SessionRow } from './fixtures.js';

let db: FreshDatabase;
let alice: TestUser;
let olga: TestUser;

const OLD = new Date('2001-02-03T04:05:06.000Z');

beforeAll(async () => {
  db = await freshDatabase({ max: 10 });
  alice = await createUser(db.pool, { email: 'alice@example.com' });
  olga = await createUser(db.pool, { email: 'olga@example.com', operator: true });
});
afterAll(async () => {
  await db?.cleanup();
});

/** Sets the session's updated_at back to OLD, past the BEFORE UPDATE trigger (superuser). */
async function age(sessionId: string): Promise<void> {
  const c = await db.pool.connect();
  try {
    await c.query('begin');
    await c.query('set local session_replication_role = replica');
    await c.query('update public.sessions set updated_at = $1 where id = $2', [OLD, sessionId]);
    await c.query('commit');
  } finally {
    c.release();
  }
}

async function session(sessionId: string): Promise<SessionRow> {
  const { rows } = await db.pool.query<SessionRow>('select * from public.sessions where id = $1', [sessionId]);
  return rows[0]!;
}

/** Runs fn as alice in one transaction; answers that transaction's now(). */
async function asAliceAt(fn: (c: pg.PoolClient) => Promise<unknown>): Promise<Date> {
  return asUser(db.api, alice, async (c) => {
    const now = (await c.query<{ now: Date }>('select now()')).rows[0]!.now;
    await fn(c);
    return now;
  });
}

/** A session of alice's with modules a, b and, in a, videos a1.mp4, a2.mp4; updated_at set to OLD. */
async function fixture(): Promise<{ session: SessionRow; a: string; b: string; videos: Array<{ id: string; file_url: string }> }> {
  const s = await createSession(db, alice);
  const a = (await addModule(db, alice, s.id, 'a', null, 'a')).id;
  const b = (await addModule(db, alice, s.id, 'b', null, 'b')).id;
  const videos = [await beginVideo(db, alice, a, { name: 'a1.mp4' }), await beginVideo(db, alice, a, { name: 'a2.mp4' })];
  await age(s.id);
  return { session: await session(s.id), a, b, videos };
}

async function expectTouchedAt(sessionId: string, at: Date, created: Date): Promise<void> {
  const row = await session(sessionId);
  expect(row.updated_at.getTime()).toBe(at.getTime());
  expect(row.created_at.getTime()).toBe(created.getTime());
}

describe('content changes advance the session', () => {
  it.each([
    ['add_module (append)', (f: Awaited<ReturnType<typeof fixture>>) => `select public.add_module('${f.session.id}', 'x')`],
    ['add_module (at 0: shift and insert)', (f: Awaited<ReturnType<typeof fixture>>) => `select public.add_module('${f.session.id}', 'x', 0)`],
    ['move_module', (f: Awaited<ReturnType<typeof fixture>>) => `select public.move_module('${f.a}', 1)`],
    ['remove_module (its videos cascade)', (f: Awaited<ReturnType<typeof fixture>>) => `select public.remove_module('${f.a}')`],
    ['renaming a module (plain update)', (f: Awaited<ReturnType<typeof fixture>>) => `update public.modules set name = 'renamed' where id = '${f.b}'`],
    ['deleting a module (plain delete)', (f: Awaited<ReturnType<typeof fixture>>) => `delete from public.modules where id = '${f.b}'`],
    ['begin_video (new bytes)', (f: Awaited<ReturnType<typeof fixture>>) => `select public.begin_video('${f.b}', 'new.mp4', 10, '${sha256Of('new')}', 'video/mp4')`],
    ['move_video', (f: Awaited<ReturnType<typeof fixture>>) => `select public.move_video('${f.videos[0]!.id}', 1)`],
    ['remove_video', (f: Awaited<ReturnType<typeof fixture>>) => `select public.remove_video('${f.videos[1]!.id}')`],
    ['setting a video key (plain update)', (f: Awaited<ReturnType<typeof fixture>>) => `update public.videos set key = 'k' where id = '${f.videos[0]!.id}'`],
  ])('%s sets updated_at to the transaction time', async (_label, sql) => {
    const f = await fixture();
    const at = await asAliceAt((c) => c.query(sql(f)));
    await expectTouchedAt(f.session.id, at, f.session.created_at);
  });

  it('finish_video', async () => {
    const f = await fixture();
    await storeObject(db.pool, f.videos[0]!.file_url, { size: 1_048_576, mimetype: 'video/mp4' }, alice.id);
    const at = await asAliceAt((c) => c.query('select public.finish_video($1)', [f.videos[0]!.id]));
    await expectTouchedAt(f.session.id, at, f.session.created_at);
    expect((await db.pool.query('select status from public.videos where id = $1', [f.videos[0]!.id])).rows[0].status).toBe('ready');
  });

  it('import_session that renames a module; a no-op import leaves it', async () => {
    const s = await createSession(db, alice, { key: 'touch-import' });
    await addModule(db, alice, s.id, 'a', null, 'a');
    await age(s.id);
    const manifest = (name: string) =>
      JSON.stringify({ sessions: [{ key: 'touch-import', name: s.name, modules: [{ key: 'a', name, videos: [] }] }] });

    const at = await asAliceAt((c) => c.query('select public.import_session($1)', [manifest('A')]));
    await expectTouchedAt(s.id, at, s.created_at);

    await age(s.id);
    await asAliceAt((c) => c.query('select public.import_session($1)', [manifest('A')]));
    expect((await session(s.id)).updated_at.getTime()).toBe(OLD.getTime());
  });

  it('begin_video of bytes already there writes nothing and leaves it', async () => {
    const s = await createSession(db, alice);
    const m = await addModule(db, alice, s.id, 'm');
    const sha = sha256Of('same');
    await beginVideo(db, alice, m.id, { sha256: sha, size: 10 });
    await age(s.id);
    await asAliceAt((c) => c.query(`select public.begin_video($1, 'same.mp4', 10, $2, 'video/mp4')`, [m.id, sha]));
    expect((await session(s.id)).updated_at.getTime()).toBe(OLD.getTime());
  });

  it('moving a module to another session touches both sessions', async () => {
    const f = await fixture();
    const other = await createSession(db, alice);
    await age(other.id);
    const at = await asAliceAt((c) => c.query('update public.modules set session_id = $1, order_index = 0 where id = $2', [other.id, f.b]));
    await expectTouchedAt(f.session.id, at, f.session.created_at);
    await expectTouchedAt(other.id, at, other.created_at);
  });

  it('as the service role (no RLS), e.g. add_module', async () => {
    const f = await fixture();
    const at = await asServiceRole(db.api, async (c) => {
      const now = (await c.query<{ now: Date }>('select now()')).rows[0]!.now;
      await c.query('select public.add_module($1, $2)', [f.session.id, 'svc']);
      return now;
    });
    await expectTouchedAt(f.session.id, at, f.session.created_at);
  });

  it('an operator writes no rows, so nothing moves and nothing fails', async () => {
    const f = await fixture();
    const { rowCount } = await asOperator(db.api, olga, (c) => c.query("update public.modules set name = 'x' where id = $1", [f.a]));
    expect(rowCount).toBe(0);
    expect((await session(f.session.id)).updated_at.getTime()).toBe(OLD.getTime());
  });

  it('touches once per transaction: several writes share one row version and one time', async () => {
    const f = await fixture();
    const at = await asAliceAt(async (c) => {
      await c.query('select public.add_module($1, $2, 0)', [f.session.id, 'x']);
      await c.query('select public.move_module($1, 2)', [f.a]);
      await c.query('select public.remove_video($1)', [f.videos[0]!.id]);
    });
    await expectTouchedAt(f.session.id, at, f.session.created_at);
  });

  it('never moves backwards: a transaction that started earlier and writes later leaves the later time', async () => {
    const f = await fixture();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let startedAt!: Date;
    let started!: () => void;
    const begun = new Promise<void>((r) => (started = r));
    const early = asAliceAt(async (c) => {
      startedAt = (await c.query<{ now: Date }>('select now()')).rows[0]!.now;
      started();
      await gate;
      await c.query('select public.add_module($1, $2)', [f.session.id, 'early']);
    });
    await begun;
    const later = await asAliceAt((c) => c.query('select public.add_module($1, $2)', [f.session.id, 'later']));
    release();
    await early;
    expect(startedAt.getTime()).toBeLessThan(later.getTime());
    await expectTouchedAt(f.session.id, later, f.session.created_at);
  });
});

describe('deleting', () => {
  it('a session with modules and videos (cascade) is deleted and its objects queued', async () => {
    const f = await fixture();
    const { rowCount } = await asUser(db.api, alice, (c) => c.query('delete from public.sessions where id = $1', [f.session.id]));
    expect(rowCount).toBe(1);
    const left = await db.pool.query(
      'select (select count(*) from public.modules where session_id = $1)::int as modules, (select count(*) from private.deleted_objects where path = any ($2))::int as queued',
      [f.session.id, f.videos.map((v) => v.file_url)],
    );
    expect(left.rows[0]).toEqual({ modules: 0, queued: 2 });
  });

  it('a user with sessions (cascade from auth.users) is deleted', async () => {
    const carl = await createUser(db.pool, { email: 'carl@example.com' });
    const s = await createSession(db, carl);
    const m = await addModule(db, carl, s.id, 'm');
    await beginVideo(db, carl, m.id);
    await db.pool.query('delete from auth.users where id = $1', [carl.id]);
    expect((await db.pool.query('select count(*)::int as n from public.sessions where id = $1', [s.id])).rows[0].n).toBe(0);
  });
});

describe('lock order: session before module or video', () => {
  /** Holds alice's session lock in an open transaction (add_module), runs `waiter` once the
   * lock is held, waits until it blocks, then runs `second` in the first transaction. With the
   * module or video locked before the session this is a deadlock. */
  async function interleave(sessionId: string, waiter: () => Promise<unknown>, waiterName: string, second: (c: pg.PoolClient) => Promise<unknown>): Promise<void> {
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    let proceed!: () => void;
    const go = new Promise<void>((r) => (proceed = r));
    const first = asUser(db.api, alice, async (c) => {
      await c.query('select public.add_module($1, $2)', [sessionId, 'first']);
      holding();
      await go;
      await second(c);
    });
    await held;
    const pending = waiter();
    for (let i = 0; i < 200; i++) {
      const { rows } = await db.pool.query(
        "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like $1",
        [`%${waiterName}%`],
      );
      if (rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    proceed();
    const results = await Promise.allSettled([first, pending]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  }

  it('begin_video waits for move_module instead of deadlocking', async () => {
    const f = await fixture();
    await interleave(f.session.id, () => beginVideo(db, alice, f.a, { name: 'late.mp4' }), 'begin_video', (c) => c.query('select public.move_module($1, 1)', [f.a]));
    expect((await db.pool.query('select count(*)::int as n from public.videos where module_id = $1', [f.a])).rows[0].n).toBe(3);
  });

  it('move_video waits for move_module instead of deadlocking', async () => {
    const f = await fixture();
    await interleave(
      f.session.id,
      () => asUser(db.api, alice, (c) => c.query('select public.move_video($1, 0)', [f.videos[1]!.id])),
      'move_video',
      (c) => c.query('select public.move_module($1, 1)', [f.a]),
    );
  });

  it('finish_video waits for remove_module instead of deadlocking (and then finds no video)', async () => {
    const f = await fixture();
    await storeObject(db.pool, f.videos[0]!.file_url, { size: 1_048_576, mimetype: 'video/mp4' }, alice.id);
    let code: string | undefined;
    await interleave(
      f.session.id,
      () => asUser(db.api, alice, (c) => c.query('select public.finish_video($1)', [f.videos[0]!.id])).catch((e: pg.DatabaseError) => (code = e.code)),
      'finish_video',
      (c) => c.query('select public.remove_module($1)', [f.a]),
    );
    expect(code).toBe('PT404');
  });

  it('concurrent uploads and moves in one session all succeed', async () => {
    const f = await fixture();
    const ops: Array<Promise<unknown>> = [];
    for (let i = 0; i < 4; i++) {
      ops.push(beginVideo(db, alice, f.a, { name: `p${i}.mp4` }));
      ops.push(beginVideo(db, alice, f.b, { name: `q${i}.mp4` }));
      ops.push(asUser(db.api, alice, (c) => c.query('select public.move_module($1, $2)', [f.a, i % 2])));
      ops.push(asUser(db.api, alice, (c) => c.query('select public.move_video($1, $2)', [f.videos[0]!.id, i % 2])));
    }
    const results = await Promise.allSettled(ops);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const { rows } = await db.pool.query(
      'select module_id, array_agg(order_index order by order_index) as o from public.videos where module_id = any ($1) group by module_id',
      [[f.a, f.b]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.module_id, r.o]))).toEqual({ [f.a]: [0, 1, 2, 3, 4, 5], [f.b]: [0, 1, 2, 3] });
  });
});
