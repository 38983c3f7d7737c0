// Row-level security and privileges: owner, another user, an operator and anon against every
// table and storage.objects, for each action; re-parenting, forged paths, TRUNCATE.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { asAnon, asRole, asServiceRole, asUser, createUser, freshDatabase, sqlState, type FreshDatabase, type TestUser } from '../support/db.js';
import { addModule, beginVideo, createSession, storeObject, type ModuleRow, type SessionRow, type VideoRow } from './fixtures.js';

let db: FreshDatabase;
let alice: TestUser;
let bob: TestUser;
let olga: TestUser;
let aliceSession: SessionRow;
let aliceModule: ModuleRow;
let aliceVideo: VideoRow;
let alicePending: VideoRow;
let bobSession: SessionRow;
let bobModule: ModuleRow;

beforeAll(async () => {
  db = await freshDatabase();
  alice = await createUser(db.pool, { email: 'alice@example.com' });
  bob = await createUser(db.pool, { email: 'bob@example.com' });
  olga = await createUser(db.pool, { email: 'olga@example.com', operator: true });
  aliceSession = await createSession(db, alice, { name: 'Alice course', key: 'alice-course' });
  aliceModule = await addModule(db, alice, aliceSession.id, 'Intro');
  aliceVideo = await beginVideo(db, alice, aliceModule.id, { name: 'welcome.mp4' });
  alicePending = await beginVideo(db, alice, aliceModule.id, { name: 'second.mp4' });
  await storeObject(db.pool, aliceVideo.file_url, { size: 1048576, mimetype: 'video/mp4' }, alice.id);
  bobSession = await createSession(db, bob, { name: 'Bob course' });
  bobModule = await addModule(db, bob, bobSession.id, 'Bob intro');
});
afterAll(async () => {
  await db?.cleanup();
});

type Actor = 'owner' | 'other' | 'operator' | 'anon';
const actors: Actor[] = ['owner', 'other', 'operator', 'anon'];

/** Runs fn as the actor in a rolled-back transaction. */
function as<T>(actor: Actor, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  if (actor === 'anon') return asAnon(db.api, fn, { rollback: true });
  const user = actor === 'owner' ? alice : actor === 'other' ? bob : olga;
  return asUser(db.api, user, fn, { rollback: true });
}

/** rowCount of a statement, or its SQLSTATE when it fails. */
async function outcome(actor: Actor, sql: string, params: unknown[] = []): Promise<number | string> {
  try {
    return await as(actor, async (c) => {
      const res = await c.query(sql, params);
      return res.rowCount ?? 0;
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code) return code;
    throw err;
  }
}

/** Count of rows a SELECT returns, or its SQLSTATE. */
async function visible(actor: Actor, sql: string, params: unknown[] = []): Promise<number | string> {
  try {
    return await as(actor, async (c) => (await c.query(sql, params)).rows.length);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code) return code;
    throw err;
  }
}

describe('sessions', () => {
  const expected = {
    select: { owner: 1, other: 0, operator: 1, anon: '42501' },
    insert: { owner: 1, other: '42501', operator: '42501', anon: '42501' },
    update: { owner: 1, other: 0, operator: 0, anon: '42501' },
    delete: { owner: 1, other: 0, operator: 0, anon: '42501' },
  } as const;
  it.each(actors)('select as %s', async (actor) => {
    expect(await visible(actor, 'select * from public.sessions where id = $1', [aliceSession.id])).toBe(expected.select[actor]);
  });
  it.each(actors)('insert for the owner as %s', async (actor) => {
    expect(await outcome(actor, `insert into public.sessions (user_id, name) values ($1, 'x')`, [alice.id])).toBe(expected.insert[actor]);
  });
  it.each(actors)('update as %s', async (actor) => {
    expect(await outcome(actor, `update public.sessions set name = 'renamed' where id = $1`, [aliceSession.id])).toBe(expected.update[actor]);
  });
  it.each(actors)('delete as %s', async (actor) => {
    expect(await outcome(actor, 'delete from public.sessions where id = $1', [aliceSession.id])).toBe(expected.delete[actor]);
  });
  it('an insert without user_id takes auth.uid()', async () => {
    const owner = await asUser(db.api, alice, async (c) => (await c.query(`insert into public.sessions (name) values ('mine') returning user_id`)).rows[0].user_id, { rollback: true });
    expect(owner).toBe(alice.id);
  });
  it('a session cannot be handed to another user', async () => {
    expect(await outcome('owner', 'update public.sessions set user_id = $1 where id = $2', [bob.id, aliceSession.id])).toBe('42501');
  });
});

