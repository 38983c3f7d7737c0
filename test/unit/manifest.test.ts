import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { MANIFEST_MAX_BYTES, ManifestError, formatIssue, parseManifest, serializeManifest, toDocument, formatFor, type ManifestIssue } from '../../src/core/manifest.js';
import { ExitCode } from '../../src/base/errors.js';

const base = path.resolve('/courses/sql');
const parse = (text: string) => parseManifest(text, { source: 'course.yaml', baseDir: base });

function issuesOf(text: string): ManifestIssue[] {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).issues;
  }
  throw new Error('expected the manifest to be rejected');
}

const good = `version: 1
sessions:
  - key: sql-101
    name: Intro to SQL
    type: Linear Flow
    modules:
      - key: basics
        name: The basics
        videos:
          - file: basics/select.mp4
          - file: basics/where.mp4
            key: where
      - key: "02"
        name: Joins
        videos: []
`;

describe('parseManifest: valid input', () => {
  it('reads sessions, modules and videos in order, with default video keys and absolute paths', () => {
    const m = parse(good);
    expect(m.sessions).toHaveLength(1);
    const s = m.sessions[0]!;
    expect(s).toMatchObject({ key: 'sql-101', name: 'Intro to SQL', type: 'Linear Flow' });
    expect(s.modules.map((x) => x.key)).toEqual(['basics', '02']);
    const videos = s.modules[0]!.videos;
    expect(videos.map((v) => v.key)).toEqual(['select.mp4', 'where']);
    expect(videos[0]!.absolutePath).toBe(path.join(base, 'basics', 'select.mp4'));
    expect(videos[1]!.fileAt).toEqual({ file: 'course.yaml', line: 11, field: 'sessions[0].modules[0].videos[1].file' });
  });

  it('reads the same shape from JSON', () => {
    const json = JSON.stringify({ sessions: [{ key: 'a', name: 'A', modules: [{ key: 'm', name: 'M', videos: [{ file: 'x.mp4' }] }] }] }, null, 2);
    const m = parse(json);
    expect(m.sessions[0]!.modules[0]!.videos[0]!.key).toBe('x.mp4');
    expect(m.sessions[0]!.type).toBeNull();
  });

  it('accepts a single session at the top level', () => {
    const m = parse('key: a\nname: A\nmodules:\n  - key: m\n    name: M\n');
    expect(m.sessions.map((s) => s.key)).toEqual(['a']);
    expect(m.sessions[0]!.modules[0]!.videos).toEqual([]);
  });

  it('keeps the spelling of numeric keys and names', () => {
    const m = parse('key: 007\nname: 2024\nmodules:\n  - key: 01\n    name: 1.10\n');
    expect(m.sessions[0]!.key).toBe('007');
    expect(m.sessions[0]!.name).toBe('2024');
    expect(m.sessions[0]!.modules[0]!).toMatchObject({ key: '01', name: '1.10' });
  });

  it('takes a block-scalar name by its trimmed text (the trailing newline is not stored)', () => {
    const m = parse(good.replace('name: Joins', 'name: |\n          Joins'));
    expect(m.sessions[0]!.modules[1]!.name).toBe('Joins');
  });

  it('trims names and turns backslashes in paths into slashes', () => {
    const m = parse('key: a\nname: "  A  "\nmodules:\n  - key: m\n    name: M\n    videos:\n      - file: ./dir\\x.mp4\n');
    expect(m.sessions[0]!.name).toBe('A');
    expect(m.sessions[0]!.modules[0]!.videos[0]!).toMatchObject({ file: 'dir/x.mp4', key: 'x.mp4' });
  });

  it('takes session types as people write them and keeps the stored spelling', () => {
    expect(parse('key: a\nname: A\ntype: self-paced\nmodules: []\n').sessions[0]!.type).toBe('Self-Paced');
  });

  it('lowercases a stated sha256', () => {
    const sha = 'AB'.repeat(32);
    const m = parse(`key: a\nname: A\nmodules:\n  - key: m\n    name: M\n    videos:\n      - file: x.mp4\n        sha256: ${sha}\n`);
    expect(m.sessions[0]!.modules[0]!.videos[0]!.sha256).toBe(sha.toLowerCase());
  });
});

