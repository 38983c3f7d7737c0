// `session import` against awkward paths, hostile manifests, piped --prune, Ctrl-C, renamed folders,
// and the --json shape: the built CLI run as a user would, against the local backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa, type Result } from 'execa';
import { cp, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';
import { writeVideo as writeVideoFile } from '../support/media.js';
import { waitUntilOpen } from '../support/open-files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.SESSION_TEST_BIN ?? path.join(root, 'bin', 'session.js');

let backend: TestBackend;
let work: string;
let ada: SignedInUser;

beforeAll(async () => {
  backend = await startTestBackend();
  work = await mkdtemp(path.join(tmpdir(), 'import-hardening-'));
  ada = await backend.signedInUser();
}, 120_000);

afterAll(async () => {
  await backend?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function env(user: SignedInUser): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    SUPABASE_URL: backend.url,
    SUPABASE_ANON_KEY: backend.anonKey,
    SESSION_ACCESS_TOKEN: user.session.access_token,
    XDG_CONFIG_HOME: path.join(work, `config-${user.id}`),
    XDG_STATE_HOME: path.join(work, `state-${user.id}`),
    NO_COLOR: '1',
    CI: 'true',
  };
}

function cli(args: string[], opts: { cwd?: string } = {}): Promise<Result> {
  return execa('node', [bin, ...args], { cwd: opts.cwd ?? work, reject: false, env: env(ada), extendEnv: false, timeout: 90_000 });
}

async function sessionRows(key: string): Promise<number> {
  const { rows } = await backend.db.pool.query<{ n: number }>('select count(*)::int as n from public.sessions where key = $1 and user_id = $2', [key, ada.id]);
  return rows[0]!.n;
}

async function readyVideoCount(): Promise<number> {
  const { rows } = await backend.db.pool.query<{ n: number }>(`select count(*)::int as n from public.videos where status = 'ready'`);
  return rows[0]!.n;
}

async function objectCount(): Promise<number> {
  const { rows } = await backend.db.pool.query<{ n: number }>(`select count(*)::int as n from storage.objects where bucket_id = 'videos'`);
  return rows[0]!.n;
}

interface PlanAction {
  action: string;
  kind: string;
  key: string | null;
  id: string | null;
  changes: string[];
  upload: boolean;
  previous_key: string | null;
}
interface ImportJson {
  actions: PlanAction[];
  summary: Record<string, number>;
  dry_run: boolean;
  applied: { sessions: Array<{ modules: Array<{ id: string; key: string; videos: Array<{ status: string }> }> }>; counts: Record<string, Record<string, number>> } | null;
  uploads: { files: Array<{ status: string; bytes_sent: number }> } | null;
}

async function writeVideo(file: string, size: number): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  return writeVideoFile(file, size);
}

const json = (r: Result): ImportJson => JSON.parse(String(r.stdout)) as ImportJson;
const changing = (plan: ImportJson) => plan.actions.filter((a) => a.action !== 'unchanged' || a.upload).map((a) => `${a.action} ${a.kind} ${a.key}`);