describe('modules', () => {
  const expected = {
    select: { owner: 1, other: 0, operator: 1, anon: '42501' },
    insert: { owner: 1, other: '23503', operator: '23503', anon: '42501' },
    update: { owner: 1, other: 0, operator: 0, anon: '42501' },
    delete: { owner: 1, other: 0, operator: 0, anon: '42501' },
  } as const;
  it.each(actors)('select as %s', async (actor) => {
    expect(await visible(actor, 'select * from public.modules where id = $1', [aliceModule.id])).toBe(expected.select[actor]);
  });
  it.each(actors)("insert into the owner's session as %s", async (actor) => {
    expect(await outcome(actor, `insert into public.modules (session_id, name, order_index) values ($1, 'x', 9)`, [aliceSession.id])).toBe(expected.insert[actor]);
  });
  it.each(actors)('update as %s', async (actor) => {
    expect(await outcome(actor, `update public.modules set name = 'renamed' where id = $1`, [aliceModule.id])).toBe(expected.update[actor]);
  });
  it.each(actors)('delete as %s', async (actor) => {
    expect(await outcome(actor, 'delete from public.modules where id = $1', [aliceModule.id])).toBe(expected.delete[actor]);
  });
  it("another user cannot insert a module owned by the session's owner", async () => {
    expect(await outcome('other', `insert into public.modules (session_id, user_id, name, order_index) values ($1, $2, 'x', 9)`, [aliceSession.id, alice.id])).toBe('42501');
  });
  it("re-parenting a module into another user's session is refused", async () => {
    expect(await outcome('owner', 'update public.modules set session_id = $1 where id = $2', [bobSession.id, aliceModule.id])).toBe('23503');
    expect(await outcome('other', 'update public.modules set session_id = $1 where id = $2', [aliceSession.id, bobModule.id])).toBe('23503');
  });
  it('re-parenting a module together with a forged owner is refused', async () => {
    expect(await outcome('other', 'update public.modules set session_id = $1, user_id = $2 where id = $3', [aliceSession.id, alice.id, bobModule.id])).toBe('42501');
  });
});

describe('videos', () => {
  const expected = {
    select: { owner: 1, other: 0, operator: 1, anon: '42501' },
    update: { owner: 1, other: 0, operator: 0, anon: '42501' },
    delete: { owner: 1, other: 0, operator: 0, anon: '42501' },
  } as const;
  it.each(actors)('select as %s', async (actor) => {
    expect(await visible(actor, 'select * from public.videos where id = $1', [aliceVideo.id])).toBe(expected.select[actor]);
  });
  it.each(actors)('update as %s', async (actor) => {
    expect(await outcome(actor, `update public.videos set key = 'k' where id = $1`, [aliceVideo.id])).toBe(expected.update[actor]);
  });
  it.each(actors)('delete as %s', async (actor) => {
    expect(await outcome(actor, 'delete from public.videos where id = $1', [aliceVideo.id])).toBe(expected.delete[actor]);
  });

  const insertVideo = `insert into public.videos (id, module_id, user_id, file_name, file_size, mime_type, sha256, file_url, order_index)
    values ($1, $2, $3, 'x.mp4', 10, 'video/mp4', repeat('a', 64), $4, 9)`;
  it.each([
    ['owner', 1],
    ['other', '23503'],
    ['operator', '23503'],
  ] as const)("insert into the owner's module as %s (own user_id)", async (actor, expected) => {
    const user = actor === 'owner' ? alice : actor === 'other' ? bob : olga;
    const id = randomUUID();
    const path = `${user.id}/${aliceSession.id}/${aliceModule.id}/${id}/x.mp4`;
    expect(await outcome(actor, insertVideo, [id, aliceModule.id, user.id, path])).toBe(expected);
  });
  it('insert as anon is refused by privilege', async () => {
    const id = randomUUID();
    expect(await outcome('anon', insertVideo, [id, aliceModule.id, alice.id, `${alice.id}/${aliceSession.id}/${aliceModule.id}/${id}/x.mp4`])).toBe('42501');
  });
  it("another user cannot insert a video owned by the module's owner", async () => {
    const id = randomUUID();
    expect(await outcome('other', insertVideo, [id, aliceModule.id, alice.id, `${alice.id}/${aliceSession.id}/${aliceModule.id}/${id}/x.mp4`])).toBe('42501');
  });
  it("re-parenting a video into another user's module is refused", async () => {
    // The foreign key refuses it (check_video looks up only the row owner's modules, so it names nothing of bob's).
    expect(await outcome('owner', 'update public.videos set module_id = $1 where id = $2', [bobModule.id, aliceVideo.id])).toBe('23503');
    const path = `${alice.id}/${bobSession.id}/${bobModule.id}/${aliceVideo.id}/welcome.mp4`;
    expect(await outcome('owner', 'update public.videos set module_id = $1, file_url = $2 where id = $3', [bobModule.id, path, aliceVideo.id])).toBe('23503');
  });
  it('a file_url forged under another path is refused', async () => {
    const forged = `${bob.id}/${bobSession.id}/${bobModule.id}/${aliceVideo.id}/welcome.mp4`;
    expect(await outcome('owner', 'update public.videos set file_url = $1 where id = $2', [forged, aliceVideo.id])).toBe('23514');
    const otherVideo = `${alice.id}/${aliceSession.id}/${aliceModule.id}/${alicePending.id}/welcome.mp4`;
    expect(await outcome('owner', 'update public.videos set file_url = $1 where id = $2', [otherVideo, aliceVideo.id])).toBe('23514');
    const id = randomUUID();
    expect(await outcome('owner', insertVideo, [id, aliceModule.id, alice.id, `${bob.id}/${aliceSession.id}/${aliceModule.id}/${id}/x.mp4`])).toBe('23514');
  });
  it('a ready video cannot go back to uploading', async () => {
    const code = await as('owner', async (c) => {
      await c.query(`update public.videos set status = 'ready' where id = $1`, [aliceVideo.id]);
      return sqlState(c.query(`update public.videos set status = 'uploading' where id = $1`, [aliceVideo.id]));
    });
    expect(code).toBe('23514');
  });
});

