// The CLI on a real pseudo-terminal: tables and progress fit the width the terminal has (and
// gets after a resize), Ctrl-C anywhere is exit 130 with one line, missing arguments are picked
// from a list, and the ✓ line of a change. Piped output stays tab-separated and whole.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestBackend, type TestBackend } from '../support/backend.js';
import { runInPty, stripAnsi, type PtyRun } from '../support/pty.js';
import { writeText, writeVideo } from '../support/media.js';
import { launcher } from './login-support.js';
import { signedInAuthor, type Author, type ModuleJson, type SessionJson } from './sessions-support.js';
import { textWidth } from '../../src/ui/fit.js';

vi.setConfig({ testTimeout: 120_000 });

let backend: TestBackend;
let alice: Author;
let dir: string;
let session: SessionJson;
let module: ModuleJson;
const LONG = 'An unusually long session name about window functions, joins and indexes';

beforeAll(async () => {
  backend = await startTestBackend();
  alice = await signedInAuthor(backend);
  dir = await mkdtemp(join(tmpdir(), 'terminal-e2e-'));
  session = await alice.json<SessionJson>(['create', LONG, '--key', 'window-fns', '--type', 'self-paced']);
  await alice.json(['create', 'Joins']);
  module = await alice.json<ModuleJson>(['module', 'add', session.id, 'A module whose name is also rather long for a narrow terminal']);
  await alice.json(['module', 'add', session.id, 'Second']);
  await alice.json(['module', 'add', session.id, 'Third']);
});

