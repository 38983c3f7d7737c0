import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

// A copy of the package with no dist/: --version must not need the built CLI.
const repo = path.resolve(import.meta.dirname, '../..');
const { asksForHelp } = createRequire(import.meta.url)('../../bin/session.js') as { asksForHelp: (args: string[]) => boolean };
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'launcher-'));
  await mkdir(path.join(dir, 'bin'));
  await copyFile(path.join(repo, 'bin/session.js'), path.join(dir, 'bin/session.js'));
  await copyFile(path.join(repo, 'bin/package.json'), path.join(dir, 'bin/package.json'));
  await copyFile(path.join(repo, 'package.json'), path.join(dir, 'package.json'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A plain `node`, as a user's shell starts it: no V8 flags from the test runner. */
const env = { ...process.env, NODE_OPTIONS: '' };

describe('bin/session.js', () => {
  it('answers --version (and -V) itself, without loading dist', async () => {
    const { version } = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const res = await execa('node', [path.join(dir, 'bin/session.js'), flag]);
      expect(res.stdout).toBe(`session ${version}`);
      expect(res.exitCode).toBe(0);
    }
  });

  it('says how to build when anything else needs dist, help included', async () => {
    for (const args of [['ls'], ['--help'], ['help', 'video'], []]) {
      const res = await execa('node', [path.join(dir, 'bin/session.js'), ...args], { reject: false });
      expect(res.exitCode, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(/not built/);
      expect(res.stderr).toMatch(/npm run build/);
    }
  });

  it('sends to the help path only invocations that ask for help', () => {
    for (const args of [[], ['--help'], ['-h'], ['help'], ['help', 'video', 'upload'], ['video', 'upload', '--help'], ['create', '--type', '--help'], ['--json', 'ls', '-h']]) {
      expect(asksForHelp(args), args.join(' ')).toBe(true);
    }
    for (const args of [['ls'], ['--version'], ['create', '--', '--help'], ['video', 'upload', 'm', '--', '-h'], ['--json', 'help'], ['completion', 'bash']]) {
      expect(asksForHelp(args), args.join(' ')).toBe(false);
    }
  });
});

// The built help bundle (the run's global setup builds dist/) and its code cache.
describe('the help bundle', () => {
  const launcher = path.join(repo, 'bin/session.js');

  it('takes the code cache `npm run build` made, on the Node that made it', async () => {
    const probe = `const { loadHelpBundle } = require(${JSON.stringify(launcher)}); process.stdout.write(loadHelpBundle({ cache: true }).cache);`;
    const res = await execa('node', ['-e', probe], { env });
    expect(res.stdout).toBe('taken');
  });

  it('prints the same help without a code cache, with one V8 rejects and with one from another build', async () => {
    const expected = await execa('node', [launcher, 'video', 'upload', '--help'], { env });
    expect(expected.stdout).toMatch(/^Upload video files into a module/);
    const copy = await mkdtemp(path.join(tmpdir(), 'launcher-cache-'));
    try {
      await mkdir(path.join(copy, 'bin'));
      await mkdir(path.join(copy, 'dist'));
      for (const file of ['bin/session.js', 'bin/package.json', 'package.json', 'dist/help.cjs']) await copyFile(path.join(repo, file), path.join(copy, file));
      const run = () => execa('node', [path.join(copy, 'bin/session.js'), 'video', 'upload', '--help'], { env, reject: false });
      const without = await run();
      expect({ out: without.stdout, err: without.stderr, code: without.exitCode }).toEqual({ out: expected.stdout, err: '', code: 0 });
      const cache = await readFile(path.join(repo, 'dist/help.cjs.cache'));
      const source = await readFile(path.join(repo, 'dist/help.cjs'), 'utf8');
      const probe = `const { loadHelpBundle } = require(${JSON.stringify(path.join(copy, 'bin/session.js'))}); process.stdout.write(loadHelpBundle({ cache: true }).cache);`;
      const cases: Array<[string, string | Buffer, Buffer, string]> = [
        // The cache does not depend on where the package is installed.
        ['as built, in another folder', source, cache, 'taken'],
        // V8 checks the length of what it is given.
        ['truncated', source, cache.subarray(0, cache.length - 1000), 'rejected'],
        // V8 checks the source's length only: another build's cache never reaches it.
        ['from another build', source.replace(/^(\/\/ session help bundle )\w+/, '$1ffffffffffffffff'), cache, 'none'],
        // The same stamp on a changed bundle (edited by hand): V8 sees another length.
        ['for a longer source', `${source}\n// changed\n`, cache, 'rejected'],
      ];
      for (const [what, bundle, data, verdict] of cases) {
        await writeFile(path.join(copy, 'dist/help.cjs'), bundle);
        await writeFile(path.join(copy, 'dist/help.cjs.cache'), data);
        const res = await run();
        expect({ what, out: res.stdout, err: res.stderr, code: res.exitCode }).toEqual({ what, out: expected.stdout, err: '', code: 0 });
        expect((await execa('node', ['-e', probe], { env })).stdout, what).toBe(verdict);
      }
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