describe('authors', () => {
  const expected = {
    select: { owner: 1, other: 0, operator: 1, anon: '42501' },
    insert: { owner: '42501', other: '42501', operator: '42501', anon: '42501' },
    update: { owner: '42501', other: '42501', operator: '42501', anon: '42501' },
    delete: { owner: '42501', other: '42501', operator: '42501', anon: '42501' },
  } as const;
  it.each(actors)("select the owner's row as %s", async (actor) => {
    expect(await visible(actor, 'select * from public.authors where user_id = $1', [alice.id])).toBe(expected.select[actor]);
  });
  it.each(actors)('insert as %s', async (actor) => {
    expect(await outcome(actor, `insert into public.authors (user_id, email) values ($1, 'x@example.com')`, [randomUUID()])).toBe(expected.insert[actor]);
  });
  it.each(actors)('update as %s', async (actor) => {
    expect(await outcome(actor, `update public.authors set email = 'x@example.com' where user_id = $1`, [alice.id])).toBe(expected.update[actor]);
  });
  it.each(actors)('delete as %s', async (actor) => {
    expect(await outcome(actor, 'delete from public.authors where user_id = $1', [alice.id])).toBe(expected.delete[actor]);
  });
  it('each user sees exactly their own row; operators see all', async () => {
    expect(await visible('owner', 'select * from public.authors')).toBe(1);
    expect(await visible('operator', 'select * from public.authors')).toBe(3);
  });
  it('follows email changes in auth.users', async () => {
    await db.pool.query(`update auth.users set email = 'bob2@example.com' where id = $1`, [bob.id]);
    const { rows } = await db.pool.query('select email from public.authors where user_id = $1', [bob.id]);
    await db.pool.query(`update auth.users set email = 'bob@example.com' where id = $1`, [bob.id]);
    expect(rows).toEqual([{ email: 'bob2@example.com' }]);
  });
});

