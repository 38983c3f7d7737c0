import { describe, expect, it } from 'vitest';
import {
  hasChanges,
  writesRows,
  longestIncreasingRun,
  planImport,
  type CurrentModule,
  type CurrentSession,
  type CurrentVideo,
  type DesiredModule,
  type DesiredSession,
  type DesiredVideo,
  type Plan,
} from '../../src/core/plan.js';

// Compact builders: the order in each array is the order (index) of the rows.
const V = (key: string, sha = `sha-${key}`, fileName = key, size = 10): DesiredVideo => ({
  key,
  fileName,
  fileSize: size,
  sha256: sha,
  mimeType: 'video/mp4',
  absolutePath: `/course/${fileName}`,
});
const M = (key: string, name: string, videos: DesiredVideo[] = []): DesiredModule => ({ key, name, videos });
const S = (key: string, name: string, modules: DesiredModule[], type: string | null = null): DesiredSession => ({ key, name, type, modules });

type CV = Omit<CurrentVideo, 'order_index'>;
type CM = Omit<CurrentModule, 'order_index' | 'videos'> & { videos: CV[] };
const cv = (key: string | null, sha: string | null = `sha-${key}`, opts: Partial<CV> = {}): CV => ({
  id: `v-${key ?? 'nokey'}`,
  key,
  file_name: key ?? 'untitled.mp4',
  file_size: 10,
  sha256: sha,
  status: 'ready',
  ...opts,
});
const cm = (key: string | null, name: string, videos: CV[] = []): CM => ({ id: `m-${key ?? name}`, key, name, videos });
const cs = (key: string, name: string, modules: CM[], type = 'Linear Flow'): CurrentSession => ({
  id: `s-${key}`,
  key,
  name,
  session_type: type,
  modules: modules.map((m, i) => ({ ...m, order_index: i, videos: m.videos.map((v, j) => ({ ...v, order_index: j })) })),
});

/** One line per action: "action kind key (changes)", with "+upload" when bytes are sent. */
function lines(plan: Plan): string[] {
  return plan.actions.map((a) => {
    let line = `${a.action} ${a.kind} ${a.key ?? '(no key)'}`;
    if (a.changes.length > 0) line += ` (${a.changes.join('; ')})`;
    if (a.upload) line += ' +upload';
    return line;
  });
}

const course = (modules: DesiredModule[], name = 'Course') => [S('c', name, modules)];
const existing = (modules: CM[], name = 'Course', type?: string) => new Map([['c', cs('c', name, modules, type)]]);

interface Case {
  name: string;
  desired: DesiredSession[];
  current: Map<string, CurrentSession>;
  prune?: boolean;
  expected: string[];
}

