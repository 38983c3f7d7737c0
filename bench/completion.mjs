#!/usr/bin/env node
// What a <TAB> costs once `session __complete` has answered before: medians of N runs (default 20)
// of `session __complete sessions` reading a fresh answer from the cache, next to `node -e 0`,
// `session --version` and `session --help` (the same bundle loaded, nothing asked). The cache entry is the one the CLI itself writes after asking the
// project (same key, same place), seeded here so no backend is needed.
//   node bench/completion.mjs [--runs 20]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--runs');
const runs = i > 0 ? Number(process.argv[i + 1]) : 20;
if (!existsSync(join(root, 'dist', 'cli.js'))) {
  console.error('dist/cli.js is missing: run `npm run build` first');
  process.exit(1);
}
const bin = join(root, 'bin', 'session.js');
const home = mkdtempSync(join(tmpdir(), 'session-bench-complete-'));
process.on('exit', () => rmSync(home, { recursive: true, force: true }));
const env = { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, 'cache'), SUPABASE_URL: 'http://127.0.0.1:9', SUPABASE_ANON_KEY: 'x' };

// The key src/commands/complete-values.ts derives (kind, arg, profile, env, folder).
const key = JSON.stringify(['sessions', '', '', '', env.SUPABASE_URL, '', '', home, home]);
const dir = join(env.XDG_CACHE_HOME, 'session', 'complete');
mkdirSync(dir, { recursive: true });
const lines = Array.from({ length: 200 }, (_, n) => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000\tSession ${n}`).join('\n');
const file = join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.tsv`);

const cases = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'session --version', argv: [bin, '--version'] },
  { name: 'session --help', argv: [bin, '--help'] },
  { name: 'session __complete sessions (cached, 200 sessions)', argv: [bin, '__complete', 'sessions'], check: (out) => out.includes('Session 199') },
];
const times = cases.map(() => []);
for (let r = 0; r < runs + 2; r++) {
  cases.forEach((c, k) => {
    writeFileSync(file, `${lines}\n`, { mode: 0o600 });
    const t = process.hrtime.bigint();
    const res = spawnSync(process.execPath, c.argv, { env, cwd: home, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (res.status !== 0 || (c.check && !c.check(res.stdout))) throw new Error(`${c.name}: exit ${res.status}, ${res.stdout.slice(0, 80)} ${res.stderr}`);
    if (r >= 2) times[k].push(ms);
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${cpus().length} CPUs, Node ${process.version}, ${runs} runs each`);
cases.forEach((c, k) => console.log(`${c.name.padEnd(52)} ${median(times[k]).toFixed(1)} ms`));
