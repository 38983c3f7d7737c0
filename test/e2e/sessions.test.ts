// `session create|ls|show|rename|rm` and the module verbs as an author runs them: the built CLI
// against the local backend, signed in with stored credentials.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execa } from 'execa';
import { startTestBackend, type TestBackend } from '../support/backend.js';
import { writeVideo } from '../support/media.js';
import { launcher } from './login-support.js';
import { signedInAuthor, type Author, type ListJson, type ModuleJson, type SessionJson, type TreeJson } from './sessions-support.js';


// Every command is a Node process: give a test of many commands room on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

let backend: TestBackend;
let alice: Author;
let dir: string;

beforeAll(async () => {
  backend = await startTestBackend();
  alice = await signedInAuthor(backend);
  dir = await mkdtemp(join(tmpdir(), 'sessions-e2e-'));
});

afterAll(async () => {
  await backend?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const count = async (sql: string, params: unknown[]): Promise<number> =>
  Number((await backend.db.pool.query<{ n: string }>(sql, params)).rows[0]!.n);

describe('a session from create to rm', () => {
  it('create, three modules, move the last first, rename; show, ls and module ls agree; rm leaves nothing', async () => {
    const created = await alice.json<SessionJson>(['create', 'Intro to SQL', '--key', 'intro-sql', '--type', 'self-paced']);
    expect(created).toMatchObject({ name: 'Intro to SQL', key: 'intro-sql', session_type: 'Self-Paced', user_id: alice.user.id });
    expect(Object.keys(created)).toEqual(['id', 'user_id', 'name', 'session_type', 'key', 'created_at', 'updated_at']);

    // By key, by name, by an 8-character id prefix.
    const setup = await alice.json<ModuleJson>(['module', 'add', 'intro-sql', 'Setup']);
    const queries = await alice.json<ModuleJson>(['module', 'add', 'Intro to SQL', 'Queries', '--key', 'queries']);
    const joins = await alice.json<ModuleJson>(['module', 'add', created.id.slice(0, 8), 'Joins']);
    expect([setup.position, queries.position, joins.position]).toEqual([1, 2, 3]);
    expect(joins).toMatchObject({ session_id: created.id, order_index: 2, key: null });

    // A move answers the moved module (where it is now, how many there are); `module ls` shows the order.
    const moved = await alice.json<ModuleJson & { previous_position: number; count: number }>(['module', 'move', 'intro-sql', joins.id.slice(0, 6), '--first']);
    expect(moved).toMatchObject({ id: joins.id, name: 'Joins', position: 1, order_index: 0, previous_position: 3, count: 3 });
    const names = async () => (await alice.json<ModuleJson[]>(['module', 'ls', 'intro-sql'])).map((m) => [m.name, m.position, m.order_index]);
    expect(await names()).toEqual([
      ['Joins', 1, 0],
      ['Setup', 2, 1],
      ['Queries', 3, 2],
    ]);
    // Relative moves and their no-op: Setup after Queries, then back before it by name.
    expect(await alice.json<ModuleJson>(['module', 'move', 'intro-sql', 'Setup', '--after', 'Queries'])).toMatchObject({ name: 'Setup', position: 3 });
    expect((await names()).map(([n]) => n)).toEqual(['Joins', 'Queries', 'Setup']);
    expect(await alice.json<ModuleJson>(['module', 'move', 'intro-sql', 'Setup', '--before', 'Queries'])).toMatchObject({ name: 'Setup', position: 2 });
    expect(await alice.json<ModuleJson>(['module', 'move', 'intro-sql', 'Queries', '--to', '3'])).toMatchObject({ name: 'Queries', position: 3, previous_position: 3 });
    expect((await names()).map(([n]) => n)).toEqual(['Joins', 'Setup', 'Queries']);

    const renamedModule = await alice.json<ModuleJson>(['module', 'rename', joins.id.slice(0, 8), 'Joins and unions']);
    expect(renamedModule).toMatchObject({ id: joins.id, name: 'Joins and unions', position: 1 });
    const renamed = await alice.json<SessionJson>(['rename', 'intro-sql', 'SQL basics']);
    expect(renamed).toMatchObject({ id: created.id, name: 'SQL basics' });

    const video = join(dir, 'select.mp4');
    await writeVideo(video, 40_000);
    const upload = await alice.run(['video', 'upload', queries.id, video, '--json']);
    expect(upload.exitCode, upload.stderr).toBe(0);

    const tree = await alice.json<TreeJson>(['show', 'SQL basics']);
    expect(tree).toMatchObject({ id: created.id, name: 'SQL basics', session_type: 'Self-Paced', key: 'intro-sql' });
    expect(tree.modules.map((m) => [m.name, m.order_index])).toEqual([
      ['Joins and unions', 0],
      ['Setup', 1],
      ['Queries', 2],
    ]);
    expect(tree.modules[2]!.videos.map((v) => v.file_name)).toEqual(['select.mp4']);

    const list = await alice.json<ListJson>(['ls']);
    const entry = list.sessions.find((s) => s.id === created.id)!;
    expect(entry).toMatchObject({ name: tree.name, key: tree.key, session_type: tree.session_type, module_count: tree.modules.length, video_count: 1, total_bytes: 40_000 });
    const modules = await alice.json<ModuleJson[]>(['module', 'ls', created.id]);
    expect(modules.map((m) => [m.id, m.position, m.order_index])).toEqual(tree.modules.map((m, i) => [m.id, i + 1, m.order_index]));

    // The human forms of the same data.
    const shown = await alice.run(['show', created.id]);
    expect(shown.stdout.split('\n')).toEqual([
      // SIZE, LENGTH (writeVideo's files last 100 ms), RESOLUTION, STATUS
      `1\tmodule\t${joins.id}\tJoins and unions\t\t\t\t`,
      `2\tmodule\t${setup.id}\tSetup\t\t\t\t`,
      `3\tmodule\t${queries.id}\tQueries\t40000\t0:00\t\t`,
      expect.stringMatching(new RegExp(`^3\\.1\\tvideo\\t[0-9a-f-]{36}\\tselect\\.mp4\\t40000\\t0:00\\t16×16\\tready$`)),
    ]);

    // module rm closes the gap.
    const removed = await alice.run(['module', 'rm', setup.id.slice(0, 8), '--yes']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect((await alice.json<ModuleJson[]>(['module', 'ls', 'intro-sql'])).map((m) => [m.name, m.position, m.order_index])).toEqual([
      ['Joins and unions', 1, 0],
      ['Queries', 2, 1],
    ]);

    const objectsBefore = await count("select count(*) as n from storage.objects where bucket_id = 'videos' and name like $1", [`${alice.user.id}/${created.id}/%`]);
    expect(objectsBefore).toBe(1);
    const gone = await alice.json<{ id: string; deleted: boolean; objects_removed: number; storage_error: string | null }>(['rm', 'intro-sql', '--yes']);
    expect(gone).toEqual({ id: created.id, name: 'SQL basics', deleted: true, objects_removed: 1, storage_error: null });
    expect(await count('select count(*) as n from public.sessions where id = $1', [created.id])).toBe(0);
    expect(await count('select count(*) as n from public.modules where session_id = $1', [created.id])).toBe(0);
    expect(await count('select count(*) as n from public.videos where file_url like $1', [`${alice.user.id}/${created.id}/%`])).toBe(0);
    expect(await count("select count(*) as n from storage.objects where bucket_id = 'videos' and name like $1", [`${alice.user.id}/%`])).toBe(0);
    expect(await count('select count(*) as n from private.deleted_objects where user_id = $1', [alice.user.id])).toBe(0);

    const after = await alice.run(['show', created.id]);
    expect(after.exitCode).toBe(4);
  });

  it('create prints the bare id when piped, and prompts for nothing without a terminal', async () => {
    const res = await alice.run(['create', 'Piped']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await alice.run(['create']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/missing <name>/);
    await alice.run(['rm', res.stdout.trim(), '--yes']);
  });

  it('a duplicate key is a conflict (exit 5)', async () => {
    await alice.json(['create', 'One', '--key', 'dup']);
    const res = await alice.run(['create', 'Two', '--key', 'dup']);
    expect(res.exitCode).toBe(5);
    expect(res.stderr).toMatch(/error: you already have a session with this key\nhint: choose another key/);
  });
});

describe('session ls paging', () => {
  let pager: Author;
  beforeAll(async () => {
    pager = await signedInAuthor(backend);
    // 120 sessions, many sharing one updated_at: the keyset must break ties by id.
    await backend.db.pool.query(
      `insert into public.sessions (user_id, name, updated_at)
       select $1, 'Paged ' || lpad(i::text, 3, '0'), now() - ((i / 7) || ' minutes')::interval from generate_series(1, 120) i`,
      [pager.user.id],
    );
  });

  it('pages through 120 sessions 50 at a time with --after, newest first, each once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const page: ListJson = await pager.json<ListJson>(['ls', '--limit', '50', ...(cursor ? ['--after', cursor] : [])]);
      sizes.push(page.sessions.length);
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([50, 50, 20]);
    expect(new Set(seen).size).toBe(120);
  });

  it('--all-pages gives every session in one list and next_cursor null', async () => {
    const all = await pager.json<ListJson>(['ls', '--limit', '50', '--all-pages']);
    expect(all.sessions).toHaveLength(120);
    expect(all.next_cursor).toBeNull();
    const stamps = all.sessions.map((s) => s.updated_at);
    expect([...stamps].sort().reverse()).toEqual(stamps);
    expect(Object.keys(all)).toEqual(['sessions', 'next_cursor']);
  });

  it('piped: one tab-separated line per session, the next-page hint on stderr only', async () => {
    const page = await pager.run(['ls']);
    expect(page.exitCode).toBe(0);
    const lines = page.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    expect(lines[0]!.split('\t')).toHaveLength(8);
    expect(lines[0]).toMatch(/^[0-9a-f-]{36}\tPaged \d{3}\tLinear Flow\t0\t0\t0\t0:00\t\d{4}-/);
    expect(page.stderr).toMatch(/more sessions: session ls --after \S+/);
    // The hint continues the same listing: a page size given is kept.
    const small = await pager.run(['ls', '--limit', '7']);
    expect(small.stderr).toMatch(/more sessions: session ls --limit 7 --after \S+/);
    const all = await pager.run(['ls', '--all-pages']);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(120);
    expect(all.stderr).toBe('');
  });
});

describe('operators', () => {
  let bob: Author;
  let operator: Author;
  let bobSession: SessionJson;
  let bobModule: ModuleJson;

  beforeAll(async () => {
    bob = await signedInAuthor(backend);
    operator = await signedInAuthor(backend, { operator: true });
    bobSession = await bob.json<SessionJson>(['create', 'Bob teaches', '--key', 'bob-course']);
    bobModule = await bob.json<ModuleJson>(['module', 'add', bobSession.id, 'Bob module']);
  });

  it('see every author\'s sessions with --everyone, with the owner\'s email', async () => {
    const all = await operator.json<ListJson>(['ls', '--everyone', '--all-pages']);
    const owners = new Set(all.sessions.map((s) => s.owner_email));
    expect(owners).toContain(bob.user.email);
    expect(owners).toContain(alice.user.email);
    expect(all.sessions.find((s) => s.id === bobSession.id)).toMatchObject({ owner_email: bob.user.email, module_count: 1 });
    const table = await operator.run(['ls', '--everyone', '--all-pages']);
    expect(table.stdout).toContain(`\t${bob.user.email}\n`);
  });

  it('list one author with --owner', async () => {
    const one = await operator.json<ListJson>(['ls', '--owner', bob.user.email.toUpperCase()]);
    expect(one.sessions.map((s) => s.id)).toEqual([bobSession.id]);
  });

  it('can read a tree but change nothing (exit 4 each time)', async () => {
    const tree = await operator.json<TreeJson>(['show', bobSession.id]);
    expect(tree.modules.map((m) => m.id)).toEqual([bobModule.id]);
    const before = await bob.json<TreeJson>(['show', bobSession.id]);
    const attempts: string[][] = [
      ['rename', bobSession.id, 'Taken over'],
      ['rename', 'bob-course', 'Taken over'],
      ['rm', bobSession.id, '--yes'],
      ['module', 'add', bobSession.id, 'Intruder'],
      ['module', 'move', bobSession.id, bobModule.id, '--last'],
      ['module', 'rename', bobModule.id, 'Renamed'],
      ['module', 'rm', bobModule.id, '--yes'],
    ];
    const results = await Promise.all(attempts.map((args) => operator.run(args)));
    results.forEach((res, i) => expect(res.exitCode, `${attempts[i]!.join(' ')}: ${res.stderr}`).toBe(4));
    expect(await bob.json<TreeJson>(['show', bobSession.id])).toEqual(before);
  });

  it('--everyone and --owner are exit 3 (not allowed) "operators only" for anyone else', async () => {
    for (const args of [['ls', '--everyone'], ['ls', '--owner', alice.user.email]]) {
      const res = await bob.run(args);
      expect(res.exitCode).toBe(3);
      expect(res.stderr).toMatch(/operators only/);
      expect(res.stdout).toBe('');
    }
  });
});

describe('output for people and for pipes', () => {
  // eslint-disable-next-line no-control-regex
  const ANSI = /\u001b\[[0-9;]*m/;

  beforeAll(async () => {
    await alice.json(['create', 'Colourful', '--key', 'colourful']);
  });

  it('piped output has no colour and no table borders, even without NO_COLOR', async () => {
    for (const args of [['ls'], ['show', 'colourful'], ['module', 'ls', 'colourful']]) {
      const res = await alice.run(args, { NO_COLOR: undefined, FORCE_COLOR: '1', TERM: 'xterm-256color' });
      expect(res.exitCode, res.stderr).toBe(0);
      expect(res.stdout).not.toMatch(ANSI);
      expect(res.stdout).not.toMatch(/[─│┌└]/);
      expect(res.stdout).not.toMatch(/\bNAME\b/);
    }
  });

  /** Runs the CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal would. */
  const onTerminal = async (args: string[], env: Record<string, string | undefined>) => {
    const command = ['node', launcher, ...args].map((a) => `'${a}'`).join(' ');
    const res = await execa('script', ['-qec', command, '/dev/null'], {
      env: { ...alice.env, TERM: 'xterm-256color', ...env } as Record<string, string>,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      cwd: alice.env.HOME as string,
    });
    return String(res.stdout);
  };

  it('a terminal gets a table with colour; NO_COLOR and --no-color turn the colour off', async () => {
    const coloured = await onTerminal(['ls'], { NO_COLOR: undefined });
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/ID\s+NAME\s+TYPE/);
    expect(coloured).toMatch(/─/);
    expect(coloured).toMatch(ANSI);
    expect(coloured).toMatch(/Colourful/);
    const noColor = await onTerminal(['ls'], { NO_COLOR: '1' });
    expect(noColor).toMatch(/ID\s+NAME\s+TYPE/);
    expect(noColor).toMatch(/─/);
    expect(noColor).not.toMatch(ANSI);
    const flag = await onTerminal(['ls', '--no-color'], { NO_COLOR: undefined });
    expect(flag).toMatch(/─/);
    expect(flag).not.toMatch(ANSI);
  });
});

describe('completion', () => {
  it('__complete sessions prints ids, keys and names; nothing at all when not signed in', async () => {
    const res = await alice.run(['__complete', 'sessions']);
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toMatch(/^[0-9a-f-]{36}\tColourful$/m);
    expect(res.stdout).toMatch(/^colourful\tColourful$/m);
    expect(res.stdout).toMatch(/^Colourful\t[0-9a-f]{8} colourful$/m);
    const anonymous = await alice.run(['__complete', 'sessions'], { XDG_CONFIG_HOME: join(dir, 'nobody') });
    expect(anonymous).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('prints scripts for bash, zsh and fish', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const res = await alice.run(['completion', shell]);
      expect(res.exitCode).toBe(0);
      expect(res.stdout).toContain('__complete');
      expect(res.stdout).toMatch(/sessions/);
    }
  });
});