describe('storage.objects in bucket videos', () => {
  const expected = {
    select: { owner: 1, other: 0, operator: 1, anon: 0 },
    insert: { owner: 1, other: '42501', operator: '42501', anon: '42501' },
    update: { owner: 1, other: 0, operator: 0, anon: 0 },
    delete: { owner: 1, other: 0, operator: 0, anon: 0 },
  } as const;
  const insertObject = `insert into storage.objects (bucket_id, name, owner_id, metadata) values ('videos', $1, auth.uid()::text, '{}')`;
  it.each(actors)('select as %s', async (actor) => {
    expect(await visible(actor, `select * from storage.objects where bucket_id = 'videos' and name = $1`, [aliceVideo.file_url])).toBe(expected.select[actor]);
  });
  it.each(actors)("insert at the owner's uploading video path as %s", async (actor) => {
    expect(await outcome(actor, insertObject, [alicePending.file_url])).toBe(expected.insert[actor]);
  });
  it.each(actors)('update as %s', async (actor) => {
    expect(await outcome(actor, `update storage.objects set metadata = '{"size": 1}' where bucket_id = 'videos' and name = $1`, [aliceVideo.file_url])).toBe(expected.update[actor]);
  });
  it.each(actors)('delete as %s (with the Storage server setting)', async (actor) => {
    const n = await as(actor, async (c) => {
      await c.query(`select set_config('storage.allow_delete_query', 'true', true)`);
      return (await c.query(`delete from storage.objects where bucket_id = 'videos' and name = $1`, [aliceVideo.file_url])).rowCount;
    });
    expect(n).toBe(expected.delete[actor]);
  });
  it.each(actors)('a plain SQL delete is refused as %s', async (actor) => {
    expect(await outcome(actor, `delete from storage.objects where bucket_id = 'videos' and name = $1`, [aliceVideo.file_url])).toBe('42501');
  });
  it('an object where no uploading row of the caller points is refused', async () => {
    const stray = `${alice.id}/${aliceSession.id}/${aliceModule.id}/${randomUUID()}/stray.mp4`;
    expect(await outcome('owner', insertObject, [stray])).toBe('42501');
    const ready = await as('owner', async (c) => {
      await c.query(`update public.videos set status = 'ready' where id = $1`, [alicePending.id]);
      return sqlState(c.query(insertObject, [alicePending.file_url]));
    });
    expect(ready).toBe('42501');
  });
  it("an object under another user's id is refused, even at their uploading video's path", async () => {
    const bobVideo = await beginVideo(db, bob, bobModule.id, { name: 'bob.mp4' });
    expect(await outcome('owner', insertObject, [bobVideo.file_url])).toBe('42501');
    expect(await outcome('other', insertObject, [bobVideo.file_url])).toBe(1);
  });
  it('an object in another bucket is refused', async () => {
    await db.pool.query(`insert into storage.buckets (id, name) values ('other', 'other') on conflict do nothing`);
    expect(await outcome('owner', `insert into storage.objects (bucket_id, name) values ('other', $1)`, [alicePending.file_url])).toBe('42501');
  });
  it('upsert (insert on conflict do update) works for the owner while the video is uploading', async () => {
    await storeObject(db.pool, alicePending.file_url, { size: 5 }, alice.id);
    const n = await outcome('owner', `insert into storage.objects (bucket_id, name, metadata) values ('videos', $1, '{"size": 6}')
      on conflict (bucket_id, name) do update set metadata = excluded.metadata returning *`, [alicePending.file_url]);
    expect(n).toBe(1);
    const allow = `select set_config('storage.allow_delete_query', 'true', false)`;
    const client = await db.pool.connect();
    await client.query(allow);
    await client.query(`delete from storage.objects where name = $1`, [alicePending.file_url]);
    await client.query(`reset storage.allow_delete_query`);
    client.release();
  });
  it('the bucket row is readable by authenticated users, not by anon', async () => {
    expect(await visible('owner', `select * from storage.buckets where id = 'videos'`)).toBe(1);
    expect(await visible('anon', `select * from storage.buckets where id = 'videos'`)).toBe(0);
  });
});

describe('privileges', () => {
  const tables = ['public.sessions', 'public.modules', 'public.videos', 'public.authors', 'private.deleted_objects'];
  const privileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
  it.each(tables)('anon has no privilege on %s', async (table) => {
    const { rows } = await db.pool.query(
      `select p from unnest($2::text[]) p where has_table_privilege('anon', $1, p)`,
      [table, privileges],
    );
    expect(rows).toEqual([]);
  });
  it.each(tables.flatMap((t) => ['anon', 'authenticated', 'service_role'].map((r) => [t, r] as const)))('TRUNCATE %s is refused to %s', async (table, role) => {
    const code = await sqlState(asRole(db.api, role as 'anon' | 'authenticated' | 'service_role', { sub: alice.id }, (c) => c.query(`truncate ${table} cascade`), { rollback: true }));
    expect(code).toBe('42501');
  });
  it('anon can execute none of the public functions', async () => {
    const { rows } = await db.pool.query(
      `select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private') and has_function_privilege('anon', p.oid, 'EXECUTE')`,
    );
    expect(rows).toEqual([]);
  });
  it('no API role can execute the SECURITY DEFINER functions (all in schema private)', async () => {
    const { rows } = await db.pool.query(
      `select n.nspname, p.proname, r.rolname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        cross join (values ('anon'), ('authenticated'), ('service_role')) r(rolname)
        where n.nspname in ('public', 'private') and p.prosecdef and has_function_privilege(r.rolname, p.oid, 'EXECUTE')`,
    );
    expect(rows).toEqual([]);
    const definers = await db.pool.query(
      `select n.nspname, p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private') and p.prosecdef order by 2`,
    );
    expect(definers.rows.every((r) => r.nspname === 'private')).toBe(true);
    expect(definers.rows.map((r) => r.proname)).toEqual(expect.arrayContaining(['check_video', 'queue_deleted_video', 'sync_author']));
  });
  it('anon calling a function gets 42501', async () => {
    expect(await sqlState(asAnon(db.api, (c) => c.query('select public.upload_limits()')))).toBe('42501');
    expect(await sqlState(asAnon(db.api, (c) => c.query('select public.list_sessions()')))).toBe('42501');
  });
  it('the service role reads every row', async () => {
    const n = await asServiceRole(db.api, async (c) => (await c.query('select count(*)::int as n from public.sessions')).rows[0].n);
    expect(n).toBe(2);
  });
});