describe('parseManifest: errors name the file, the line and the field', () => {
  const cases: Array<{ name: string; text: string; expected: Array<Partial<ManifestIssue>>; atLeast?: boolean }> = [
    {
      name: 'blank module name',
      text: good.replace('name: Joins', 'name: "   "'),
      expected: [{ line: 14, field: 'sessions[0].modules[1].name', message: 'must not be blank' }],
    },
    {
      name: 'empty module name (null)',
      text: good.replace('name: Joins', 'name:'),
      expected: [{ line: 14, field: 'sessions[0].modules[1].name', message: 'must not be blank' }],
    },
    {
      name: 'missing session key',
      text: good.replace('  - key: sql-101\n    name', '  - name'),
      expected: [{ line: 3, field: 'sessions[0].key' }],
    },
    {
      name: 'missing video file',
      text: good.replace('          - file: basics/select.mp4\n', '          - key: lonely\n'),
      expected: [{ line: 10, field: 'sessions[0].modules[0].videos[0].file', message: 'is required (a path relative to the manifest)' }],
    },
    {
      name: 'unknown field (a typo)',
      text: good.replace('name: The basics', 'nmae: The basics'),
      expected: [
        { line: 8, field: 'sessions[0].modules[0].nmae', message: 'unknown field (expected one of: key, name, videos)' },
        { line: 7, field: 'sessions[0].modules[0].name', message: 'is required' },
      ],
    },
    {
      name: 'duplicate module key',
      text: good.replace('key: "02"', 'key: basics'),
      expected: [{ line: 13, field: 'sessions[0].modules[1].key', message: 'duplicate key "basics" for a module in session "sql-101" (first on line 7)' }],
    },
    {
      name: 'duplicate default video key (same file name twice)',
      text: good.replace('basics/where.mp4\n            key: where', 'other/select.mp4'),
      expected: [{ line: 11, field: 'sessions[0].modules[0].videos[1].key' }],
    },
    {
      name: 'modules is not a list',
      text: 'key: a\nname: A\nmodules: nope\n',
      expected: [{ line: 3, field: 'modules', message: 'must be a list of modules' }],
    },
    {
      name: 'name is a mapping',
      text: 'key: a\nname: {x: 1}\nmodules: []\n',
      expected: [{ line: 2, field: 'name', message: 'must be text, not a mapping' }],
    },
    {
      name: 'name too long',
      text: `key: a\nname: ${'x'.repeat(256)}\nmodules: []\n`,
      expected: [{ line: 2, field: 'name', message: 'must be at most 255 characters (has 256)' }],
    },
    {
      name: 'key with surrounding spaces',
      text: 'key: " a"\nname: A\nmodules: []\n',
      expected: [{ line: 1, field: 'key', message: 'must not start or end with spaces or hold control characters' }],
    },
    {
      name: 'bad sha256',
      text: 'key: a\nname: A\nmodules:\n  - key: m\n    name: M\n    videos:\n      - file: x.mp4\n        sha256: abc\n',
      expected: [{ line: 8, field: 'modules[0].videos[0].sha256', message: 'must be 64 hexadecimal digits' }],
    },
    {
      name: 'sessions and top-level session together',
      text: 'key: a\nsessions: []\n',
      expected: [{ line: 2, field: 'sessions' }],
    },
    {
      name: 'empty sessions list',
      text: 'sessions: []\n',
      expected: [{ line: 1, field: 'sessions', message: 'must list at least one session' }],
    },
    {
      name: 'wrong version',
      text: 'version: 2\nkey: a\nname: A\nmodules: []\n',
      expected: [{ line: 1, field: 'version' }],
    },
    {
      name: 'unknown session type',
      text: 'key: a\nname: A\ntype: Webinar\nmodules: []\n',
      expected: [{ line: 3, field: 'type', message: 'unknown session type "Webinar" (use one of: Linear Flow, Branching Flow, Self-Paced, Live Workshop, Assessment)' }],
    },
    {
      name: 'a list at the top',
      text: '- a\n- b\n',
      expected: [{ line: 1, field: '' }],
    },
    {
      name: 'an empty file',
      text: '',
      expected: [{ field: '', message: 'the manifest is empty' }],
    },
    {
      name: 'a repeated field names the field and both lines',
      text: 'key: a\nname: A\nname: B\nmodules: []\n',
      expected: [{ line: 3, field: 'name', message: 'repeated field (first on line 2)' }],
    },
    {
      name: 'JSON syntax: unterminated object',
      text: '{\n  "key": "a",\n  "name": "A",\n  "modules": [\n',
      expected: [{ line: 5, field: '' }],
      atLeast: true,
    },
    {
      name: 'a module name with a control character (the database refuses it: caught before any request)',
      text: good.replace('name: Joins', 'name: "Jo\\u001b[2Jins"'),
      expected: [{ line: 14, field: 'sessions[0].modules[1].name', message: 'contains a control character (ESC, U+001B) at position 3' }],
    },
    {
      name: 'a session name with DEL, as JSON',
      text: JSON.stringify({ key: 'a', name: 'A\u007fB', modules: [] }, null, 2),
      expected: [{ line: 3, field: 'name', message: 'contains a control character (DEL, U+007F) at position 2' }],
    },
    {
      name: 'a key with a C1 control character (CSI), as --key refuses it',
      text: 'key: "a\\u009bb"\nname: A\nmodules: []\n',
      expected: [{ line: 1, field: 'key', message: 'must not start or end with spaces or hold control characters' }],
    },
    {
      name: 'a video file name with a C1 control character (the database refuses it as file_name)',
      text: 'key: a\nname: A\nmodules:\n  - key: m\n    name: M\n    videos:\n      - file: "x\\u0085.mp4"\n        key: x\n',
      expected: [{ line: 7, field: 'modules[0].videos[0].file', message: 'its file name contains a control character (NEL, U+0085) at position 2' }],
    },
    {
      name: 'video file is a folder',
      text: 'key: a\nname: A\nmodules:\n  - key: m\n    name: M\n    videos:\n      - file: dir/\n',
      expected: [{ line: 7, field: 'modules[0].videos[0].file', message: 'must name a file, not a folder' }],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const issues = issuesOf(c.text);
      if (c.atLeast) expect(issues.length).toBeGreaterThanOrEqual(c.expected.length);
      else expect(issues).toHaveLength(c.expected.length);
      c.expected.forEach((want, i) => expect(issues[i]).toMatchObject({ file: 'course.yaml', ...want }));
    });
  }

  it('reports every problem at once, as file:line: field: message, with exit code 2', () => {
    const text = good.replace('name: Joins', 'name: ""').replace('name: The basics', 'name: []');
    let error: ManifestError | undefined;
    try {
      parse(text);
    } catch (err) {
      error = err as ManifestError;
    }
    expect(error?.exitCode).toBe(ExitCode.usage);
    expect(error?.message.split('\n')).toEqual([
      'course.yaml:8: sessions[0].modules[0].name: must be text, not a list',
      'course.yaml:14: sessions[0].modules[1].name: must not be blank',
    ]);
    expect(error?.toJSON().error.details).toEqual({ issues: error?.issues });
  });

  it('syntax errors carry a line number', () => {
    const issues = issuesOf('key: a\nname: [A\nmodules: []\n');
    expect(issues[0]!.line).toBeGreaterThanOrEqual(2);
  });
});

