// The live upload rows on a real pseudo-terminal, driven step by step: at 120 columns, then after
// the terminal shrinks to 50 and grows back. The emulated screen must show one total line and
// no row the terminal had to wrap, with the speed and ETA still on every file's row.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { runInPty, type PtyRun } from '../support/pty.js';

let dir = '';
let driver = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'progress-resize-'));
  driver = join(dir, 'driver.mjs');
  await build({
    entryPoints: [resolve(import.meta.dirname, '../fixtures/terminal/progress-driver.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: driver,
    logLevel: 'silent',
  });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function tick(run: PtyRun): Promise<void> {
  const bells = run.raw.split('\u0007').length;
  run.write('t');
  await run.waitUntil(() => run.raw.split('\u0007').length > bells, 'a frame', 15_000);
}

function liveArea(run: PtyRun): string[] {
  const screen = run.screen().filter((l) => l.trim());
  const at = screen.findLastIndex((l) => l.startsWith('Uploading'));
  return screen.slice(at);
}

describe('upload progress on a pseudo-terminal', () => {
  it('fits 120 columns, then 50 after a resize, then 120 again: one total line, nothing wrapped, ETA kept', { timeout: 60_000 }, async () => {
    const run = runInPty('node', [driver], { cols: 120, rows: 20, env: { PATH: process.env.PATH, HOME: dir, NODE_PATH: resolve(import.meta.dirname, '../../node_modules') }, cwd: resolve(import.meta.dirname, '../..') });
    try {
      await tick(run);
      await tick(run);
      const wide = liveArea(run);
      expect(wide).toHaveLength(3);
      expect(wide[1]).toContain('lecture-01-a-rather-long-file-name-about-joins-and-indexes.mp4');
      expect(wide[1]).toMatch(/█+░+/);

      run.resize(50);
      await tick(run);
      const narrow = liveArea(run);
      expect(run.wrapped(), run.screen().join('\n')).toEqual([]);
      expect(run.screen().filter((l) => l.startsWith('Uploading')), run.screen().join('\n')).toHaveLength(1);
      expect(narrow).toHaveLength(3);
      for (const row of narrow.slice(1)) {
        expect(row.length).toBeLessThanOrEqual(50);
        expect(row).toMatch(/ETA \d+:\d\d$/);
        expect(row).toMatch(/MiB\/s/);
      }
      expect(narrow[1]).toMatch(/lecture-01.*…/);

      run.resize(120);
      await tick(run);
      expect(run.screen().filter((l) => l.startsWith('Uploading'))).toHaveLength(1);
      expect(liveArea(run)[1]).toContain('lecture-01-a-rather-long-file-name-about-joins-and-indexes.mp4');
      run.write('e');
      expect((await run.exited).exitCode).toBe(0);
    } finally {
      run.kill('SIGKILL');
    }
  });

  for (const cols of [40, 60, 80, 200]) {
    it(`at ${cols} columns every row fits and keeps its ETA`, async () => {
      const run = runInPty('node', [driver], { cols, rows: 20, env: { PATH: process.env.PATH, HOME: dir }, cwd: dir });
      try {
        await tick(run);
        expect(run.wrapped(), run.screen().join('\n')).toEqual([]);
        const rows = liveArea(run);
        expect(rows).toHaveLength(3);
        for (const row of rows.slice(1)) expect(row).toMatch(/ETA \d+:\d\d$/);
        if (cols >= 60) for (const row of rows.slice(1)) expect(row).toMatch(/MiB\/s/);
        if (cols === 200) expect(rows[1]).toContain('lecture-01-a-rather-long-file-name-about-joins-and-indexes.mp4');
        run.write('e');
        expect((await run.exited).exitCode).toBe(0);
      } finally {
        run.kill('SIGKILL');
      }
    });
  }
});
