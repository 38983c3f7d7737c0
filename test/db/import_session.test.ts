import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asAnon, asUser, createUser, freshDatabase, sqlState, type FreshDatabase, type TestUser } from '../support/db.js';
import { addModule, beginVideo, createSession, sha256Of } from './fixtures.js';

interface TreeVideo {
  id: string;
  key: string | null;
  file_name: string;
  file_size: number;
  mime_type: string;
  sha256: string;
  status: string;
  order_index: number;
  file_url: string;
}
interface Tree {
  id: string;
  name: string;
  session_type: string;
  key: string | null;
  modules: Array<{ id: string; name: string; key: string | null; order_index: number; videos: TreeVideo[] }>;
}
interface Counts {
  created: number;
  updated: number;
  deleted: number;
  replaced?: number;
}
interface Result {
  sessions: Tree[];
  counts: { sessions: Counts; modules: Counts; videos: Counts };
}

interface V {
  key: string;
  file_name: string;
  file_size: number;
  sha256: string;
  mime_type: string;
}
const video = (key: string, bytes = key, fileName = key): V => ({ key, file_name: fileName, file_size: 1000, sha256: sha256Of(bytes), mime_type: 'video/mp4' });
const mod = (key: string, name: string, videos: V[] = []) => ({ key, name, videos });
const session = (key: string, name: string, modules: ReturnType<typeof mod>[], sessionType: string | null = null) => ({ key, name, session_type: sessionType, modules });
type S = ReturnType<typeof session>;

let db: FreshDatabase;
let author: TestUser;

beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.cleanup();
});
beforeEach(async () => {
  author = await createUser(db.pool);
});

function importAs(user: TestUser, sessions: S[] | unknown, prune = false): Promise<Result> {
  return asUser(db.api, user, async (c) => {
    const { rows } = await c.query<{ r: Result }>('select public.import_session($1) as r', [JSON.stringify({ prune, sessions })]);
    return rows[0]!.r;
  });
}

/** "module-key: video-key video-key" lines, in order. */
function shape(tree: Tree): string[] {
  return tree.modules.map((m) => `${m.key ?? '(none)'} ${m.name}: ${m.videos.map((v) => `${v.key ?? '(none)'}${v.status === 'ready' ? '' : '*'}`).join(' ')}`.trimEnd());
}

async function queuedPaths(user: TestUser): Promise<string[]> {
  const { rows } = await db.pool.query<{ path: string }>('select path from private.deleted_objects where user_id = $1 order by id', [user.id]);
  return rows.map((r) => r.path);
}

/** Marks every video of the tree ready, as finish_video would after an upload. */
async function markReady(tree: Tree): Promise<void> {
  const ids = tree.modules.flatMap((m) => m.videos.map((v) => v.id));
  await db.pool.query(`update public.videos set status = 'ready' where id = any($1::uuid[])`, [ids]);
}

const course = () =>
  session('sql-101', 'Intro to SQL', [
    mod('basics', 'Basics', [video('select.mp4'), video('where.mp4')]),
    mod('joins', 'Joins', [video('inner.mp4')]),
    mod('wrap', 'Wrap up'),
  ]);