describe('parseManifest: hostile input', () => {
  it('refuses an alias bomb with its own message and the line of the first alias, before reading any field', () => {
    const bomb = [
      'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
      'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
      'g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]',
      'sessions: [*g]',
    ].join('\n');
    const issues = issuesOf(bomb);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 2, field: '' });
    expect(issues[0]!.message).toMatch(/^YAML aliases expand to too many nodes \(more than 100 alias uses in total\)/);
  });

  it('still reads a manifest that uses a few aliases', () => {
    const m = parse('key: a\nname: &n Shared\nmodules:\n  - key: m\n    name: *n\n');
    expect(m.sessions[0]!.modules[0]!.name).toBe('Shared');
  });

  it('reports repeated fields, non-text field names and wrong types each on one line, all at once', () => {
    const text = ['key: a', 'name: A', 'modules:', '  - key: m', '    key: n', '    name: [M]', '    1: one', '    ? [x]', '    : y', '    videos: {file: x.mp4}', 'true: yes'].join('\n');
    expect(issuesOf(text).map(formatIssue)).toEqual([
      'course.yaml:5: modules[0].key: repeated field (first on line 4)',
      'course.yaml:7: modules[0].1: field names must be text, not a number',
      'course.yaml:8: modules[0].[…]: field names must be text, not a list',
      'course.yaml:11: true: field names must be text, not a boolean',
    ]);
    // Once the text itself is sound, the fields are checked, every problem at once.
    expect(issuesOf('key: a\nname: A\nmodules:\n  - key: m\n    name: [M]\n    videos: {file: x.mp4}\n  - key: true\n    name: N\n').map(formatIssue)).toEqual([
      'course.yaml:5: modules[0].name: must be text, not a list',
      'course.yaml:6: modules[0].videos: must be a list of videos',
      'course.yaml:7: modules[1].key: must be text, not true or false',
    ]);
  });

  it('JSON: a repeated key (which JSON.parse would drop) is reported with its field and line', () => {
    const json = '{\n  "key": "a",\n  "name": "A",\n  "modules": [\n    {"key": "m", "name": "M", "key": "n"}\n  ]\n}\n';
    expect(issuesOf(json).map(formatIssue)).toEqual(['course.yaml:5: modules[0].key: repeated field (first on line 5)']);
  });

  it('JSON: problems found after parsing still name their line', () => {
    const json = JSON.stringify({ key: 'a', name: 'A', modules: [{ key: 'm', name: 'M', videos: [{ file: 'x.mp4', sha256: 'nope' }] }] }, null, 2);
    expect(issuesOf(json).map(formatIssue)).toEqual(['course.yaml:11: modules[0].videos[0].sha256: must be 64 hexadecimal digits']);
    const m = parse(JSON.stringify({ key: 'a', name: 'A', modules: [{ key: 'm', name: 'M', videos: [{ file: 'x.mp4' }, { file: 'y.mp4' }] }] }, null, 2));
    const located = m.locate!([{ ...m.sessions[0]!.modules[0]!.videos[1]!.fileAt, message: 'no such file: y.mp4' }]);
    expect(located[0]!.line).toBe(13);
  });

  it('refuses a manifest over the size limit before parsing it', () => {
    const big = `key: a\nname: A\nmodules: []\n#${'x'.repeat(MANIFEST_MAX_BYTES)}`;
    expect(issuesOf(big)[0]!.message).toBe(`is 64.0 MiB; manifests are limited to 64 MiB`);
  });

  it('refuses absurdly deep nesting with one line instead of a crash', () => {
    for (const deep of ['['.repeat(200_000) + ']'.repeat(200_000), `key: a\nname: ${'['.repeat(200_000)}${']'.repeat(200_000)}\nmodules: []\n`]) {
      const issues = issuesOf(deep);
      expect(issues.length).toBeGreaterThan(0);
    }
  });

  it('uses an absolute file path as given', () => {
    const m = parse('key: a\nname: A\nmodules:\n  - key: m\n    name: M\n    videos:\n      - file: /media/store/x.mp4\n');
    expect(m.sessions[0]!.modules[0]!.videos[0]!.absolutePath).toBe(path.resolve('/media/store/x.mp4'));
  });
});

describe('serializeManifest', () => {
  it('round-trips through YAML and JSON, keeping numeric-looking keys as text', () => {
    const doc = toDocument(parse(good.replace('key: sql-101', 'key: "007"')));
    for (const format of ['yaml', 'json'] as const) {
      const text = serializeManifest(doc, format);
      expect(toDocument(parse(text))).toEqual(doc);
    }
    expect(serializeManifest(doc, 'yaml')).toContain('key: "007"');
  });

  it('omits a video key equal to its file name', () => {
    const doc = toDocument(parse(good));
    expect(doc.sessions[0]!.modules[0]!.videos).toEqual([{ file: 'basics/select.mp4' }, { key: 'where', file: 'basics/where.mp4' }]);
  });

  it('picks JSON for .json files and YAML otherwise', () => {
    expect(formatFor('out.JSON')).toBe('json');
    expect(formatFor('out.yml')).toBe('yaml');
    expect(formatFor(undefined)).toBe('yaml');
  });
});
