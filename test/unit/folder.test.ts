import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareNatural, humanize, moduleNameFromFolder, readCourseFolder } from '../../src/core/folder.js';
import { ManifestError, parseManifest, serializeManifest, toDocument } from '../../src/core/manifest.js';

describe('compareNatural', () => {
  const cases: Array<[string[], string[]]> = [
    [['10-wrap', '02-setup', '01-intro'], ['01-intro', '02-setup', '10-wrap']],
    [['10', '2', '01'], ['01', '2', '10']],
    [['b.mp4', 'a10.mp4', 'a2.mp4', 'A1.mp4'], ['A1.mp4', 'a2.mp4', 'a10.mp4', 'b.mp4']],
    [['a10.mp4', 'a.mp4', 'a2.mp4'], ['a.mp4', 'a2.mp4', 'a10.mp4']],
    [['Part 10.mp4', 'part 9.mp4', 'Part 1.mp4'], ['Part 1.mp4', 'part 9.mp4', 'Part 10.mp4']],
    [['x', 'X'], ['X', 'x']],
    [['part-1b', 'part-1a', 'part-1'], ['part-1', 'part-1a', 'part-1b']],
    [['appendix', '3-end', '1-start'], ['1-start', '3-end', 'appendix']],
    [['01-a', '1-a'], ['01-a', '1-a']],
    [['99999999999999999999-x', '100000000000000000000-x'], ['99999999999999999999-x', '100000000000000000000-x']],
  ];
  for (const [input, expected] of cases) {
    it(`${input.join(', ')} → ${expected.join(', ')}`, () => {
      expect([...input].sort(compareNatural)).toEqual(expected);
      expect([...input].reverse().sort(compareNatural)).toEqual(expected);
    });
  }
});

describe('module names from folder names', () => {
  const cases: Array<[string, string]> = [
    ['01-intro', 'intro'],
    ['02_set_up', 'set up'],
    ['10 - Wrap-up', 'Wrap up'],
    ['3.Basics', 'Basics'],
    ['01', '01'],
    ['appendix', 'appendix'],
    ['2024-review', 'review'],
  ];
  for (const [folder, name] of cases) it(`${folder} → ${name}`, () => expect(moduleNameFromFolder(folder)).toBe(name));
  it('humanizes session folder names without dropping numbers', () => expect(humanize('sql-101_basics')).toBe('sql 101 basics'));
});

describe('readCourseFolder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'folder-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function files(root: string, paths: string[]): Promise<void> {
    for (const p of paths) {
      const full = path.join(root, p);
      if (p.endsWith('/')) {
        await mkdir(full, { recursive: true });
      } else {
        await mkdir(path.dirname(full), { recursive: true });
        await writeFile(full, 'x');
      }
    }
  }

  it('reads modules in numeric order and videos in natural order, ignoring what is not a video', async () => {
    const course = path.join(dir, 'sql-101');
    await files(course, [
      '10-wrap/outro.mp4',
      '02-setup/clip10.mp4',
      '02-setup/clip2.webm',
      '02-setup/notes.md',
      '02-setup/.DS_Store',
      '02-setup/extra/',
      '01-intro/welcome.mov',
      'cover.png',
      '.git/HEAD',
      '03-empty/',
    ]);
    const { manifest, ignored } = await readCourseFolder(course);
    const session = manifest.sessions[0]!;
    expect(session).toMatchObject({ key: 'sql-101', name: 'sql 101', type: null });
    expect(session.modules.map((m) => [m.key, m.name, m.videos.map((v) => v.key)])).toEqual([
      ['01-intro', 'intro', ['welcome.mov']],
      ['02-setup', 'setup', ['clip2.webm', 'clip10.mp4']],
      ['03-empty', 'empty', []],
      ['10-wrap', 'wrap', ['outro.mp4']],
    ]);
    expect(session.modules[1]!.videos[0]).toMatchObject({ file: '02-setup/clip2.webm', absolutePath: path.join(course, '02-setup', 'clip2.webm') });
    expect(ignored.map((i) => i.path).sort()).toEqual(['02-setup/extra/', '02-setup/notes.md', 'cover.png']);
  });

  it('keeps modules named 01, 02, 10 in that order', async () => {
    const course = path.join(dir, 'c');
    await files(course, ['10/a.mp4', '02/a.mp4', '01/a.mp4']);
    const { manifest } = await readCourseFolder(course);
    expect(manifest.sessions[0]!.modules.map((m) => [m.key, m.name])).toEqual([
      ['01', '01'],
      ['02', '02'],
      ['10', '10'],
    ]);
  });

  it('follows symbolic links to folders and files', async () => {
    const course = path.join(dir, 'c');
    await files(dir, ['elsewhere/x.mp4', 'shared/y.mp4']);
    await mkdir(path.join(course, '01-a'), { recursive: true });
    await symlink(path.join(dir, 'elsewhere', 'x.mp4'), path.join(course, '01-a', 'x.mp4'));
    await symlink(path.join(dir, 'shared'), path.join(course, '02-b'));
    const { manifest } = await readCourseFolder(course);
    expect(manifest.sessions[0]!.modules.map((m) => m.videos.map((v) => v.key))).toEqual([['x.mp4'], ['y.mp4']]);
  });

  it('refuses a folder without module folders', async () => {
    const course = path.join(dir, 'flat');
    await files(course, ['a.mp4']);
    await expect(readCourseFolder(course)).rejects.toBeInstanceOf(ManifestError);
  });

  it('implies a manifest that parses back to the same tree', async () => {
    const course = path.join(dir, 'course');
    await files(course, ['01-a/1.mp4', '01-a/2.mp4', '02-b/x.webm']);
    const { manifest } = await readCourseFolder(course);
    const text = serializeManifest(toDocument(manifest), 'yaml');
    const reparsed = parseManifest(text, { source: 'course.yaml', baseDir: course });
    expect(toDocument(reparsed)).toEqual(toDocument(manifest));
    expect(reparsed.sessions[0]!.modules[1]!.videos[0]!.absolutePath).toBe(path.join(course, '02-b', 'x.webm'));
  });
});