describe('import_session', () => {
  it('creates a whole tree in order, videos uploading at their object paths', async () => {
    const result = await importAs(author, [course()]);
    expect(result.counts).toEqual({
      sessions: { created: 1, updated: 0, deleted: 0 },
      modules: { created: 3, updated: 0, deleted: 0 },
      videos: { created: 3, updated: 0, deleted: 0, replaced: 0 },
    });
    const tree = result.sessions[0]!;
    expect(tree).toMatchObject({ key: 'sql-101', name: 'Intro to SQL', session_type: 'Linear Flow' });
    expect(shape(tree)).toEqual(['basics Basics: select.mp4* where.mp4*', 'joins Joins: inner.mp4*', 'wrap Wrap up:']);
    expect(tree.modules.map((m) => m.order_index)).toEqual([0, 1, 2]);
    const v = tree.modules[0]!.videos[1]!;
    expect(v).toMatchObject({ order_index: 1, file_name: 'where.mp4', sha256: sha256Of('where.mp4'), mime_type: 'video/mp4', file_size: 1000 });
    expect(v.file_url).toBe(`${author.id}/${tree.id}/${tree.modules[0]!.id}/${v.id}/where.mp4`);
  });

  it('plans nothing the second time: same ids, nothing written', async () => {
    const first = await importAs(author, [course()]);
    await markReady(first.sessions[0]!);
    const { rows: before } = await db.pool.query('select id, updated_at from public.modules where user_id = $1 order by id', [author.id]);
    const second = await importAs(author, [course()]);
    expect(second.counts).toEqual({
      sessions: { created: 0, updated: 0, deleted: 0 },
      modules: { created: 0, updated: 0, deleted: 0 },
      videos: { created: 0, updated: 0, deleted: 0, replaced: 0 },
    });
    const { rows: after } = await db.pool.query('select id, updated_at from public.modules where user_id = $1 order by id', [author.id]);
    expect(after).toEqual(before);
    expect(shape(second.sessions[0]!)).toEqual(['basics Basics: select.mp4 where.mp4', 'joins Joins: inner.mp4', 'wrap Wrap up:']);
    expect(second.sessions[0]!.id).toBe(first.sessions[0]!.id);
  });

  it('applies a rename, a swap, a new video and a pruned one, keeping the other rows', async () => {
    const first = (await importAs(author, [course()])).sessions[0]!;
    await markReady(first);
    const changed = session('sql-101', 'Intro to SQL', [
      mod('joins', 'Joins', [video('inner.mp4'), video('outer.mp4')]),
      mod('basics', 'The basics', [video('select.mp4')]),
      mod('wrap', 'Wrap up'),
    ]);
    const result = await importAs(author, [changed], true);
    const tree = result.sessions[0]!;
    expect(shape(tree)).toEqual(['joins Joins: inner.mp4 outer.mp4*', 'basics The basics: select.mp4', 'wrap Wrap up:']);
    expect(result.counts.videos).toEqual({ created: 1, updated: 0, deleted: 1, replaced: 0 });
    expect(result.counts.modules).toEqual({ created: 0, updated: 2, deleted: 0 });
    const ids = (t: Tree) => Object.fromEntries(t.modules.flatMap((m) => [[m.key, m.id], ...m.videos.map((v) => [v.key, v.id])]));
    const before = ids(first);
    const after = ids(tree);
    for (const key of ['joins', 'basics', 'wrap', 'inner.mp4', 'select.mp4']) expect(after[key]).toBe(before[key]);
    const where = first.modules[0]!.videos[1]!;
    expect(await queuedPaths(author)).toEqual([where.file_url]);
  });

  it('without prune, keeps unlisted rows after the listed ones', async () => {
    const s = await createSession(db, author, { key: 'k', name: 'K' });
    await addModule(db, author, s.id, 'Hand made');
    const listed = await addModule(db, author, s.id, 'Listed', null, 'listed');
    await beginVideo(db, author, listed.id, { name: 'manual.mp4' });
    const result = await importAs(author, [session('k', 'K', [mod('new', 'New'), mod('listed', 'Listed', [video('a.mp4')])])]);
    expect(shape(result.sessions[0]!)).toEqual(['new New:', 'listed Listed: a.mp4* (none)*', '(none) Hand made:']);
    // Listed stays second; the hand-made module moves from first to last.
    expect(result.counts.modules).toEqual({ created: 1, updated: 1, deleted: 0 });
    expect(result.counts.videos).toEqual({ created: 1, updated: 1, deleted: 0, replaced: 0 });
  });

  it('with prune, deletes unlisted modules with their videos, keyless ones too, and queues their objects', async () => {
    const s = await createSession(db, author, { key: 'k', name: 'K' });
    const manual = await addModule(db, author, s.id, 'Hand made');
    const v = await beginVideo(db, author, manual.id, { name: 'manual.mp4' });
    await addModule(db, author, s.id, 'Old', null, 'old');
    const result = await importAs(author, [session('k', 'K', [mod('new', 'New')])], true);
    expect(shape(result.sessions[0]!)).toEqual(['new New:']);
    expect(result.counts.modules).toEqual({ created: 1, updated: 0, deleted: 2 });
    expect(result.counts.videos.deleted).toBe(1);
    expect(await queuedPaths(author)).toEqual([v.file_url]);
  });

  it('replaces a video whose bytes changed: new row, uploading, old object queued', async () => {
    const first = (await importAs(author, [course()])).sessions[0]!;
    await markReady(first);
    const edited = course();
    edited.modules[1]!.videos[0] = video('inner.mp4', 'new bytes');
    const result = await importAs(author, [edited]);
    const old = first.modules[1]!.videos[0]!;
    const now = result.sessions[0]!.modules[1]!.videos[0]!;
    expect(now.id).not.toBe(old.id);
    expect(now).toMatchObject({ key: 'inner.mp4', status: 'uploading', sha256: sha256Of('new bytes'), order_index: 0 });
    expect(result.counts.videos).toEqual({ created: 0, updated: 1, deleted: 0, replaced: 1 });
    expect(await queuedPaths(author)).toEqual([old.file_url]);
  });

  it('renames the session and changes its type only when the manifest says so', async () => {
    await importAs(author, [session('s', 'Old', [], 'Assessment')]);
    let tree = (await importAs(author, [session('s', 'New', [])])).sessions[0]!;
    expect(tree).toMatchObject({ name: 'New', session_type: 'Assessment' });
    tree = (await importAs(author, [session('s', 'New', [], 'Self-Paced')])).sessions[0]!;
    expect(tree.session_type).toBe('Self-Paced');
  });

  it('makes object names ASCII, as begin_video does', async () => {
    const tree = (await importAs(author, [session('s', 'S', [mod('m', 'M', [video('k', 'x', 'Über Café #1.MP4')])])])).sessions[0]!;
    expect(tree.modules[0]!.videos[0]!.file_url).toMatch(/\/ber-caf-1\.mp4$/);
    const other = await beginVideo(db, author, tree.modules[0]!.id, { name: 'Über Café #1.MP4' });
    expect(other.file_url.split('/').pop()).toBe('ber-caf-1.mp4');
  });

  it('rolls everything back when one row fails: nothing of the first session is left', async () => {
    const bad = session('second', 'Second', [mod('m', '   ')]);
    expect(await sqlState(importAs(author, [course(), bad]))).toBe('23514');
    const { rows } = await db.pool.query('select count(*)::int as n from public.sessions where user_id = $1', [author.id]);
    expect(rows[0].n).toBe(0);
  });

  it('keeps an existing tree as it was when an import of it fails', async () => {
    const first = (await importAs(author, [course()])).sessions[0]!;
    const broken = course();
    broken.modules[0]!.name = 'Renamed';
    broken.modules.push(mod('bad', ''));
    await expect(importAs(author, [broken], true)).rejects.toThrow();
    const { rows } = await db.pool.query<{ tree: Tree }>('select public.session_tree($1) as tree', [first.id]);
    expect(shape(rows[0]!.tree)).toEqual(shape(first));
  });

  const malformed: Array<[string, unknown, RegExp]> = [
    ['no sessions', [], /sessions: must be a non-empty array/],
    ['duplicate session keys', [session('a', 'A', []), session('a', 'B', [])], /sessions: duplicate key "a"/],
    ['duplicate module keys', [session('a', 'A', [mod('m', 'M'), mod('m', 'N')])], /sessions\[0\]\.modules: duplicate key "m"/],
    ['duplicate video keys', [session('a', 'A', [mod('m', 'M', [video('v'), video('v', 'other')])])], /sessions\[0\]\.modules\[0\]\.videos: duplicate key "v"/],
    ['a bad sha256', [session('a', 'A', [mod('m', 'M', [{ ...video('v'), sha256: 'ABC' }])])], /sessions\[0\]\.modules\[0\]\.videos\[0\]/],
    ['a module without a name', [{ key: 'a', name: 'A', session_type: null, modules: [{ key: 'm', videos: [] }] }], /sessions\[0\]\.modules\[0\]: key and name must be strings/],
  ];
  for (const [name, sessions, message] of malformed) {
    it(`refuses a malformed manifest (${name}) with 22023`, async () => {
      const error = await importAs(author, sessions).then(
        () => null,
        (err: { code?: string; message: string }) => err,
      );
      expect(error?.code).toBe('22023');
      expect(error?.message).toMatch(message);
    });
  }

  it("matches keys among the caller's own sessions only", async () => {
    const other = await createUser(db.pool);
    const mine = (await importAs(author, [course()])).sessions[0]!;
    const theirs = (await importAs(other, [course()])).sessions[0]!;
    expect(theirs.id).not.toBe(mine.id);
    const { rows } = await db.pool.query('select user_id from public.sessions where id = $1', [theirs.id]);
    expect(rows[0].user_id).toBe(other.id);
  });

  it('an operator importing matches only their own sessions', async () => {
    const operator = await createUser(db.pool, { operator: true });
    const mine = (await importAs(author, [course()])).sessions[0]!;
    const result = await importAs(operator, [course()]);
    expect(result.counts.sessions.created).toBe(1);
    expect(result.sessions[0]!.id).not.toBe(mine.id);
  });

  it('anonymous callers cannot run it', async () => {
    const code = await sqlState(asAnon(db.api, (c) => c.query('select public.import_session($1)', [JSON.stringify({ sessions: [course()] })])));
    expect(code).toBe('42501');
  });

  // Its speed is measured by bench/import.mjs, not asserted here.
  it('imports 500 modules × 2 videos in one call, and again as a no-op', async () => {
    const big = session(
      'big',
      'Big',
      Array.from({ length: 500 }, (_, i) => mod(`m${i}`, `Module ${i}`, [video(`a${i}.mp4`), video(`b${i}.mp4`)])),
    );
    const first = await importAs(author, [big]);
    expect(first.counts.modules.created).toBe(500);
    expect(first.counts.videos.created).toBe(1000);
    const again = await importAs(author, [big]);
    expect(again.counts.modules).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(again.counts.videos.created).toBe(0);
  });
});
