// import_session's module renames and its check against the plan's counts (migration 20261206400000).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asUser, createUser, freshDatabase, sqlState, type FreshDatabase, type TestUser } from '../support/db.js';
import { sha256Of } from './fixtures.js';

interface Tree {
  id: string;
  modules: Array<{ id: string; key: string | null; name: string; videos: Array<{ id: string; key: string; file_url: string }> }>;
}
interface Result {
  sessions: Tree[];
  counts: Record<'sessions' | 'modules' | 'videos', Record<string, number>>;
}

const video = (key: string) => ({ key, file_name: key, file_size: 1000, sha256: sha256Of(key), mime_type: 'video/mp4' });
const course = (modules: Array<[string, string[]]>, renames?: Array<{ from: string; to: string }>) => ({
  key: 'c',
  name: 'Course',
  session_type: null,
  modules: modules.map(([key, videos]) => ({ key, name: key, videos: videos.map(video) })),
  ...(renames ? { module_renames: renames } : {}),
});

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

function importAs(user: TestUser, manifest: Record<string, unknown>): Promise<Result> {
  return asUser(db.api, user, async (c) => {
    const { rows } = await c.query<{ r: Result }>('select public.import_session($1) as r', [JSON.stringify(manifest)]);
    return rows[0]!.r;
  });
}

async function rowCount(user: TestUser): Promise<{ modules: number; videos: number }> {
  const { rows } = await db.pool.query<{ modules: number; videos: number }>(
    'select (select count(*)::int from public.modules where user_id = $1) as modules, (select count(*)::int from public.videos where user_id = $1) as videos',
    [user.id],
  );
  return rows[0]!;
}

describe('import_session: module renames', () => {
  it('renames a module in place: same id, same videos and object paths, nothing deleted', async () => {
    const first = await importAs(author, { prune: true, sessions: [course([['01-intro', ['a.mp4']], ['10-wrap_up', ['b.mp4', 'c.mp4']]])] });
    const before = first.sessions[0]!.modules[1]!;
    const second = await importAs(author, {
      prune: true,
      sessions: [course([['01-intro', ['a.mp4']], ['03-wrap_up', ['b.mp4', 'c.mp4']]], [{ from: '10-wrap_up', to: '03-wrap_up' }])],
      expect: { modules: { created: 0, deleted: 0, renamed: 1 }, videos: { created: 0, deleted: 0, replaced: 0 } },
    });
    const after = second.sessions[0]!.modules[1]!;
    expect(after).toMatchObject({ id: before.id, key: '03-wrap_up' });
    expect(after.videos.map((v) => [v.id, v.file_url])).toEqual(before.videos.map((v) => [v.id, v.file_url]));
    expect(second.counts.modules).toMatchObject({ created: 0, deleted: 0, renamed: 1 });
    expect(first.counts.modules).not.toHaveProperty('renamed');
    expect(second.counts.videos).toMatchObject({ created: 0, deleted: 0 });
  });

  it('swaps two keys in one call', async () => {
    await importAs(author, { sessions: [course([['a', ['1.mp4']], ['b', ['2.mp4']]])] });
    const swapped = await importAs(author, {
      sessions: [course([['b', ['1.mp4']], ['a', ['2.mp4']]], [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }])],
    });
    expect(swapped.sessions[0]!.modules.map((m) => `${m.key}:${m.videos.map((v) => v.key).join()}`)).toEqual(['b:1.mp4', 'a:2.mp4']);
    expect(swapped.counts.modules.renamed).toBe(2);
  });

  it('refuses a rename of a module that is gone (PT409) and writes nothing', async () => {
    await importAs(author, { sessions: [course([['a', ['1.mp4']]])] });
    const before = await rowCount(author);
    const failing = importAs(author, { sessions: [course([['z', ['1.mp4']], ['new', ['9.mp4']]], [{ from: 'missing', to: 'z' }])] });
    expect(await sqlState(failing)).toBe('PT409');
    expect(await rowCount(author)).toEqual(before);
  });

  it('refuses malformed renames (22023, naming the entry) and keeps the module, its id and its videos', async () => {
    const first = await importAs(author, { prune: true, sessions: [course([['a', ['1.mp4']], ['b', ['2.mp4', '3.mp4']]])] });
    const b = first.sessions[0]!.modules[1]!;
    const cases: Array<[unknown[], string]> = [
      [[{ from: 'b' }], 'sessions[0].module_renames[0]: needs from and to (strings)'],
      [[{ from: 'a', to: 'a' }, { from: 'b', to: 5 }], 'sessions[0].module_renames[1]: needs from and to (strings)'],
      [['b'], 'sessions[0].module_renames[0]: needs from and to (strings)'],
      [[{ from: 'b', to: 'x' }, { from: 'b', to: 'y' }], 'sessions[0].module_renames: "b" is renamed twice'],
      [[{ from: 'a', to: 'x' }, { from: 'b', to: 'x' }], 'sessions[0].module_renames: two modules are renamed to "x"'],
    ];
    for (const [renames, message] of cases) {
      const failing = importAs(author, { prune: true, sessions: [{ ...course([['a', ['1.mp4']], ['b', ['2.mp4', '3.mp4']]]), module_renames: renames }] });
      const err = await failing.catch((e: unknown) => e as Error);
      expect(await sqlState(failing), JSON.stringify(renames)).toBe('22023');
      expect((err as Error).message).toBe(message);
    }
    const after = await asUser(db.api, author, async (c) => (await c.query('select public.session_tree($1) as t', [first.sessions[0]!.id])).rows[0].t as Tree);
    expect(after.modules[1]).toMatchObject({ id: b.id, key: 'b' });
    expect(after.modules[1]!.videos.map((v) => v.id)).toEqual(b.videos.map((v) => v.id));
  });
});

describe('import_session: the plan check', () => {
  it('rolls everything back when applying gives other counts than the plan says', async () => {
    await importAs(author, { sessions: [course([['a', ['1.mp4']]])] });
    const before = await rowCount(author);
    // The plan saw no module "b"; meanwhile it exists, so applying would create 1 module, not 2.
    await importAs(author, { sessions: [course([['a', ['1.mp4']], ['b', []]])] });
    const mid = await rowCount(author);
    expect(mid.modules).toBe(before.modules + 1);
    const failing = importAs(author, {
      prune: true,
      sessions: [course([['a', ['1.mp4']], ['b', ['2.mp4']], ['c', []]])],
      expect: { modules: { created: 2, deleted: 0 }, videos: { created: 1 } },
    });
    const err = await failing.catch((e: unknown) => e as Error);
    expect(await sqlState(failing)).toBe('PT409');
    expect((err as Error).message).toBe('the sessions changed since the plan (modules created: planned 2, applying gives 1); nothing was written');
    expect(await rowCount(author)).toEqual(mid);
  });

  it('applies when the counts agree', async () => {
    const result = await importAs(author, {
      sessions: [course([['a', ['1.mp4', '2.mp4']]])],
      expect: { sessions: { created: 1 }, modules: { created: 1, deleted: 0, renamed: 0 }, videos: { created: 2, deleted: 0, replaced: 0 } },
    });
    expect(result.counts.videos.created).toBe(2);
  });
});