const cases: Case[] = [
  {
    name: 'a new session creates everything and uploads every file',
    desired: course([M('a', 'A', [V('1.mp4'), V('2.mp4')]), M('b', 'B')]),
    current: new Map(),
    expected: ['create session c', 'create module a', 'create video 1.mp4 +upload', 'create video 2.mp4 +upload', 'create module b'],
  },
  {
    name: 'the same input again plans nothing',
    desired: course([M('a', 'A', [V('1.mp4'), V('2.mp4')]), M('b', 'B')]),
    current: existing([cm('a', 'A', [cv('1.mp4'), cv('2.mp4')]), cm('b', 'B')]),
    expected: ['unchanged session c', 'unchanged module a', 'unchanged video 1.mp4', 'unchanged video 2.mp4', 'unchanged module b'],
  },
  {
    name: 'a renamed session',
    desired: course([], 'New title'),
    current: existing([], 'Old title'),
    expected: ['update session c (name "Old title" → "New title")'],
  },
  {
    name: 'a changed session type; no type in the manifest leaves it alone',
    desired: [S('c', 'Course', [], 'Quiz'), S('d', 'D', [])],
    current: new Map([
      ['c', cs('c', 'Course', [], 'Linear Flow')],
      ['d', cs('d', 'D', [], 'Quiz')],
    ]),
    expected: ['update session c (type "Linear Flow" → "Quiz")', 'unchanged session d'],
  },
  {
    name: 'a renamed module',
    desired: course([M('a', 'Intro'), M('b', 'B')]),
    current: existing([cm('a', 'Introduction'), cm('b', 'B')]),
    expected: ['unchanged session c', 'update module a (name "Introduction" → "Intro")', 'unchanged module b'],
  },
  {
    name: 'two swapped modules: one move',
    desired: course([M('b', 'B'), M('a', 'A')]),
    current: existing([cm('a', 'A'), cm('b', 'B')]),
    expected: ['unchanged session c', 'unchanged module b', 'move module a (position 1 → 2)'],
  },
  {
    name: 'a reversed order of three: two moves',
    desired: course([M('c3', '3'), M('c2', '2'), M('c1', '1')]),
    current: existing([cm('c1', '1'), cm('c2', '2'), cm('c3', '3')]),
    expected: ['unchanged session c', 'unchanged module c3', 'move module c2 (position 2, reordered)', 'move module c1 (position 1 → 3)'],
  },
  {
    name: 'one module taken from the end to the front: one move, the others only shift',
    desired: course([M('d', 'D'), M('a', 'A'), M('b', 'B'), M('c3', 'C')]),
    current: existing([cm('a', 'A'), cm('b', 'B'), cm('c3', 'C'), cm('d', 'D')]),
    expected: ['unchanged session c', 'move module d (position 4 → 1)', 'unchanged module a', 'unchanged module b', 'unchanged module c3'],
  },
  {
    name: 'a module inserted at the front shifts the others without moving them',
    desired: course([M('new', 'New'), M('a', 'A'), M('b', 'B')]),
    current: existing([cm('a', 'A'), cm('b', 'B')]),
    expected: ['unchanged session c', 'create module new', 'unchanged module a', 'unchanged module b'],
  },
  {
    name: 'renamed and moved: one update naming both',
    desired: course([M('b', 'Bee'), M('a', 'A')]),
    current: existing([cm('a', 'A'), cm('b', 'B')]),
    expected: ['unchanged session c', 'update module b (name "B" → "Bee")', 'move module a (position 1 → 2)'],
  },
  {
    name: 'a new video in an existing module',
    desired: course([M('a', 'A', [V('1.mp4'), V('new.mp4'), V('2.mp4')])]),
    current: existing([cm('a', 'A', [cv('1.mp4'), cv('2.mp4')])]),
    expected: ['unchanged session c', 'unchanged module a', 'unchanged video 1.mp4', 'create video new.mp4 +upload', 'unchanged video 2.mp4'],
  },
  {
    name: 'a video left out of the manifest is kept without prune',
    desired: course([M('a', 'A', [V('1.mp4')])]),
    current: existing([cm('a', 'A', [cv('1.mp4'), cv('2.mp4')])]),
    expected: ['unchanged session c', 'unchanged module a', 'unchanged video 1.mp4', 'unchanged video 2.mp4 (not in the manifest: kept (--prune deletes it))'],
  },
  {
    name: 'a video left out of the manifest is deleted with prune',
    desired: course([M('a', 'A', [V('1.mp4')])]),
    current: existing([cm('a', 'A', [cv('1.mp4'), cv('2.mp4')])]),
    prune: true,
    expected: ['unchanged session c', 'unchanged module a', 'unchanged video 1.mp4', 'delete video 2.mp4'],
  },
  {
    name: 'deleting a middle row with prune moves nothing',
    desired: course([M('a', 'A'), M('c3', 'C')]),
    current: existing([cm('a', 'A'), cm('b', 'B'), cm('c3', 'C')]),
    prune: true,
    expected: ['unchanged session c', 'unchanged module a', 'unchanged module c3', 'delete module b'],
  },
  {
    name: 'a pruned module takes its videos with it',
    desired: course([M('a', 'A')]),
    current: existing([cm('a', 'A'), cm('b', 'B', [cv('x.mp4'), cv('y.mp4')])]),
    prune: true,
    expected: ['unchanged session c', 'unchanged module a', 'delete module b', 'delete video x.mp4', 'delete video y.mp4'],
  },
  {
    name: 'rows without a key are never matched: kept without prune, deleted with it',
    desired: course([M('a', 'A')]),
    current: existing([cm(null, 'Hand made'), cm('a', 'A')]),
    expected: ['unchanged session c', 'unchanged module a', 'move module (no key) (position 1 → 2; not in the manifest: kept (--prune deletes it))'],
  },
  {
    name: 'rows without a key are deleted with prune',
    desired: course([M('a', 'A')]),
    current: existing([cm(null, 'Hand made'), cm('a', 'A')]),
    prune: true,
    expected: ['unchanged session c', 'unchanged module a', 'delete module (no key)'],
  },
  {
    name: 'kept rows go after the listed ones',
    desired: course([M('a', 'A'), M('b', 'B')]),
    current: existing([cm('a', 'A'), cm('x', 'X'), cm('b', 'B')]),
    expected: ['unchanged session c', 'unchanged module a', 'unchanged module b', 'move module x (position 2 → 3; not in the manifest: kept (--prune deletes it))'],
  },
  {
    name: 'new bytes under the same key are an update that uploads',
    desired: course([M('a', 'A', [V('1.mp4', 'sha-new')])]),
    current: existing([cm('a', 'A', [cv('1.mp4', 'sha-old')])]),
    expected: ['unchanged session c', 'unchanged module a', 'update video 1.mp4 (new bytes) +upload'],
  },
  {
    name: 'a row without a hash counts as different bytes',
    desired: course([M('a', 'A', [V('1.mp4')])]),
    current: existing([cm('a', 'A', [cv('1.mp4', null)])]),
    expected: ['unchanged session c', 'unchanged module a', 'update video 1.mp4 (new bytes) +upload'],
  },
  {
    name: 'an unfinished upload of the same bytes is finished',
    desired: course([M('a', 'A', [V('1.mp4')])]),
    current: existing([cm('a', 'A', [cv('1.mp4', 'sha-1.mp4', { status: 'uploading' })])]),
    expected: ['unchanged session c', 'unchanged module a', 'update video 1.mp4 (upload not finished) +upload'],
  },
  {
    name: 'a renamed file with the same bytes and key sends nothing',
    desired: course([M('a', 'A', [V('intro', 'sha-intro', 'intro-v2.mp4')])]),
    current: existing([cm('a', 'A', [cv('intro', 'sha-intro', { file_name: 'intro.mp4' })])]),
    expected: ['unchanged session c', 'unchanged module a', 'update video intro (file "intro.mp4" → "intro-v2.mp4")'],
  },
  {
    name: 'swapped videos',
    desired: course([M('a', 'A', [V('2.mp4'), V('1.mp4')])]),
    current: existing([cm('a', 'A', [cv('1.mp4'), cv('2.mp4')])]),
    expected: ['unchanged session c', 'unchanged module a', 'unchanged video 2.mp4', 'move video 1.mp4 (position 1 → 2)'],
  },
  {
    name: 'a video moved to another module: keys are per module, so create there, delete here with prune',
    desired: course([M('a', 'A', []), M('b', 'B', [V('1.mp4')])]),
    current: existing([cm('a', 'A', [cv('1.mp4')]), cm('b', 'B')]),
    prune: true,
    expected: ['unchanged session c', 'unchanged module a', 'delete video 1.mp4', 'unchanged module b', 'create video 1.mp4 +upload'],
  },
  {
    name: 'the same module key in two sessions is two modules',
    desired: [S('c', 'Course', [M('a', 'A')]), S('d', 'Other', [M('a', 'A')])],
    current: existing([cm('a', 'A')]),
    expected: ['unchanged session c', 'unchanged module a', 'create session d', 'create module a'],
  },
  {
    name: 'rename, swap, add and prune together',
    desired: course([M('b', 'B', [V('3.mp4')]), M('a', 'Start', [V('1.mp4')])]),
    current: existing([cm('a', 'A', [cv('1.mp4'), cv('2.mp4')]), cm('b', 'B')]),
    prune: true,
    expected: [
      'unchanged session c',
      'unchanged module b',
      'create video 3.mp4 +upload',
      'update module a (name "A" → "Start"; position 1 → 2)',
      'unchanged video 1.mp4',
      'delete video 2.mp4',
    ],
  },
];

