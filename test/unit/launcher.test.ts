import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

// A copy of the package with no dist/: --version must not need the built CLI.
const repo = path.resolve(import.meta.dirname, '../..');
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

describe('bin/session.js', () => {
  it('answers --version (and -V) itself, without loading dist', async () => {
    const { version } = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const res = await execa('node', [path.join(dir, 'bin/session.js'), flag]);
      expect(res.stdout).toBe(`session ${version}`);
      expect(res.exitCode).toBe(0);
    }
  });

  it('says how to build when anything else needs dist', async () => {
    const res = await execa('node', [path.join(dir, 'bin/session.js'), 'ls'], { reject: false });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/not built/);
    expect(res.stderr).toMatch(/npm run build/);
  });
});
