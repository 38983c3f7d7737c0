#!/usr/bin/env node
// Start-up time of the built CLI against a bare `node -e 0`: medians of N runs (default 30) of
// `session --version` and `session --help`, with the environment as it is and without
// NODE_EXTRA_CA_CERTS (on Node 20 it makes every process parse the CA bundle, ~30 ms).
// Cases run interleaved, so drift of the machine affects them alike.
//   node bench/startup.mjs [--runs 30] [--json bench/results/startup.json]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const runs = Number(flag('--runs', '30'));
const jsonOut = flag('--json', null);
const warmup = 3;

if (!existsSync(join(root, 'dist', 'cli.js'))) {
  console.error('dist/cli.js is missing: run `npm run build` first');
  process.exit(1);
}

const bin = join(root, 'bin', 'session.js');
const commands = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'session --version', argv: [bin, '--version'] },
  { name: 'session --help', argv: [bin, '--help'] },
];
const withCa = { ...process.env };
const withoutCa = { ...process.env };
delete withoutCa.NODE_EXTRA_CA_CERTS;
const envs = [
  { name: process.env.NODE_EXTRA_CA_CERTS ? 'NODE_EXTRA_CA_CERTS set' : 'environment as is', env: withCa },
  { name: 'NODE_EXTRA_CA_CERTS unset', env: withoutCa },
];
if (!process.env.NODE_EXTRA_CA_CERTS) envs.pop();

function timeOnce(argv, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const results = [];
for (const { name: envName, env } of envs) {
  const samples = commands.map(() => []);
  for (let i = 0; i < warmup + runs; i += 1) {
    commands.forEach((cmd, c) => {
      const ms = timeOnce(cmd.argv, env);
      if (i >= warmup) samples[c].push(ms);
    });
  }
  const base = median(samples[0]);
  commands.forEach((cmd, c) => {
    const med = median(samples[c]);
    results.push({ env: envName, command: cmd.name, median_ms: +med.toFixed(1), over_node_ms: +(med - base).toFixed(1), min_ms: +Math.min(...samples[c]).toFixed(1) });
  });
}

const machine = `${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${process.platform}`;
console.log(`Start-up, median of ${runs} runs after ${warmup} warm-up (${machine})\n`);
console.log('| environment | command | median (ms) | over `node -e 0` (ms) |');
console.log('|---|---|---:|---:|');
for (const r of results) console.log(`| ${r.env} | \`${r.command}\` | ${r.median_ms} | ${r.command === 'node -e 0' ? '–' : `+${r.over_node_ms}`} |`);

if (jsonOut) {
  mkdirSync(dirname(join(root, jsonOut)), { recursive: true });
  writeFileSync(join(root, jsonOut), `${JSON.stringify({ date: new Date().toISOString(), machine, runs, warmup, results }, null, 2)}\n`);
}