describe('planImport', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planImport(c.desired, c.current, { prune: c.prune ?? false });
      expect(lines(plan)).toEqual(c.expected);
    });
  }

  it('gives positions before and after, 1-based', () => {
    const plan = planImport(course([M('b', 'B'), M('a', 'A')]), existing([cm('a', 'A'), cm('b', 'B')]), { prune: false });
    const moved = plan.actions.find((a) => a.key === 'a')!;
    expect(moved).toMatchObject({ action: 'move', position: 2, previous_position: 1, id: 'm-a', session: 'c', module: null });
  });

  it('names the module of each video and the file name as the video name', () => {
    const plan = planImport(course([M('a', 'A', [V('k', 'h', 'file.mp4')])]), new Map(), { prune: false });
    expect(plan.actions[2]).toMatchObject({ kind: 'video', key: 'k', name: 'file.mp4', session: 'c', module: 'a', position: 1, previous_position: null, size: 10 });
  });

  it('summarizes actions and the bytes to send', () => {
    const plan = planImport(
      course([M('a', 'A', [V('1.mp4', 'x', '1.mp4', 100), V('2.mp4', 'y', '2.mp4', 50)]), M('n', 'N')]),
      existing([cm('a', 'A', [cv('1.mp4', 'old')]), cm('gone', 'Gone')]),
      { prune: true },
    );
    expect(plan.summary).toEqual({ create: 2, update: 1, move: 0, delete: 1, unchanged: 2, upload_files: 2, upload_bytes: 150 });
    expect(hasChanges(plan)).toBe(true);
  });

  it('a re-run that only finishes uploads writes no rows', () => {
    const plan = planImport(course([M('a', 'A', [V('1.mp4')])]), existing([cm('a', 'A', [cv('1.mp4', 'sha-1.mp4', { status: 'uploading' })])]), { prune: false });
    expect(hasChanges(plan)).toBe(true);
    expect(writesRows(plan)).toBe(false);
  });

  it('every create, move, delete and real update writes rows', () => {
    const plan = planImport(
      course([M('b', 'B'), M('a', 'A', [V('1.mp4', 'new')]), M('n', 'N')]),
      existing([cm('a', 'A', [cv('1.mp4'), cv('2.mp4')]), cm('b', 'B')]),
      { prune: true },
    );
    expect(plan.actions.map((a) => `${a.action} ${a.key} ${a.writes_rows}`)).toEqual([
      'unchanged c false',
      'unchanged b false',
      'move a true',
      'update 1.mp4 true',
      'delete 2.mp4 true',
      'create n true',
    ]);
    expect(writesRows(plan)).toBe(true);
  });

  it('has no changes when everything is unchanged, even with rows kept outside the manifest', () => {
    const plan = planImport(course([M('a', 'A')]), existing([cm('a', 'A'), cm('x', 'X')]), { prune: false });
    expect(hasChanges(plan)).toBe(false);
  });

  it('plans 500 modules × 2 videos unchanged as 1,501 unchanged rows', () => {
    const modules = Array.from({ length: 500 }, (_, i) => M(`m${i}`, `Module ${i}`, [V(`a${i}.mp4`), V(`b${i}.mp4`)]));
    const current = existing(modules.map((m) => cm(m.key, m.name, m.videos.map((v) => cv(v.key)))));
    const plan = planImport(course(modules), current, { prune: true });
    expect(plan.summary.unchanged).toBe(1501);
    expect(hasChanges(plan)).toBe(false);
  });
});

