// Bad input and other people's content at the built CLI: every refusal is one line with its
// exit code, and writes nothing.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestBackend, type TestBackend } from '../support/backend.js';
import { contentSnapshot, expectFailure, signedInAuthor, type Author, type ListJson, type ModuleJson, type SessionJson, type TreeJson } from './sessions-support.js';


// Every command is a Node process: give a test of many commands room on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

let backend: TestBackend;
let alice: Author;
let bob: Author;
let course: SessionJson;
let modules: ModuleJson[];

beforeAll(async () => {
  backend = await startTestBackend();
  [alice, bob] = await Promise.all([signedInAuthor(backend), signedInAuthor(backend)]);
  course = await alice.json<SessionJson>(['create', 'Alice course', '--key', 'alice-course']);
  modules = [];
  for (const name of ['One', 'Two', 'Three']) modules.push(await alice.json<ModuleJson>(['module', 'add', 'alice-course', name]));
  // Two sessions whose ids share a prefix, for the ambiguity cases.
  await backend.db.pool.query(
    `insert into public.sessions (id, user_id, name) values
       ('abcd0000-0000-4000-8000-000000000001', $1, 'Twin A'),
       ('abcd0000-0000-4000-8000-000000000002', $1, 'Twin B'),
       ('abcd0000-0000-4000-8000-000000000003', $1, 'Twin A')`,
    [alice.user.id],
  );
});

afterAll(async () => {
  await backend?.close();
});

describe('bad input: one line, its exit code, nothing written', () => {
  const long = 'n'.repeat(300);
  const unknownId = '0bad0000-0000-4000-8000-00000000dead';
  const cases: Array<[string, () => string[], number, RegExp]> = [
    ['a blank session name', () => ['create', '   '], 2, /name is blank/],
    ['a 300-character session name', () => ['create', long], 2, /300 characters/],
    ['a blank module name', () => ['module', 'add', 'alice-course', ''], 2, /name is blank/],
    ['a 300-character module name', () => ['module', 'add', 'alice-course', long], 2, /300 characters/],
    ['a 300-character rename', () => ['rename', 'alice-course', long], 2, /300 characters/],
    ['an unknown session type', () => ['create', 'Typed', '--type', 'Freestyle'], 2, /unknown session type/],
    ['--at 0', () => ['module', 'add', 'alice-course', 'Zero', '--at', '0'], 2, /positions start at 1/],
    ['--at past the end', () => ['module', 'add', 'alice-course', 'Far', '--at', '5'], 2, /--at 5 is outside 1\.\.4/],
    ['--to past the end', () => ['module', 'move', 'alice-course', 'One', '--to', '4'], 2, /--to 4 is outside 1\.\.3/],
    ['--to 0', () => ['module', 'move', 'alice-course', 'One', '--to', '0'], 2, /positions start at 1/],
    ['two destinations', () => ['module', 'move', 'alice-course', 'One', '--first', '--to', '2'], 2, /only one/],
    ['a blank --before', () => ['module', 'move', 'alice-course', 'One', '--before', ' '], 2, /missing module after --before/],
    ['an unknown session id', () => ['show', unknownId], 4, /not found|not yours/],
    ['an unknown session name', () => ['rename', 'No such course', 'X'], 4, /no session "No such course"/],
    ['an unknown module prefix', () => ['module', 'rename', 'ffff', 'X'], 4, /no module "ffff"/],
    ['an unknown module in the session', () => ['module', 'move', 'alice-course', 'Four', '--first'], 4, /no module "Four"/],
    ['an unknown module id to delete', () => ['module', 'rm', unknownId, '--yes'], 4, /not found|not yours/],
    ['an ambiguous id prefix', () => ['show', 'abcd'], 2, /"abcd" matches 3 sessions: abcd0000 \(Twin A\), abcd0000 \(Twin A\), abcd0000 \(Twin B\)/],
    ['an ambiguous name', () => ['rm', 'Twin A', '--yes'], 2, /"Twin A" matches 2 sessions/],
    ['a 3-character module prefix', () => ['module', 'rm', modules[0]!.id.slice(0, 3), '--yes'], 2, /too short/],
    ['rm without --yes off a terminal', () => ['rm', 'alice-course'], 2, /confirmation/],
  ];

  for (const [label, args, exitCode, message] of cases) {
    it(`${label}: exit ${exitCode}`, async () => {
      const before = await contentSnapshot(backend);
      expectFailure(await alice.run(args()), exitCode, message);
      expect(await contentSnapshot(backend)).toBe(before);
    });
  }

  it('the JSON error lists the candidates of an ambiguous prefix', async () => {
    const res = await alice.run(['show', 'abcd0000', '--json']);
    expect(res.exitCode).toBe(2);
    expect(res.stdout).toBe('');
    const error = JSON.parse(res.stderr.trimEnd().split('\n').at(-1)!) as { error: { code: string; exit_code: number; hint: string; details: { candidates: Array<{ id: string; name: string }> } } };
    expect(error.error).toMatchObject({ code: 'ambiguous_ref', exit_code: 2, hint: expect.stringContaining('more characters') });
    expect(error.error.details.candidates.map((c) => c.id).sort()).toEqual([
      'abcd0000-0000-4000-8000-000000000001',
      'abcd0000-0000-4000-8000-000000000002',
      'abcd0000-0000-4000-8000-000000000003',
    ]);
  });

  it('a longer prefix settles it', async () => {
    const tree = await alice.json<TreeJson>(['show', 'abcd0000-0000-4000-8000-000000000002'.slice(0, 36)]);
    expect(tree.name).toBe('Twin B');
  });
});

describe("another author's content looks missing (exit 4) through every command", () => {
  it('cannot see, move, rename or delete it', async () => {
    const before = await contentSnapshot(backend);
    const m = modules[1]!;
    const attempts: string[][] = [
      ['show', course.id],
      ['show', course.id.slice(0, 8)],
      ['show', 'alice-course'],
      ['show', 'Alice course'],
      ['module', 'ls', course.id],
      ['module', 'ls', 'alice-course'],
      ['module', 'add', course.id, 'Intruder'],
      ['module', 'add', course.id, 'Intruder', '--at', '1'],
      ['module', 'move', course.id, m.id, '--first'],
      ['module', 'move', course.id, m.id.slice(0, 8), '--to', '1'],
      ['module', 'rename', m.id, 'Mine now'],
      ['module', 'rename', m.id.slice(0, 8), 'Mine now'],
      ['module', 'rm', m.id, '--yes'],
      ['module', 'rm', m.id.slice(0, 8), '--yes'],
      ['rename', course.id, 'Mine now'],
      ['rename', 'alice-course', 'Mine now'],
      ['rm', course.id, '--yes'],
      ['rm', 'alice-course', '--yes'],
    ];
    // Independent refusals: run them side by side.
    const results = await Promise.all(attempts.map((args) => bob.run(args)));
    results.forEach((res, i) => {
      expect(res.exitCode, `bob: session ${attempts[i]!.join(' ')}\n${res.stderr}`).toBe(4);
      expect(res.stdout).toBe('');
    });
    expect(await contentSnapshot(backend)).toBe(before);

    const list = await bob.json<ListJson>(['ls', '--all-pages']);
    expect(list.sessions).toEqual([]);
    const completion = await bob.run(['__complete', 'sessions']);
    expect(completion.stdout).toBe('');
  });

  it('and its owner still has it, unchanged', async () => {
    const tree = await alice.json<TreeJson>(['show', 'alice-course']);
    expect(tree.modules.map((x) => x.name)).toEqual(['One', 'Two', 'Three']);
  });
});
