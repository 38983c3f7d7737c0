#!/usr/bin/env node
// Proves the test command's exit status carries failures: runs vitest, with the suite's own
// config and global setup (the embedded PostgreSQL), on fixtures kept outside the test glob.
// A failing test, a failing hook and an unhandled error must each exit non-zero; the passing
// control must exit 0. Exits 1 when any of them does not, so CI cannot land on a false green.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const cases = [
  ['passing', 0],
  ['failing-test', 1],
  ['failing-hook', 1],
  ['unhandled-error', 1],
];

let bad = 0;
for (const [fixture, expected] of cases) {
  const started = Date.now();
  const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'test/fixtures/exit-status/vitest.config.ts'], {
    cwd: root,
    env: { ...process.env, EXIT_STATUS_FIXTURE: fixture },
    encoding: 'utf8',
  });
  const status = run.status ?? 128;
  const ok = expected === 0 ? status === 0 : status !== 0;
  const ms = Date.now() - started;
  console.log(`${ok ? '✓' : '✗'} ${fixture}: vitest exited ${status} (want ${expected === 0 ? '0' : 'non-zero'}) in ${ms} ms`);
  if (!ok) {
    bad++;
    process.stdout.write(run.stdout.slice(-2000));
    process.stderr.write(run.stderr.slice(-2000));
  }
}
if (bad > 0) {
  console.error(`test signal broken: ${bad} fixture(s) gave the wrong exit status; a red test would not fail CI`);
  process.exit(1);
}
console.log('test signal: failures reach the exit status');