describe('longestIncreasingRun', () => {
  const cases: Array<[number[], number[]]> = [
    [[], []],
    [[0], [0]],
    [[0, 1, 2], [0, 1, 2]],
    [[1, 0], [0]],
    [[2, 1, 0], [0]],
    [[0, 2, 1], [0, 1]],
    [[3, 0, 1, 2], [1, 2, 3]],
    [[0, 5, 1, 2, 3], [0, 2, 3, 4]],
    [[4, 0, 3, 1, 2], [1, 3, 4]],
    [[1, 0, 3, 2], [0, 2]],
  ];
  for (const [values, expected] of cases) {
    it(`[${values.join(', ')}] keeps indexes [${expected.join(', ')}]`, () => {
      expect([...longestIncreasingRun(values)].sort((a, b) => a - b)).toEqual(expected);
    });
  }
});

describe('renamed modules', () => {
  it('a renumbered folder whose videos match by sha256 is one update (a key change), with or without prune', () => {
    for (const prune of [false, true]) {
      const plan = planImport(
        course([M('01-intro', 'intro', [V('a.mp4')]), M('03-wrap_up', 'wrap up', [V('b.mp4'), V('c.mp4')])]),
        existing([cm('01-intro', 'intro', [cv('a.mp4')]), cm('10-wrap_up', 'wrap up', [cv('b.mp4'), cv('c.mp4')])]),
        { prune },
      );
      expect(lines(plan)).toEqual([
        'unchanged session c',
        'unchanged module 01-intro',
        'unchanged video a.mp4',
        'update module 03-wrap_up (key "10-wrap_up" → "03-wrap_up")',
        'unchanged video b.mp4',
        'unchanged video c.mp4',
      ]);
      expect(plan.renames).toEqual([{ session: 'c', from: '10-wrap_up', to: '03-wrap_up' }]);
      expect(plan.actions[3]).toMatchObject({ previous_key: '10-wrap_up', id: 'm-10-wrap_up', writes_rows: true });
    }
  });

  it('is not a rename when the bytes differ, when the old key is still listed, or when the module is empty', () => {
    const differ = planImport(course([M('new', 'N', [V('a.mp4', 'other')])]), existing([cm('old', 'O', [cv('a.mp4')])]), { prune: true });
    expect(differ.renames).toEqual([]);
    expect(lines(differ)).toContain('delete module old');
    const listed = planImport(course([M('old', 'O', [V('a.mp4')]), M('copy', 'C', [V('a.mp4')])]), existing([cm('old', 'O', [cv('a.mp4')])]), { prune: false });
    expect(listed.renames).toEqual([]);
    const empty = planImport(course([M('new', 'N')]), existing([cm('old', 'O')]), { prune: true });
    expect(empty.renames).toEqual([]);
  });

  it('a renamed module that swaps places: the rename is one update, the other row the one move', () => {
    const plan = planImport(
      course([M('03-z', 'z', [V('z.mp4')]), M('01-a', 'a', [V('a.mp4')])]),
      existing([cm('01-a', 'a', [cv('a.mp4')]), cm('10-z', 'z', [cv('z.mp4')])]),
      { prune: true },
    );
    expect(lines(plan).filter((l) => l.includes('module'))).toEqual(['update module 03-z (key "10-z" → "03-z")', 'move module 01-a (position 1 → 2)']);
  });
});
