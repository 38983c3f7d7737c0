// `session import` and `session export`, the built CLI run as a user would, against the local backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa, type Result } from 'execa';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';
import { writeVideo } from '../support/media.js';
import { startPausingProxy } from '../support/pausing-proxy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built launcher; SESSION_TEST_BIN points the tests at another build (a snapshot of dist/). */
const bin = process.env.SESSION_TEST_BIN ?? path.join(root, 'bin', 'session.js');

let backend: TestBackend;
let work: string;

beforeAll(async () => {
  backend = await startTestBackend();
  work = await mkdtemp(path.join(tmpdir(), 'import-e2e-'));
}, 120_000);

afterAll(async () => {
  await backend?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs the built CLI as `user`, from `cwd`, never throwing: the test reads the exit code. */
function cli(user: SignedInUser, args: string[], opts: { cwd?: string } = {}): Promise<Result> {
  return execa('node', [bin, ...args], {
    cwd: opts.cwd ?? work,
    reject: false,
    env: {
      SUPABASE_URL: backend.url,
      SUPABASE_ANON_KEY: backend.anonKey,
      SESSION_ACCESS_TOKEN: user.session.access_token,
      XDG_CONFIG_HOME: path.join(work, `config-${user.id}`),
      XDG_STATE_HOME: path.join(work, `state-${user.id}`),
      NO_COLOR: '1',
      CI: 'true',
    },
    extendEnv: false,
    timeout: 60_000,
  });
}

interface Action {
  action: string;
  kind: string;
  key: string | null;
  name: string;
  changes: string[];
  upload: boolean;
}
interface ImportJson {
  actions: Action[];
  summary: Record<string, number>;
  applied: { counts: Record<string, Record<string, number>> } | null;
  uploads: { files: Array<{ status: string; bytes_sent: number }> } | null;
}

function json<T>(result: Result): T {
  try {
    return JSON.parse(String(result.stdout)) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** The changing rows as "action kind key". */
const changes = (plan: ImportJson) => plan.actions.filter((a) => a.action !== 'unchanged' || a.upload).map((a) => `${a.action} ${a.kind} ${a.key}`);

/** Writes small distinct videos; returns their sha256 by relative path. */
async function makeFiles(dir: string, files: string[]): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const file of files) {
    const full = path.join(dir, file);
    await mkdir(path.dirname(full), { recursive: true });
    hashes[file] = await writeVideo(full, 1500 + Math.floor(Math.random() * 500), file.endsWith('.webm') ? 'webm' : 'mp4');
  }
  return hashes;
}

interface TreeShape {
  name: string;
  session_type: string;
  modules: Array<{ name: string; key: string | null; videos: Array<{ file_name: string; sha256: string; status: string; key: string | null }> }>;
}

/** The caller's session with this key, as session_tree returns it, or null. */
async function treeOf(user: SignedInUser, key: string): Promise<TreeShape | null> {
  const { data } = await user.client.from('sessions').select('id').eq('key', key).eq('user_id', user.id);
  const id = (data as Array<{ id: string }> | null)?.[0]?.id;
  if (!id) return null;
  const { data: tree, error } = await user.client.rpc('session_tree', { p_session_id: id });
  if (error) throw new Error(error.message);
  return tree as TreeShape;
}

const outline = (tree: TreeShape | null) =>
  tree?.modules.map((m) => `${m.name}: ${m.videos.map((v) => `${v.file_name}${v.status === 'ready' ? '' : ' (uploading)'}`).join(', ')}`) ?? null;

async function objectCount(): Promise<number> {
  const { rows } = await backend.db.pool.query<{ n: number }>(`select count(*)::int as n from storage.objects where bucket_id = 'videos'`);
  return rows[0]!.n;
}

describe('session import', () => {
  let ada: SignedInUser;
  let course: string;
  let manifestPath: string;

  beforeAll(async () => {
    ada = await backend.signedInUser();
    course = path.join(work, 'sql-course');
    await makeFiles(course, ['basics/select.mp4', 'basics/where.mp4', 'joins/inner.mp4', 'joins/outer.webm']);
    manifestPath = path.join(course, 'course.yaml');
    await writeFile(
      manifestPath,
      `sessions:
  - key: sql-101
    name: Intro to SQL
    type: Self-Paced
    modules:
      - key: basics
        name: Basics
        videos:
          - file: basics/select.mp4
          - file: basics/where.mp4
      - key: joins
        name: Joins
        videos:
          - file: joins/inner.mp4
          - file: joins/outer.webm
`,
    );
  }, 60_000);

  it('--dry-run prints the plan and changes nothing', async () => {
    const result = await cli(ada, ['import', manifestPath, '--dry-run', '--json']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const plan = json<ImportJson>(result);
    expect(changes(plan)).toEqual([
      'create session sql-101',
      'create module basics',
      'create video select.mp4',
      'create video where.mp4',
      'create module joins',
      'create video inner.mp4',
      'create video outer.webm',
    ]);
    expect(plan.summary).toMatchObject({ create: 7, upload_files: 4 });
    expect(plan.applied).toBeNull();
    expect(await treeOf(ada, 'sql-101')).toBeNull();
    expect(await objectCount()).toBe(0);

    const piped = await cli(ada, ['import', manifestPath, '--dry-run']);
    expect(String(piped.stdout).split('\n')[0]).toBe('create\tsession\tsql-101\tIntro to SQL\t\t');
    expect(String(piped.stderr)).toContain('Dry run: nothing written.');
  });

  it('imports, then a re-import plans nothing and sends nothing', async () => {
    const first = await cli(ada, ['import', manifestPath, '--json']);
    expect(first.exitCode, String(first.stderr)).toBe(0);
    const applied = json<ImportJson>(first);
    expect(applied.applied?.counts.videos).toMatchObject({ created: 4 });
    expect(applied.uploads?.files.map((u) => u.status)).toEqual(['uploaded', 'uploaded', 'uploaded', 'uploaded']);
    const tree = await treeOf(ada, 'sql-101');
    expect(tree?.session_type).toBe('Self-Paced');
    expect(outline(tree)).toEqual(['Basics: select.mp4, where.mp4', 'Joins: inner.mp4, outer.webm']);
    const objects = await objectCount();
    expect(objects).toBe(4);

    const again = await cli(ada, ['import', manifestPath, '--json']);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    const plan = json<ImportJson>(again);
    expect(changes(plan)).toEqual([]);
    expect(plan.summary).toMatchObject({ create: 0, update: 0, move: 0, delete: 0, upload_files: 0, upload_bytes: 0 });
    expect(plan.applied).toBeNull();
    expect(plan.uploads).toBeNull();
    expect(await objectCount()).toBe(objects);

    const human = await cli(ada, ['import', manifestPath]);
    expect(human.exitCode).toBe(0);
    expect(String(human.stdout)).toBe('');
    expect(String(human.stderr)).toContain('No changes: 7 rows up to date.');
  });

  it('applies exactly a rename, a swap, a new video and a pruned one', async () => {
    await makeFiles(course, ['joins/cross.mp4']);
    const changed = path.join(course, 'changed.yaml');
    await writeFile(
      changed,
      `key: sql-101
name: Intro to SQL
modules:
  - key: joins
    name: Joins
    videos:
      - file: joins/inner.mp4
      - file: joins/outer.webm
      - file: joins/cross.mp4
  - key: basics
    name: The basics
    videos:
      - file: basics/select.mp4
`,
    );
    const dry = json<ImportJson>(await cli(ada, ['import', changed, '--prune', '--dry-run', '--json']));
    expect(changes(dry)).toEqual(['create video cross.mp4', 'update module basics', 'delete video where.mp4']);
    expect(dry.actions.find((a) => a.key === 'basics')!.changes).toEqual(['name "Basics" → "The basics"', 'position 1 → 2']);

    const result = await cli(ada, ['import', changed, '--prune', '--yes', '--json']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const applied = json<ImportJson>(result);
    expect(applied.uploads?.files.map((u) => u.status)).toEqual(['uploaded']);
    expect(applied.applied?.counts.videos).toMatchObject({ created: 1, deleted: 1 });
    expect(outline(await treeOf(ada, 'sql-101'))).toEqual(['Joins: inner.mp4, outer.webm, cross.mp4', 'The basics: select.mp4']);
    // The pruned video's object was removed through the Storage API.
    expect(await objectCount()).toBe(4);

    const again = json<ImportJson>(await cli(ada, ['import', changed, '--prune', '--yes', '--json']));
    expect(changes(again)).toEqual([]);
  });

  it('leaves the database as it was when the row phase fails', async () => {
    const before = await treeOf(ada, 'sql-101');
    // A failure injected into the database, after a rename and a new module of the same import.
    await backend.db.pool.query(`
      create function public.test_refuse_boom() returns trigger language plpgsql set search_path = '' as $$
      begin
        if new.name = 'Boom' then raise exception 'injected failure' using errcode = 'P0001'; end if;
        return new;
      end $$;
      create trigger test_refuse_boom before insert on public.modules for each row execute function public.test_refuse_boom();`);
    try {
      const failing = path.join(course, 'failing.yaml');
      await writeFile(
        failing,
        'key: sql-101\nname: Renamed\nmodules:\n  - key: fresh\n    name: Fresh\n  - key: boom\n    name: Boom\n',
      );
      const result = await cli(ada, ['import', failing, '--prune', '--yes']);
      expect(result.exitCode).toBe(2);
      expect(String(result.stderr)).toContain('import failed, nothing was written: injected failure');
      expect(await treeOf(ada, 'sql-101')).toEqual(before);
    } finally {
      await backend.db.pool.query('drop trigger test_refuse_boom on public.modules; drop function public.test_refuse_boom();');
    }
  });

  it('names the line of a manifest error and writes nothing', async () => {
    const bad = path.join(work, 'bad.yaml');
    await writeFile(bad, 'key: broken\nname: Broken\nmodules:\n  - key: a\n    name: A\n  - key: b\n    name: "   "\n');
    const result = await cli(ada, ['import', bad]);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain(`${bad}:7: modules[1].name: must not be blank`);
    expect(await treeOf(ada, 'broken')).toBeNull();

    const missing = path.join(work, 'missing.yaml');
    await writeFile(missing, 'key: broken\nname: Broken\nmodules:\n  - key: a\n    name: A\n    videos:\n      - file: nowhere.mp4\n');
    const second = await cli(ada, ['import', missing, '--json']);
    expect(second.exitCode).toBe(2);
    expect(String(second.stderr)).toContain(`${missing}:7: modules[0].videos[0].file: no such file: nowhere.mp4`);
    expect(await treeOf(ada, 'broken')).toBeNull();
  });

  it('refuses a file that is not a video before writing any row', async () => {
    const dir = path.join(work, 'renamed-exe');
    await mkdir(path.join(dir, '01-a'), { recursive: true });
    await writeFile(path.join(dir, '01-a', 'tool.mp4'), 'MZ this is not a video at all');
    const result = await cli(ada, ['import', dir]);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('01-a/tool.mp4');
    expect(await treeOf(ada, 'renamed-exe')).toBeNull();
  });

  it('keeps folder modules 01, 02, 10 in numeric order, and --print-manifest shows the manifest it implies', async () => {
    const dir = path.join(work, 'numbered');
    await makeFiles(dir, ['10/c.mp4', '02/b.mp4', '01/a.mp4', '01/a10.mp4', '01/a2.mp4']);
    const printed = await cli(ada, ['import', dir, '--print-manifest']);
    expect(printed.exitCode, String(printed.stderr)).toBe(0);
    expect(String(printed.stdout)).toContain('key: numbered');
    expect(String(printed.stdout).indexOf('file: 01/a2.mp4')).toBeLessThan(String(printed.stdout).indexOf('file: 01/a10.mp4'));
    expect(await treeOf(ada, 'numbered')).toBeNull();

    const result = await cli(ada, ['import', dir]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const tree = await treeOf(ada, 'numbered');
    expect(tree?.modules.map((m) => m.key)).toEqual(['01', '02', '10']);
    expect(outline(tree)).toEqual(['01: a.mp4, a2.mp4, a10.mp4', '02: b.mp4', '10: c.mp4']);
  });

  it('exits 6 when some uploads fail, and a re-run finishes only those', async () => {
    const dir = path.join(work, 'partly');
    await makeFiles(dir, ['01-a/good.mp4', '01-a/bad.mp4', '02-b/fine.mp4']);
    // Fail finish_video for one file, as a server error would.
    await backend.db.pool.query(`
      create function public.test_refuse_bad() returns trigger language plpgsql set search_path = '' as $$
      begin
        if new.status = 'ready' and new.file_name = 'bad.mp4' then raise exception 'injected failure' using errcode = 'P0001'; end if;
        return new;
      end $$;
      create trigger test_refuse_bad before update on public.videos for each row execute function public.test_refuse_bad();`);
    try {
      const result = await cli(ada, ['import', dir, '--json']);
      expect(result.exitCode, String(result.stderr)).toBe(6);
      expect(String(result.stderr)).toContain('run the same import again to finish the uploads');
      const report = json<ImportJson>(result);
      expect(report.uploads?.files.map((u) => u.status).sort()).toEqual(['failed', 'uploaded', 'uploaded']);
    } finally {
      await backend.db.pool.query('drop trigger test_refuse_bad on public.videos; drop function public.test_refuse_bad();');
    }
    const plan = json<ImportJson>(await cli(ada, ['import', dir, '--dry-run', '--json']));
    expect(changes(plan)).toEqual(['update video bad.mp4']);
    const rerun = await cli(ada, ['import', dir, '--json']);
    expect(rerun.exitCode, String(rerun.stderr)).toBe(0);
    expect(json<ImportJson>(rerun).uploads?.files).toHaveLength(1);
    expect(outline(await treeOf(ada, 'partly'))).toEqual(['a: bad.mp4, good.mp4', 'b: fine.mp4']);
  });

  it('finishes on a re-run an import interrupted during uploads', async () => {
    const dir = path.join(work, 'interrupted');
    const files = Array.from({ length: 8 }, (_, i) => `01-part/clip-${i}.mp4`);
    for (const file of files) {
      await mkdir(path.join(dir, '01-part'), { recursive: true });
      await writeVideo(path.join(dir, file), 3 * 1024 * 1024 + i(file));
    }
    // Through a proxy that holds the upload still once clip-0 (3 MiB) and 1 MiB of clip-1 have
    // reached the server; the CLI is killed hard then: rows exist, most bytes do not.
    const proxy = await startPausingProxy(backend.url);
    const held = proxy.holdAfter(4 * 1024 * 1024);
    const child = execa('node', [bin, 'import', dir, '--concurrency', '1'], {
      cwd: work,
      reject: false,
      env: {
        SUPABASE_URL: proxy.url,
        SUPABASE_ANON_KEY: backend.anonKey,
        SESSION_ACCESS_TOKEN: ada.session.access_token,
        XDG_CONFIG_HOME: path.join(work, 'config-interrupted'),
        XDG_STATE_HOME: path.join(work, 'state-interrupted'),
        NO_COLOR: '1',
        CI: 'true',
      },
      extendEnv: false,
    });
    await held;
    child.kill('SIGKILL');
    const killed = await child;
    await proxy.close();
    expect(killed.signal).toBe('SIGKILL');
    const partial = await treeOf(ada, 'interrupted');
    const waiting = partial!.modules[0]!.videos.filter((v) => v.status !== 'ready').length;
    // clip-0 was finished before clip-1 began (one at a time); the other seven wait.
    expect(waiting).toBe(7);

    const plan = json<ImportJson>(await cli(ada, ['import', dir, '--dry-run', '--json']));
    expect(plan.actions.filter((a) => a.upload).every((a) => a.changes.includes('upload not finished'))).toBe(true);
    expect(plan.summary.upload_files).toBe(waiting);

    const rerun = await cli(ada, ['import', dir, '--json']);
    expect(rerun.exitCode, String(rerun.stderr)).toBe(0);
    const done = json<ImportJson>(rerun);
    expect(done.applied).toBeNull();
    expect(done.uploads?.files).toHaveLength(waiting);
    const tree = await treeOf(ada, 'interrupted');
    expect(tree!.modules[0]!.videos.map((v) => v.status)).toEqual(files.map(() => 'ready'));
    expect(changes(json<ImportJson>(await cli(ada, ['import', dir, '--json'])))).toEqual([]);

    function i(file: string): number {
      return files.indexOf(file);
    }
  }, 120_000);
});

describe('session export', () => {
  it('writes the manifest import reads; importing it as another user gives the same tree', async () => {
    const ada = await backend.signedInUser();
    const bob = await backend.signedInUser();
    const source = path.join(work, 'export-source');
    const hashes = await makeFiles(source, ['01-welcome/hello.mp4', '02-deep-dive/part 1.mp4', '02-deep-dive/part 2.webm', '10-wrap/bye.mp4']);
    const imported = await cli(ada, ['import', source]);
    expect(imported.exitCode, String(imported.stderr)).toBe(0);

    const out = path.join(work, 'backup');
    const exported = await cli(ada, ['export', 'export-source', '-o', path.join(out, 'course.yaml'), '--with-files', path.join(out, 'files'), '--json']);
    expect(exported.exitCode, String(exported.stderr)).toBe(0);
    // Downloaded three at a time: the byte count is every file's, not the last to finish.
    const sizes = await Promise.all(Object.keys(hashes).map(async (f) => (await stat(path.join(source, f))).size));
    expect(json<{ files: { downloaded: number; bytes: number } }>(exported).files).toMatchObject({ downloaded: 4, bytes: sizes.reduce((a, b) => a + b, 0) });
    const manifest = await readFile(path.join(out, 'course.yaml'), 'utf8');
    expect(manifest).toContain('file: files/02-deep-dive/part 1.mp4');

    const result = await cli(bob, ['import', path.join(out, 'course.yaml')]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const mine = await treeOf(ada, 'export-source');
    const theirs = await treeOf(bob, 'export-source');
    const comparable = (t: TreeShape | null) => ({
      name: t?.name,
      type: t?.session_type,
      modules: t?.modules.map((m) => ({ name: m.name, key: m.key, videos: m.videos.map((v) => [v.key, v.file_name, v.sha256, v.status]) })),
    });
    expect(comparable(theirs)).toEqual(comparable(mine));
    expect(theirs!.modules.flatMap((m) => m.videos.map((v) => v.sha256)).sort()).toEqual(Object.values(hashes).sort());

    // JSON by extension, and a second export keeps the files already there.
    const again = await cli(ada, ['export', 'export-source', '-o', path.join(out, 'course.json'), '--with-files', path.join(out, 'files'), '--json']);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect(json<{ files: { downloaded: number; unchanged: number } }>(again).files).toMatchObject({ downloaded: 0, unchanged: 4 });
    const asJson = JSON.parse(await readFile(path.join(out, 'course.json'), 'utf8')) as { sessions: Array<{ key: string }> };
    expect(asJson.sessions[0]!.key).toBe('export-source');

    const stdout = await cli(ada, ['export', 'export-source']);
    expect(String(stdout.stdout)).toContain('- key: 01-welcome');
  }, 120_000);
});