describe('paths', () => {
  let dir: string;
  let outside: string;

  beforeAll(async () => {
    dir = path.join(work, 'paths', 'course');
    outside = path.join(work, 'paths', 'elsewhere');
    await mkdir(dir, { recursive: true });
    await writeVideo(path.join(dir, 'inside.mp4'), 1200);
    await writeVideo(path.join(outside, 'outside.mp4'), 1300);
  });

  const manifest = async (name: string, file: string): Promise<string> => {
    const p = path.join(dir, name);
    await writeFile(p, `key: ${name.replace(/\W/g, '-')}\nname: Paths\nmodules:\n  - key: m\n    name: M\n    videos:\n      - file: inside.mp4\n      - file: ${JSON.stringify(file)}\n`);
    return p;
  };

  it('uses an absolute path inside the folder as given', async () => {
    const p = await manifest('absolute.yaml', path.join(dir, 'inside.mp4'));
    // Same file twice under two keys would clash; give it its own key by a second name.
    await writeFile(p, `key: absolute\nname: Paths\nmodules:\n  - key: m\n    name: M\n    videos:\n      - file: ${JSON.stringify(path.join(dir, 'inside.mp4'))}\n`);
    const r = await cli(['import', p, '--dry-run', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(changing(json(r))).toEqual(['create session absolute', 'create module m', 'create video inside.mp4']);
  });

  it('refuses a file outside the manifest folder, naming the field and line, unless --allow-outside', async () => {
    const p = await manifest('outside.yaml', '../elsewhere/outside.mp4');
    const refused = await cli(['import', p]);
    expect(refused.exitCode).toBe(2);
    expect(String(refused.stderr)).toContain(
      `${p}:8: modules[0].videos[1].file: ../elsewhere/outside.mp4 is outside the manifest's folder (${path.join(outside, 'outside.mp4')}); pass --allow-outside to import files from elsewhere`,
    );
    expect(await sessionRows('outside-yaml')).toBe(0);

    const absolute = await manifest('outside-absolute.yaml', path.join(outside, 'outside.mp4'));
    expect((await cli(['import', absolute, '--dry-run'])).exitCode).toBe(2);

    const allowed = await cli(['import', p, '--allow-outside', '--json']);
    expect(allowed.exitCode, String(allowed.stderr)).toBe(0);
    expect(json(allowed).uploads?.files.map((f) => f.status)).toEqual(['uploaded', 'uploaded']);
  });

  it('follows a symbolic link once, and refuses a link to a link and a loop', async () => {
    await symlink('inside.mp4', path.join(dir, 'link.mp4'));
    await symlink('link.mp4', path.join(dir, 'link-to-link.mp4'));
    await symlink('loop-b.mp4', path.join(dir, 'loop-a.mp4'));
    await symlink('loop-a.mp4', path.join(dir, 'loop-b.mp4'));
    const once = await cli(['import', await manifest('link.yaml', 'link.mp4'), '--dry-run']);
    expect(once.exitCode, String(once.stderr)).toBe(0);

    const twice = await manifest('twice.yaml', 'link-to-link.mp4');
    const r2 = await cli(['import', twice, '--dry-run']);
    expect(r2.exitCode).toBe(2);
    expect(String(r2.stderr)).toContain(`${twice}:8: modules[0].videos[1].file: link-to-link.mp4 is a symbolic link to another link`);

    const loop = await manifest('loop.yaml', 'loop-a.mp4');
    const r3 = await cli(['import', loop, '--dry-run']);
    expect(r3.exitCode).toBe(2);
    expect(String(r3.stderr)).toContain(`${loop}:8: modules[0].videos[1].file: loop-a.mp4 is a symbolic link loop`);
  });
});

describe('hostile manifests', () => {
  it('refuses an alias bomb quickly, with its own reason and line, writing nothing', async () => {
    const p = path.join(work, 'bomb.yaml');
    const levels = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 9; i++) levels.push(`l${i}: &l${i} [${Array.from({ length: 9 }, () => (i === 1 ? '*a' : `*l${i - 1}`)).join(', ')}]`);
    await writeFile(p, `${levels.join('\n')}\nkey: bomb\nname: Bomb\nmodules: *l8\n`);
    const r = await cli(['import', p]);
    expect(r.exitCode).toBe(2);
    const lines = String(r.stderr).trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^error: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: YAML aliases expand to too many nodes`));
    expect(String(r.stderr)).not.toContain('unknown field');
    expect(await sessionRows('bomb')).toBe(0);
  });

  it('lists repeated keys, non-text keys and wrong types at once, one line each, exit 2', async () => {
    const p = path.join(work, 'messy.yaml');
    await writeFile(p, 'key: messy\nname: Messy\nname: Again\nmodules:\n  - key: m\n    1: one\n    name: M\n');
    const r = await cli(['import', p, '--json']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain(`${p}:3: name: repeated field (first on line 2)`);
    expect(String(r.stderr)).toContain(`${p}:6: modules[0].1: field names must be text, not a number`);
    const error = JSON.parse(String(r.stderr).trim().split('\n').pop()!) as { error: { exit_code: number; details: { issues: unknown[] } } };
    expect(error.error.exit_code).toBe(2);
    expect(error.error.details.issues).toHaveLength(2);
    expect(await sessionRows('messy')).toBe(0);
  });
});

describe('apply', () => {
  it('--prune when not on a terminal deletes only with --yes', async () => {
    const dir = path.join(work, 'prunable');
    await writeVideo(path.join(dir, '01-a', 'one.mp4'), 1100);
    await writeVideo(path.join(dir, '02-b', 'two.mp4'), 1150);
    expect((await cli(['import', dir])).exitCode).toBe(0);
    await rm(path.join(dir, '02-b'), { recursive: true });

    const refused = await cli(['import', dir, '--prune']);
    expect(refused.exitCode).toBe(2);
    expect(String(refused.stderr)).toContain('refusing to delete 2 rows without confirmation; nothing was written');
    expect(String(refused.stderr)).toContain('pass --yes to confirm');
    const { rows } = await backend.db.pool.query<{ n: number }>(`select count(*)::int as n from public.modules m join public.sessions s on s.id = m.session_id where s.key = 'prunable'`);
    expect(rows[0]!.n).toBe(2);

    const done = await cli(['import', dir, '--prune', '--yes', '--json']);
    expect(done.exitCode, String(done.stderr)).toBe(0);
    const result = json(done);
    // The plan's counts and what the database did agree.
    expect(result.summary.delete).toBe(2);
    expect(result.applied!.counts.modules!.deleted! + result.applied!.counts.videos!.deleted!).toBe(2);
  });

  it('--json has the documented shape: ids of created rows, ready videos after the uploads, uploads as {files}', async () => {
    const dir = path.join(work, 'shape');
    await writeVideo(path.join(dir, '01-a', 'one.mp4'), 1210);
    const r = await cli(['import', dir, '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const result = json(r);
    expect(Object.keys(result)).toEqual(['actions', 'summary', 'dry_run', 'applied', 'uploads']);
    expect(Object.keys(result.actions[0]!)).toEqual(['action', 'kind', 'key', 'name', 'session', 'module', 'position', 'previous_position', 'changes', 'upload', 'writes_rows', 'size', 'id', 'previous_key']);
    expect(Object.keys(result.summary)).toEqual(['create', 'update', 'move', 'delete', 'unchanged', 'upload_files', 'upload_bytes', 'upload_duration_ms']);
    expect(result.actions.every((a) => typeof a.id === 'string')).toBe(true);
    expect(result.applied!.sessions[0]!.modules[0]!.videos.map((v) => v.status)).toEqual(['ready']);
    expect(Object.keys(result.uploads!)).toEqual(['files']);
    expect(result.uploads!.files.map((f) => f.status)).toEqual(['uploaded']);
    const dry = json(await cli(['import', dir, '--dry-run', '--json']));
    expect(dry.dry_run).toBe(true);
    expect(dry.applied).toBeNull();
    expect(dry.uploads).toBeNull();
  });

  it('a renumbered module folder is renamed in place: no delete, no create, nothing uploaded again', async () => {
    const dir = path.join(work, 'renumbered');
    await writeVideo(path.join(dir, '01-intro', 'hello.mp4'), 1400);
    await writeVideo(path.join(dir, '10-wrap_up', 'bye.mp4'), 1450);
    await writeVideo(path.join(dir, '10-wrap_up', 'thanks.mp4'), 1500);
    const first = json(await cli(['import', dir, '--json']));
    const before = first.applied!.sessions[0]!.modules[1]!;
    const objects = await objectCount();

    await rename(path.join(dir, '10-wrap_up'), path.join(dir, '03-wrap_up'));
    const plan = json(await cli(['import', dir, '--prune', '--dry-run', '--json']));
    expect(changing(plan)).toEqual(['update module 03-wrap_up']);
    expect(plan.actions.find((a) => a.key === '03-wrap_up')).toMatchObject({ previous_key: '10-wrap_up', changes: ['key "10-wrap_up" → "03-wrap_up"'] });

    const applied = await cli(['import', dir, '--prune', '--yes', '--json']);
    expect(applied.exitCode, String(applied.stderr)).toBe(0);
    const result = json(applied);
    expect(result.uploads).toBeNull();
    expect(result.applied!.counts.modules).toMatchObject({ created: 0, deleted: 0, renamed: 1 });
    expect(result.applied!.sessions[0]!.modules[1]!).toMatchObject({ id: before.id, key: '03-wrap_up' });
    expect(await objectCount()).toBe(objects);
    expect(String((await cli(['import', dir, '--prune'])).stderr)).toContain('No changes');
  });

  it('a video moved to another module folder is copied on the server with --prune, not sent again', async () => {
    const dir = path.join(work, 'moved-video');
    await writeVideo(path.join(dir, '01-intro', 'hello.mp4'), 1600);
    await writeVideo(path.join(dir, '01-intro', 'recap.mp4'), 1650);
    await writeVideo(path.join(dir, '02-more', 'next.mp4'), 1700);
    expect((await cli(['import', dir])).exitCode).toBe(0);

    await rename(path.join(dir, '01-intro', 'recap.mp4'), path.join(dir, '02-more', 'recap.mp4'));
    const applied = await cli(['import', dir, '--prune', '--yes', '--json']);
    expect(applied.exitCode, String(applied.stderr)).toBe(0);
    const result = json(applied);
    expect(result.applied!.counts.videos).toMatchObject({ created: 1, deleted: 1 });
    // The bytes were in the account already: copied from the deleted row's object before it went.
    expect(result.uploads!.files).toEqual([expect.objectContaining({ status: 'copied', bytes_sent: 0 })]);
    const moved = result.applied!.sessions[0]!.modules[1]!.videos;
    expect(moved.map((v) => v.status)).toEqual(['ready', 'ready']);
    // One object per ready video: the old one was purged after the copy.
    expect(await objectCount()).toBe(await readyVideoCount());
    expect(String((await cli(['import', dir, '--prune'])).stderr)).toContain('No changes');
  });

  it('exits 130 on Ctrl-C while checking files, and nothing is written', async () => {
    const dir = path.join(work, 'interrupt');
    const parts = Array.from({ length: 8 }, (_, i) => path.join(dir, '01-big', `part-${i}.mp4`));
    for (const [i, part] of parts.entries()) await writeVideo(part, 24 * 1024 * 1024 + i);
    const child = execa('node', [bin, 'import', dir], { cwd: work, reject: false, env: env(ada), extendEnv: false, timeout: 90_000 });
    // Sent while the CLI has one of the course's files open: it is reading them, before any row.
    const open = await waitUntilOpen(child.pid!, parts);
    child.kill('SIGINT');
    const r = await child;
    expect(parts).toContain(open);
    expect(r.exitCode, String(r.stderr)).toBe(130);
    expect(String(r.stderr)).toContain('interrupted');
    expect(String(r.stderr)).toContain('nothing was written');
    expect(await sessionRows('interrupt')).toBe(0);
  }, 120_000);
});

describe('progress', () => {
  it('on a terminal, the file check redraws one line (a real pseudo-terminal through script(1))', async () => {
    const dir = path.join(work, 'progress');
    for (let i = 0; i < 3; i++) await writeVideo(path.join(dir, '01-a', `p${i}.mp4`), 1000 + i);
    const command = [bin, 'import', dir, '--dry-run'].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const r = await execa('script', ['-qec', `node ${command}`, '/dev/null'], {
      cwd: work,
      reject: false,
      env: { ...env(ada), CI: '', TERM: 'xterm', COLUMNS: '80' },
      extendEnv: false,
      timeout: 90_000,
    });
    expect(r.exitCode, String(r.stdout)).toBe(0);
    const out = String(r.stdout);
    expect(out).toMatch(/\r\x1b\[KChecking files: \d of 3/);
    // The line is cleared before the plan is printed; no CI-style line on a terminal.
    expect(out).not.toContain('Checking files: 0 of 3…');
    expect(out).toContain('Plan: 5 to create');
  }, 60_000);
});

describe('examples/intro-to-sql', () => {
  it('the manifest and its folder update the same session: after one, the other plans no changes', async () => {
    const copy = path.join(work, 'example', 'intro-to-sql');
    await cp(path.join(root, 'examples', 'intro-to-sql'), copy, { recursive: true });
    const first = await cli(['import', path.join(copy, 'course.yaml')]);
    expect(first.exitCode, String(first.stderr)).toBe(0);
    const folder = await cli(['import', copy, '--dry-run', '--json']);
    expect(folder.exitCode, String(folder.stderr)).toBe(0);
    expect(changing(json(folder))).toEqual([]);
  });
});
