#!/usr/bin/env node
// Start-up time of the built CLI against a bare `node -e 0`: medians of N runs (default 30) of
// `session --version`, `session --help` and `session video upload --help`, with the environment
// as it is and without NODE_EXTRA_CA_CERTS (on Node 20 it makes every process parse the CA
// bundle, ~30 ms).
// Cases run interleaved, so drift of the machine affects them alike. Besides wall time, each run
// reports its own CPU time (all threads, through a preloaded exit hook that costs every case the
// same), which stays meaningful when other work shares the machine.
// --explain lists what `--help` loads before it prints: the help bundle (dist/help.cjs, which
// bin/session.js runs for help-only invocations), by npm package or source folder, with its size,
// and whether this Node takes the bundle's code cache (dist/help.cjs.cache).
//   node bench/startup.mjs [--runs 30] [--json bench/results/startup.json] [--explain]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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

if (!existsSync(join(root, 'dist', 'cli.js')) || !existsSync(join(root, 'dist', 'help.cjs'))) {
  console.error('dist/ is missing or incomplete: run `npm run build` first');
  process.exit(1);
}

const bin = join(root, 'bin', 'session.js');
const commands = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'session --version', argv: [bin, '--version'] },
  { name: 'session --help', argv: [bin, '--help'] },
  { name: 'session video upload --help', argv: [bin, 'video', 'upload', '--help'] },
];
const withCa = { ...process.env };
const withoutCa = { ...process.env };
delete withoutCa.NODE_EXTRA_CA_CERTS;
const envs = [
  { name: process.env.NODE_EXTRA_CA_CERTS ? 'NODE_EXTRA_CA_CERTS set' : 'environment as is', env: withCa },
  { name: 'NODE_EXTRA_CA_CERTS unset', env: withoutCa },
];
if (!process.env.NODE_EXTRA_CA_CERTS) envs.pop();

const hookDir = mkdtempSync(join(tmpdir(), 'session-bench-'));
const cpuHook = join(hookDir, 'cpu-at-exit.cjs');
writeFileSync(cpuHook, "process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeSync(3, String((u.user + u.system) / 1000)); });\n");
process.on('exit', () => rmSync(hookDir, { recursive: true, force: true }));

function timeOnce(argv, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['-r', cpuHook, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], cwd: root });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, cpu: Number(result.output[3]?.toString() ?? 'NaN') };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const results = [];
for (const { name: envName, env } of envs) {
  const samples = commands.map(() => []);
  const cpu = commands.map(() => []);
  for (let i = 0; i < warmup + runs; i += 1) {
    commands.forEach((cmd, c) => {
      const run = timeOnce(cmd.argv, env);
      if (i >= warmup) {
        samples[c].push(run.ms);
        cpu[c].push(run.cpu);
      }
    });
  }
  const base = median(samples[0]);
  const baseCpu = median(cpu[0]);
  commands.forEach((cmd, c) => {
    const med = median(samples[c]);
    const medCpu = median(cpu[c]);
    results.push({
      env: envName,
      command: cmd.name,
      median_ms: +med.toFixed(1),
      over_node_ms: +(med - base).toFixed(1),
      ratio: +(med / base).toFixed(3),
      min_ms: +Math.min(...samples[c]).toFixed(1),
      cpu_median_ms: +medCpu.toFixed(1),
      cpu_over_node_ms: +(medCpu - baseCpu).toFixed(1),
      cpu_ratio: +(medCpu / baseCpu).toFixed(3),
    });
  });
}

const machine = `${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${process.platform}`;
const load = loadavg().map((n) => n.toFixed(1)).join(' ');
console.log(`Start-up, median of ${runs} runs after ${warmup} warm-up (${machine}; load average ${load})\n`);
const signed = (n) => `${n >= 0 ? '+' : ''}${n}`;
console.log('| environment | command | wall median (ms) | over `node -e 0` | ÷ `node -e 0` | fastest run (ms) | CPU median (ms) | over `node -e 0` | ÷ `node -e 0` |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  const base = r.command === 'node -e 0';
  const dash = (text) => (base ? '–' : text);
  console.log(
    `| ${r.env} | \`${r.command}\` | ${r.median_ms} | ${dash(signed(r.over_node_ms))} | ${dash(r.ratio.toFixed(2))} | ${r.min_ms} | ${r.cpu_median_ms} | ${dash(signed(r.cpu_over_node_ms))} | ${dash(r.cpu_ratio.toFixed(2))} |`,
  );
}

if (args.includes('--explain')) explain();

if (jsonOut) {
  mkdirSync(dirname(join(root, jsonOut)), { recursive: true });
  writeFileSync(join(root, jsonOut), `${JSON.stringify({ date: new Date().toISOString(), machine, load, runs, warmup, results }, null, 2)}\n`);
}

/** What the help path parses: dist/help.cjs, by origin, and whether its code cache is taken. */
function explain() {
  const file = join(root, 'dist', 'help.cjs');
  const text = readFileSync(file, 'utf8');
  const bytes = new Map();
  // esbuild marks each bundled input with a `// <path>` line; attribute the text up to the next one.
  const marks = [...text.matchAll(/^\/\/ ((?:node_modules|src)\/\S+)$/gm)];
  marks.forEach((m, i) => {
    const end = i + 1 < marks.length ? marks[i + 1].index : text.length;
    const origin = m[1].startsWith('node_modules/')
      ? m[1].replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1')
      : m[1].replace(/^(src\/[^/]+(?:\/[^/.]+)?).*$/, '$1');
    bytes.set(origin, (bytes.get(origin) ?? 0) + (end - m.index));
  });
  const builtins = [...new Set([...text.matchAll(/require\("(node:[^"]+)"\)/g)].map((m) => m[1]))].sort();
  const cache = join(root, 'dist', 'help.cjs.cache');
  // The launcher's own loader, in a process of its own (flags as a plain `session --help` has them).
  const probe = spawnSync(
    process.execPath,
    ['-e', `const { loadHelpBundle } = require(${JSON.stringify(bin)}); process.stdout.write(loadHelpBundle({ cache: true }).cache)`],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const verdict =
    { taken: 'taken', rejected: 'REJECTED by V8 (made by another Node version or with other flags: run `npm run build`)', none: 'NOT USED (from another build)' }[probe.stdout] ??
    `not read: ${probe.stderr}`;
  console.log(`\n\`--help\` parses 1 file before printing, dist/help.cjs (${(text.length / 1024).toFixed(1)} KB); bundled inputs by origin (KB):`);
  for (const [origin, n] of [...bytes].sort((a, b) => b[1] - a[1])) console.log(`  ${(n / 1024).toFixed(1).padStart(7)}  ${origin}`);
  console.log(`  code cache: dist/help.cjs.cache, ${existsSync(cache) ? `${(readFileSync(cache).length / 1024).toFixed(1)} KB, ${verdict}` : 'missing'}`);
  console.log(`  builtins it requires: ${builtins.join(' ')}`);
}
