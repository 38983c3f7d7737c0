// Table constraints and triggers: sizes, names, MIME types, order, session types, keys,
// updated_at, the delete queue.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asServiceRole, asUser, createUser, freshDatabase, sqlState, type FreshDatabase, type TestUser } from '../support/db.js';
import { addModule, beginVideo, createSession, sha256Of, type ModuleRow, type SessionRow } from './fixtures.js';
import { VIDEO_MIME_TYPES } from '../../src/base/constants.js';

let db: FreshDatabase;
let alice: TestUser;
let bob: TestUser;
let session: SessionRow;
let module: ModuleRow;

beforeAll(async () => {
  db = await freshDatabase();
  alice = await createUser(db.pool, { email: 'alice@example.com' });
  bob = await createUser(db.pool, { email: 'bob@example.com' });
  session = await createSession(db, alice, { name: 'Constraints', key: 'constraints' });
  module = await addModule(db, alice, session.id, 'Module');
});
afterAll(async () => {
  await db?.cleanup();
});

/** Inserts a video row directly as alice (rolled back); returns 'ok' or the SQLSTATE. */
async function insertVideo(fields: Partial<Record<'file_name' | 'file_size' | 'mime_type' | 'sha256' | 'status' | 'order_index' | 'key', unknown>>): Promise<string> {
  const id = randomUUID();
  const row = {
    file_name: 'clip.mp4',
    file_size: 1000,
    mime_type: 'video/mp4',
    sha256: 'a'.repeat(64),
    status: 'uploading',
    order_index: 50,
    key: null,
    ...fields,
  };
  try {
    await asUser(db.api, alice, (c) =>
      c.query(
        `insert into public.videos (id, module_id, file_name, file_size, mime_type, sha256, status, file_url, order_index, key)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [id, module.id, row.file_name, row.file_size, row.mime_type, row.sha256, row.status,
          `${alice.id}/${session.id}/${module.id}/${id}/clip.mp4`, row.order_index, row.key],
      ), { rollback: true });
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

async function insertSession(fields: { name?: unknown; session_type?: unknown; key?: unknown }): Promise<string> {
  try {
    await asUser(db.api, alice, (c) =>
      c.query('insert into public.sessions (name, session_type, key) values ($1, coalesce($2, $4), $3)', [
        fields.name ?? 'ok', fields.session_type ?? null, fields.key ?? null, 'Linear Flow',
      ]), { rollback: true });
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('videos.file_size', () => {
  it.each([
    ['1 byte', 1, 'ok'],
    ['2 GiB (past integer)', 2147483648, 'ok'],
    ['3 GiB', 3 * 1024 ** 3, 'ok'],
    ['50 GiB (the bucket limit)', 53687091200, 'ok'],
    ['one byte over the bucket limit', 53687091201, '23514'],
    ['zero', 0, '23514'],
    ['negative', -5, '23514'],
  ])('%s → %s', async (_label, size, expected) => {
    expect(await insertVideo({ file_size: size })).toBe(expected);
  });
  it('is a bigint column', async () => {
    const { rows } = await db.pool.query(`select data_type from information_schema.columns where table_name = 'videos' and column_name = 'file_size'`);
    expect(rows[0].data_type).toBe('bigint');
  });
});

describe('names', () => {
  it.each([
    ['a normal name', 'Intro', 'ok'],
    ['255 characters', 'n'.repeat(255), 'ok'],
    ['256 characters', 'n'.repeat(256), '23514'],
    ['empty', '', '23514'],
    ['blank', '   ', '23514'],
    ['tabs and newlines', '\t\n', '23514'],
    ['non-ASCII', 'Einführung', 'ok'],
  ])('session name: %s → %s', async (_label, name, expected) => {
    expect(await insertSession({ name })).toBe(expected);
  });
  it.each([
    ['255 characters', 'v'.repeat(251) + '.mp4', 'ok'],
    ['256 characters', 'v'.repeat(252) + '.mp4', '23514'],
    ['blank', ' ', '23514'],
  ])('video file_name: %s → %s', async (_label, fileName, expected) => {
    expect(await insertVideo({ file_name: fileName })).toBe(expected);
  });
  it.each([
    ['blank', '  ', '23514'],
    ['256 characters', 'm'.repeat(256), '23514'],
    ['255 characters', 'm'.repeat(255), 'ok'],
  ])('module name: %s → %s', async (_label, name, expected) => {
    const result = await asUser(db.api, alice, (c) => c.query(`insert into public.modules (session_id, name, order_index) values ($1, $2, 40)`, [session.id, name]), { rollback: true })
      .then(() => 'ok', (e: { code: string }) => e.code);
    expect(result).toBe(expected);
  });
  it('a null name is refused (23502)', async () => {
    expect(await sqlState(asUser(db.api, alice, (c) => c.query('insert into public.sessions (name) values (null)')))).toBe('23502');
  });
});

describe('videos.mime_type', () => {
  it.each([...VIDEO_MIME_TYPES])('%s is accepted', async (mime) => {
    expect(await insertVideo({ mime_type: mime })).toBe('ok');
  });
  it.each(['application/x-msdownload', 'image/png', 'video/*', 'text/plain', 'VIDEO/MP4'])('%s is refused', async (mime) => {
    expect(await insertVideo({ mime_type: mime })).toBe('23514');
  });
  it('the check and the bucket allow the same list', async () => {
    const limits = await asUser(db.api, alice, async (c) => (await c.query('select public.upload_limits() as l')).rows[0].l);
    const { rows } = await db.pool.query(`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'videos_mime_type_check'`);
    for (const mime of limits.allowed_mime_types) expect(rows[0].def).toContain(`'${mime}'`);
    expect(rows[0].def.match(/'video\/[^']+'/g)).toHaveLength(limits.allowed_mime_types.length);
  });
});

describe('other checks', () => {
  it.each([
    ['negative order_index', { order_index: -1 }, '23514'],
    ['unknown status', { status: 'done' }, '23514'],
    ['ready status', { status: 'ready' }, 'ok'],
    ['short sha256', { sha256: 'abc' }, '23514'],
    ['upper-case sha256', { sha256: 'A'.repeat(64) }, '23514'],
  ])('video %s → %s', async (_label, fields, expected) => {
    expect(await insertVideo(fields)).toBe(expected);
  });
  it('negative module order_index is refused', async () => {
    expect(await sqlState(asUser(db.api, alice, (c) => c.query(`insert into public.modules (session_id, name, order_index) values ($1, 'x', -1)`, [session.id])))).toBe('23514');
  });
  it.each([
    ['Linear Flow', 'ok'],
    ['Branching Flow', 'ok'],
    ['Self-Paced', 'ok'],
    ['Live Workshop', 'ok'],
    ['Assessment', 'ok'],
    ['linear flow', '23514'],
    ['Webinar', '23514'],
  ])('session_type %s → %s', async (type, expected) => {
    expect(await insertSession({ session_type: type })).toBe(expected);
  });
  it('session_type defaults to Linear Flow and status to uploading', async () => {
    expect(session.session_type).toBe('Linear Flow');
    const video = await beginVideo(db, alice, module.id);
    expect(video.status).toBe('uploading');
    expect(video.key).toBeNull();
  });
  it('a duplicate session key for the same user is refused, for another user accepted', async () => {
    expect(await insertSession({ key: 'constraints' })).toBe('23505');
    const other = await createSession(db, bob, { key: 'constraints' });
    expect(other.key).toBe('constraints');
    expect(await insertSession({ key: 'fresh-key' })).toBe('ok');
  });
  it('sessions without a key do not collide', async () => {
    expect(await insertSession({ name: 'n1' })).toBe('ok');
    await createSession(db, alice, { name: 'no key 1' });
    await createSession(db, alice, { name: 'no key 2' });
  });
  it('a duplicate video key in one module is refused', async () => {
    await asUser(db.api, alice, (c) => c.query(`update public.videos set key = 'v-key' where id = (select id from public.videos where module_id = $1 order by order_index limit 1)`, [module.id]));
    expect(await insertVideo({ key: 'v-key' })).toBe('23505');
  });
  it('a duplicate module order_index is refused', async () => {
    expect(await sqlState(asUser(db.api, alice, (c) => c.query(`insert into public.modules (session_id, name, order_index) values ($1, 'x', 0)`, [session.id])))).toBe('23505');
  });
  it('the order constraints are deferrable, initially immediate; the key constraints are not deferrable', async () => {
    const { rows } = await db.pool.query(
      `select conname, condeferrable, condeferred from pg_constraint
        where conname in ('modules_session_id_order_index_key', 'videos_module_id_order_index_key',
                          'modules_session_id_key_key', 'videos_module_id_key_key', 'sessions_user_id_key_key')
        order by conname`,
    );
    expect(rows).toEqual([
      { conname: 'modules_session_id_key_key', condeferrable: false, condeferred: false },
      { conname: 'modules_session_id_order_index_key', condeferrable: true, condeferred: false },
      { conname: 'sessions_user_id_key_key', condeferrable: false, condeferred: false },
      { conname: 'videos_module_id_key_key', condeferrable: false, condeferred: false },
      { conname: 'videos_module_id_order_index_key', condeferrable: true, condeferred: false },
    ]);
  });
  it('timestamps are NOT NULL on every table', async () => {
    const { rows } = await db.pool.query(
      `select table_name, column_name, is_nullable from information_schema.columns
        where table_schema = 'public' and table_name in ('sessions', 'modules', 'videos', 'authors')
          and column_name in ('created_at', 'updated_at') and is_nullable = 'YES'`,
    );
    expect(rows).toEqual([]);
  });
  it('user_id references auth.users on delete cascade', async () => {
    const { rows } = await db.pool.query(
      `select conrelid::regclass::text as t from pg_constraint
        where contype = 'f' and confrelid = 'auth.users'::regclass and confdeltype = 'c'
          and conrelid in ('public.sessions'::regclass, 'public.modules'::regclass, 'public.videos'::regclass) order by 1`,
    );
    expect(rows.map((r) => r.t)).toEqual(['modules', 'sessions', 'videos']);
  });
});

describe('updated_at', () => {
  it.each(['sessions', 'modules', 'videos'])('advances on update of %s', async (table) => {
    const id = table === 'sessions' ? session.id : table === 'modules' ? module.id : (await beginVideo(db, alice, module.id)).id;
    const before = (await db.pool.query(`select updated_at, created_at from public.${table} where id = $1`, [id])).rows[0];
    await new Promise((r) => setTimeout(r, 5));
    await asUser(db.api, alice, (c) => c.query(`update public.${table} set key = $2 where id = $1`, [id, `k-${randomUUID()}`]));
    const after = (await db.pool.query(`select updated_at, created_at from public.${table} where id = $1`, [id])).rows[0];
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
    expect(after.created_at.getTime()).toBe(before.created_at.getTime());
  });
});

describe('delete queue', () => {
  async function queued(user: TestUser): Promise<string[]> {
    const { rows } = await db.pool.query('select path from private.deleted_objects where user_id = $1 order by id', [user.id]);
    return rows.map((r) => r.path);
  }
  async function freshTree(user: TestUser, videos = 2) {
    const s = await createSession(db, user);
    const m = await addModule(db, user, s.id, 'm');
    const vs = [];
    for (let i = 0; i < videos; i++) vs.push(await beginVideo(db, user, m.id, { name: `v${i}.mp4`, sha256: sha256Of(randomUUID()) }));
    return { s, m, vs };
  }
  it('a direct delete queues the path', async () => {
    const before = await queued(bob);
    const { vs } = await freshTree(bob, 1);
    await asUser(db.api, bob, (c) => c.query('delete from public.videos where id = $1', [vs[0]!.id]));
    expect(await queued(bob)).toEqual([...before, vs[0]!.file_url]);
  });
  it('remove_video queues the path', async () => {
    const before = await queued(bob);
    const { vs } = await freshTree(bob, 1);
    await asUser(db.api, bob, (c) => c.query('select public.remove_video($1)', [vs[0]!.id]));
    expect(await queued(bob)).toEqual([...before, vs[0]!.file_url]);
  });
  it('deleting a module cascades and queues its videos', async () => {
    const before = await queued(bob);
    const { m, vs } = await freshTree(bob, 2);
    await asUser(db.api, bob, (c) => c.query('select public.remove_module($1)', [m.id]));
    expect((await queued(bob)).slice(before.length).sort()).toEqual(vs.map((v) => v.file_url).sort());
  });
  it('deleting a session cascades and queues every video', async () => {
    const before = await queued(bob);
    const { s, vs } = await freshTree(bob, 3);
    const res = await asUser(db.api, bob, (c) => c.query('delete from public.sessions where id = $1', [s.id]));
    expect(res.rowCount).toBe(1);
    expect((await queued(bob)).slice(before.length).sort()).toEqual(vs.map((v) => v.file_url).sort());
  });
  it('deleting a user cascades and keeps the paths queued for gc', async () => {
    const carol = await createUser(db.pool, { email: 'carol@example.com' });
    const { vs } = await freshTree(carol, 2);
    await db.pool.query('delete from auth.users where id = $1', [carol.id]);
    expect((await queued(carol)).sort()).toEqual(vs.map((v) => v.file_url).sort());
    const { rows } = await db.pool.query('select count(*)::int as n from public.sessions where user_id = $1', [carol.id]);
    expect(rows[0].n).toBe(0);
    const all = await asServiceRole(db.api, async (c) => (await c.query('select public.claim_deleted_objects(1000) as p')).rows[0].p as string[]);
    expect(all).toEqual(expect.arrayContaining(vs.map((v) => v.file_url)));
  });
  it('claim returns only the caller\'s paths; ack removes them', async () => {
    const dave = await createUser(db.pool, { email: 'dave@example.com' });
    const { s, vs } = await freshTree(dave, 3);
    await asUser(db.api, dave, (c) => c.query('delete from public.sessions where id = $1', [s.id]));
    const claimed = await asUser(db.api, dave, async (c) => (await c.query('select public.claim_deleted_objects() as p')).rows[0].p as string[]);
    expect([...claimed].sort()).toEqual(vs.map((v) => v.file_url).sort());
    const bobSees = await asUser(db.api, bob, async (c) => (await c.query('select public.claim_deleted_objects() as p')).rows[0].p as string[]);
    expect(bobSees.some((p) => claimed.includes(p))).toBe(false);
    const limited = await asUser(db.api, dave, async (c) => (await c.query('select public.claim_deleted_objects(2) as p')).rows[0].p as string[]);
    expect(limited).toEqual(claimed.slice(0, 2));
    await asUser(db.api, bob, (c) => c.query('select public.ack_deleted_objects($1)', [claimed]));
    expect(await queued(dave)).toHaveLength(3);
    await asUser(db.api, dave, (c) => c.query('select public.ack_deleted_objects($1)', [claimed.slice(0, 2)]));
    expect(await queued(dave)).toEqual([claimed[2]]);
    await asUser(db.api, dave, (c) => c.query('select public.ack_deleted_objects($1)', [claimed]));
    expect(await queued(dave)).toEqual([]);
    const { rows } = await db.pool.query('select count(*)::int as n from private.deleted_objects where user_id = $1', [dave.id]);
    expect(rows[0].n).toBe(0);
  });
  it('claim stamps the rows and refuses a bad limit', async () => {
    const { vs } = await freshTree(bob, 1);
    await asUser(db.api, bob, (c) => c.query('select public.remove_video($1)', [vs[0]!.id]));
    await asUser(db.api, bob, (c) => c.query('select public.claim_deleted_objects()'));
    const { rows } = await db.pool.query('select claims, claimed_at is not null as stamped from private.deleted_objects where path = $1', [vs[0]!.file_url]);
    expect(rows).toEqual([{ claims: 1, stamped: true }]);
    expect(await sqlState(asUser(db.api, bob, (c) => c.query('select public.claim_deleted_objects(0)')))).toBe('22023');
  });
  it('authenticated users cannot write the queue directly', async () => {
    expect(await sqlState(asUser(db.api, bob, (c) => c.query(`insert into private.deleted_objects (user_id, path) values ($1, 'x')`, [bob.id])))).toBe('42501');
  });
});