afterAll(async () => {
  await backend?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const runs: PtyRun[] = [];
afterEach(() => {
  // A failed wait leaves the program running: end it.
  for (const run of runs.splice(0)) run.kill('SIGKILL');
});

function pty(args: string[], cols: number, extra: Record<string, string> = {}): PtyRun {
  const run = runInPty('node', [launcher, ...args], { cols, env: { ...alice.env, LANG: 'C.UTF-8', ...extra }, cwd: dir });
  runs.push(run);
  return run;
}

/** Lines as written (escape codes removed), before the terminal wraps anything. */
function writtenLines(run: PtyRun): string[] {
  return stripAnsi(run.raw)
    .split(/\r?\n/)
    .flatMap((l) => l.split('\r'))
    .filter((l) => l.length > 0);
}

describe('tables fit the terminal', () => {
  for (const cols of [40, 60, 80, 200]) {
    it(`session ls and show at ${cols} columns: no line wider than the terminal, ids whole, names cut with …`, async () => {
      for (const args of [['ls'], ['show', session.id]]) {
        const run = pty(args, cols);
        const { exitCode } = await run.exited;
        expect(exitCode, run.raw).toBe(0);
        expect(run.wrapped(), `${args.join(' ')}\n${run.screen().join('\n')}`).toEqual([]);
        for (const line of writtenLines(run)) expect(textWidth(line), line).toBeLessThanOrEqual(cols);
        const screen = run.screen().join('\n');
        expect(screen).toContain(session.id.slice(0, 8));
        if (cols < 100) expect(screen).toMatch(/…/);
        if (cols === 200) expect(screen).toContain(LONG);
      }
    });
  }

  it('piped, the same listing is tab-separated with full ids and whole names, whatever the width', async () => {
    const res = await alice.run(['ls'], { COLUMNS: '40' });
    expect(res.exitCode).toBe(0);
    const line = res.stdout.split('\n').find((l) => l.startsWith(session.id))!;
    expect(line.split('\t').slice(0, 3)).toEqual([session.id, LONG, 'Self-Paced']);
  });

  it('the upload report at 60 columns fits, and a refused file’s reason is shown once', async () => {
    const bad = join(dir, 'notes-about-the-lecture-that-is-not-a-video.mp4');
    await writeText(bad);
    const good = join(dir, 'clip.mp4');
    await writeVideo(good, 64 * 1024);
    const run = pty(['video', 'upload', module.id, bad, good], 60);
    const { exitCode } = await run.exited;
    expect(exitCode, run.raw).toBe(6);
    expect(run.wrapped().filter((l) => !/^error|^hint/.test(l)), run.screen().join('\n')).toEqual([]);
    const screen = run.screen().join('\n');
    // The reason's words appear once: in the report row (cut to fit), not again above it.
    expect(screen.match(/does not look like|not a video|content/g)?.length ?? 0, screen).toBeLessThanOrEqual(1);
    expect(screen).toMatch(/refused/);
  });
});

describe('progress fits the terminal, also after a resize', () => {
  it('a resize from 120 to 50 columns mid-upload leaves no line wider than 50 and one header', async () => {
    const big = join(dir, 'a-video-file-with-a-rather-long-name-indeed.mp4');
    await writeVideo(big, 48 * 1024 * 1024);
    const run = pty(['video', 'upload', module.id, big], 120);
    await run.waitFor(/Uploading/);
    run.resize(50);
    const mark = run.raw.length;
    const { exitCode } = await run.exited;
    expect(exitCode, run.raw).toBe(0);
    const after = stripAnsi(run.raw.slice(mark)).split(/\r?\n|\r/).filter(Boolean);
    for (const line of after) expect(textWidth(line), line).toBeLessThanOrEqual(50);
    const screen = run.screen();
    expect(screen.filter((l) => /Uploading|1\/1 file/.test(l)).length, screen.join('\n')).toBeLessThanOrEqual(1);
  });
});

describe('Ctrl-C and a closed input', () => {
  it('Ctrl-C at a prompt: exit 130, one line, no stack of inquirer words', async () => {
    const run = pty(['create'], 80);
    await run.waitFor(/Session name/);
    run.write('\u0003');
    const { exitCode } = await run.exited;
    expect(exitCode).toBe(130);
    const text = stripAnsi(run.raw);
    expect(text).not.toMatch(/force closed|ExitPromptError/);
    expect(text.match(/interrupted/g)).toHaveLength(1);
  });

  it('Ctrl-C at a delete confirmation: exit 130, nothing deleted', async () => {
    const doomed = await alice.json<SessionJson>(['create', 'Keep me']);
    const run = pty(['rm', doomed.id], 80);
    await run.waitFor(/Delete session/);
    run.write('\u0003');
    expect((await run.exited).exitCode).toBe(130);
    expect((await alice.json<SessionJson>(['show', doomed.id])).id).toBe(doomed.id);
  });

  it('Ctrl-C while waiting for a login approval: exit 130 with one line', async () => {
    const run = pty(['login', '--no-browser'], 80);
    await run.waitFor(/one-time code/);
    await run.waitFor(/Waiting for approval/);
    run.write('\u0003');
    const { exitCode } = await run.exited;
    expect(exitCode).toBe(130);
    const text = stripAnsi(run.raw);
    expect(text.match(/error: interrupted/g)).toHaveLength(1);
  });
});

describe('missing arguments are picked from a list', () => {
  it('session show with no argument lists your sessions; typing narrows it; Enter shows the one chosen', async () => {
    const run = pty(['show'], 100);
    await run.waitFor(/Session \(type to filter\)/);
    await run.waitFor(/Joins/);
    run.write('window');
    // The list, narrowed: the other session is gone from the rows under the prompt.
    await run.waitUntil((rows) => {
      const at = rows.findLastIndex((r) => r.includes('Session (type to filter)'));
      const below = rows.slice(at).join('\n');
      return at >= 0 && rows[at]!.includes('window') && below.includes('window-fns') && !below.includes('Joins');
    }, 'the list narrowed to window-fns');
    run.write('\r');
    const { exitCode } = await run.exited;
    expect(exitCode, run.raw).toBe(0);
    expect(run.screen().join('\n')).toMatch(/A module whose name/);
  });

  it('module move with no target asks for the position, then moves', async () => {
    const run = pty(['module', 'move', session.id, 'Third'], 100);
    await run.waitFor(/Move to position/);
    await run.waitFor(/\(where it is now\)/);
    // Up twice from position 3: position 1.
    run.write('\u001b[A');
    run.write('\u001b[A');
    run.write('\r');
    const { exitCode } = await run.exited;
    expect(exitCode, run.raw).toBe(0);
    expect(run.screen().join('\n')).toMatch(/✓ Third moved to position 1 of 3/);
    const modules = await alice.json<ModuleJson[]>(['module', 'ls', session.id]);
    expect(modules.map((m) => m.name)[0]).toBe('Third');
    await alice.json(['module', 'move', session.id, 'Third', '--last']);
  });

  it('video move with no target asks for the position among its module’s videos, then moves', async () => {
    const clips = await alice.json<ModuleJson>(['module', 'add', session.id, 'Clips']);
    const files = [join(dir, 'one.mp4'), join(dir, 'two.mp4')];
    for (const [i, file] of files.entries()) await writeVideo(file, 64 * 1024 + i, 'mp4');
    expect((await alice.run(['video', 'upload', clips.id, ...files])).exitCode).toBe(0);
    const videos = await alice.json<Array<{ id: string; file_name: string }>>(['video', 'ls', clips.id]);
    const run = pty(['video', 'move', videos[1]!.id], 100);
    await run.waitFor(/Move to position/);
    await run.waitFor(/before "one\.mp4"/);
    await run.waitFor(/\(where it is now\)/);
    run.write('\u001b[A');
    run.write('\r');
    const { exitCode } = await run.exited;
    expect(exitCode, run.raw).toBe(0);
    expect(run.screen().join('\n')).toMatch(/✓ two\.mp4 moved to position 1 of 2/);
    expect((await alice.json<Array<{ file_name: string }>>(['video', 'ls', clips.id])).map((v) => v.file_name)).toEqual(['two.mp4', 'one.mp4']);
  });

  it('without a terminal the same missing argument is exit 2 with the hint', async () => {
    for (const args of [['show'], ['video', 'ls'], ['video', 'rm', '--yes'], ['module', 'rename'], ['export']]) {
      const res = await alice.run(args);
      expect(res.exitCode, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toMatch(/^error: missing <(session|module|video)>/);
    }
  });
});

describe('result lines', () => {
  it('create and module add print a ✓ line on a terminal; --quiet drops it; piped prints the id only', async () => {
    const run = pty(['create', 'Checked'], 100);
    expect((await run.exited).exitCode).toBe(0);
    expect(run.screen().join('\n')).toMatch(/✓ Created session "Checked" \([0-9a-f]{8}\)/);
    const quiet = pty(['create', 'Quiet one', '--quiet'], 100);
    expect((await quiet.exited).exitCode).toBe(0);
    expect(quiet.screen().join('\n')).not.toMatch(/✓/);
    const add = pty(['module', 'add', session.id, 'Added'], 100);
    expect((await add.exited).exitCode).toBe(0);
    expect(add.screen().join('\n')).toMatch(/✓ Added module "Added" \([0-9a-f]{8}\) at position \d+/);
    const piped = await alice.run(['create', 'Piped']);
    expect(piped.stdout).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('completion answers', () => {
  it('sessions by id, key and name; modules of a session; kept 0600 in the cache until a command changes something', async () => {
    const { stat, readdir } = await import('node:fs/promises');
    const first = await alice.run(['__complete', 'sessions']);
    expect(first.exitCode).toBe(0);
    const values = first.stdout.split('\n').map((l) => l.split('\t')[0]);
    expect(values).toEqual(expect.arrayContaining([session.id, 'window-fns', LONG, 'Joins']));

    const cacheDir = join(alice.env.HOME!, '.cache', 'session', 'complete');
    const files = await readdir(cacheDir);
    expect(files).toHaveLength(1);
    expect((await stat(join(cacheDir, files[0]!))).mode & 0o777).toBe(0o600);

    // Gone from the database, still in the answer: the second <TAB> did not ask the server.
    const gone = await alice.json<SessionJson>(['create', 'Short-lived']);
    const again0 = await alice.run(['__complete', 'sessions']);
    expect(again0.stdout).toContain('Short-lived');
    await backend.db.pool.query('delete from public.sessions where id = $1', [gone.id]);
    const again = await alice.run(['__complete', 'sessions']);
    expect(again.stdout).toContain('Short-lived');

    // A command that changes something clears the cache: the next answer is fresh.
    await alice.json(['rename', 'Joins', 'Joins and more']);
    const fresh = await alice.run(['__complete', 'sessions']);
    expect(fresh.stdout).not.toContain('Short-lived');
    expect(fresh.stdout).toContain('Joins and more');

    const modules = await alice.run(['__complete', 'modules', 'window-fns']);
    const moduleValues = modules.stdout.split('\n').map((l) => l.split('\t')[0]);
    expect(moduleValues).toEqual(expect.arrayContaining([module.id, 'Second', 'Third']));
  });

  it('a changing command clears the cache even when it fails (an import may fail after its rows are written)', async () => {
    const { readdir } = await import('node:fs/promises');
    const cacheDir = join(alice.env.HOME!, '.cache', 'session', 'complete');
    expect((await alice.run(['__complete', 'sessions'])).exitCode).toBe(0);
    expect(await readdir(cacheDir)).not.toHaveLength(0);
    const taken = await alice.run(['create', 'Another', '--key', 'window-fns']);
    expect(taken.exitCode, taken.stderr).toBe(5);
    await expect(readdir(cacheDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gc clears the cache too (it removes the rows of abandoned uploads)', async () => {
    const { readdir } = await import('node:fs/promises');
    const cacheDir = join(alice.env.HOME!, '.cache', 'session', 'complete');
    expect((await alice.run(['__complete', 'videos'])).exitCode).toBe(0);
    expect(await readdir(cacheDir)).not.toHaveLength(0);
    const gc = await alice.run(['gc', '--yes']);
    expect(gc.exitCode, gc.stderr).toBe(0);
    await expect(readdir(cacheDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('prints nothing at all when not signed in', async () => {
    const res = await alice.run(['__complete', 'sessions'], { SESSION_PROFILE: 'nobody-here', XDG_CACHE_HOME: join(dir, 'empty-cache') });
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe('');
  });
});

describe('smaller items', () => {
  it('whoami shows the whole id', async () => {
    const res = await alice.run(['whoami']);
    expect(res.stdout).toContain(alice.user.id);
  });

  it('ls --owner with an unknown email is exit 4 with a message; --everyone for a non-operator is exit 3', async () => {
    const owner = await alice.run(['ls', '--owner', 'nobody@example.com']);
    // A non-operator asking is refused first (exit 3), whatever the email.
    expect(owner.exitCode, owner.stderr).toBe(3);
    expect(owner.stderr).toMatch(/^error: --everyone and --owner are for operators only/);
    const everyone = await alice.run(['ls', '--everyone']);
    expect(everyone.exitCode).toBe(3);
    const olga = await signedInAuthor(backend, { operator: true });
    const none = await olga.run(['ls', '--owner', 'nobody@example.com']);
    expect(none.exitCode, none.stderr).toBe(4);
    expect(none.stderr).toMatch(/^error: no sessions owned by nobody@example\.com/);
    const some = await olga.run(['ls', '--owner', alice.user.email]);
    expect(some.exitCode, some.stderr).toBe(0);
    expect(some.stdout).toContain(session.id);
  });
});

describe('same bytes under another name', () => {
  it('is reported unchanged with the name the module has them under', async () => {
    const { copyFile } = await import('node:fs/promises');
    const first = join(dir, 'original-take.mp4');
    await writeVideo(first, 96 * 1024);
    const copy = join(dir, 'renamed-copy.mp4');
    await copyFile(first, copy);
    expect((await alice.run(['video', 'upload', module.id, first])).exitCode).toBe(0);
    const again = await alice.run(['video', 'upload', module.id, copy]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain('renamed-copy.mp4: unchanged: the module has the same bytes as original-take.mp4; nothing sent');
    // Piped, the report keeps the bare status.
    expect(again.stdout.split('\t')[1]).toBe('unchanged');
    const run = pty(['video', 'upload', module.id, copy], 120);
    expect((await run.exited).exitCode).toBe(0);
    expect(run.screen().join('\n')).toMatch(/unchanged \(= original-take\.mp4\)/);
  });
});
