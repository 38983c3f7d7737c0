#!/usr/bin/env node
// `session gc --yes` with the built CLI against the local backend, on uploads abandoned two days ago:
// each run gives a fresh user --rows `uploading` rows, each with a tus upload the server holds and an
// entry in the machine's resume store, so gc removes --rows rows (one `remove_video` request each) and
// ends --rows uploads (one tus DELETE each). A run of `gc --yes` on a user with nothing to clean
// (start-up and the plan's reads alone) is timed beside it.
//
//   npm run build && node bench/gc.mjs [--rows 40] [--runs 3] [--cli label=path/to/bin/session.js ...]
//
// Several --cli compare builds (e.g. a copy of an older dist): runs alternate between them, so each
// sees the same machine load. Prints the load average and the median wall time of each.
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startServer } from './lib/server.mjs';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '40' },
    runs: { type: 'string', default: '3' },
    latency: { type: 'string', default: '0' },
    cli: { type: 'string', multiple: true },
  },
});
const rows = Number(args.rows);
const runs = Number(args.runs);
const latency = Number(args.latency);
const clis = (args.cli ?? [`current=${join(repoRoot, 'bin', 'session.js')}`]).map((spec) => {
  const at = spec.indexOf('=');
  return { label: spec.slice(0, at), bin: spec.slice(at + 1) };
});
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runGc(bin, url, anonKey, accessToken, home) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, 'gc', '--yes', '--json'], {
      env: {
        PATH: process.env.PATH,
        SUPABASE_URL: url,
        SUPABASE_ANON_KEY: anonKey,
        SESSION_ACCESS_TOKEN: accessToken,
        XDG_CONFIG_HOME: join(home, 'config'),
        XDG_STATE_HOME: join(home, 'state'),
        NO_COLOR: '1',
        CI: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`gc exited ${code}: ${stderr}`));
      else resolveRun({ ms, result: JSON.parse(stdout || '{}') });
    });
  });
}

/** A resume store holding `uploads`, each begun two days ago on this machine. */
async function resumeStore(home, url, uploads) {
  const created = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const entries = Object.fromEntries(
    uploads.map((u, i) => [
      `tus::v1|${url}|${u.videoId}|/bench/clip-${i}.mp4|1000|0::${i.toString(16).padStart(12, '0')}`,
      { size: 1000, metadata: {}, creationTime: created, uploadUrl: u.uploadUrl, parallelUploadUrls: null },
    ]),
  );
  await mkdir(join(home, 'state', 'session'), { recursive: true });
  await writeFile(join(home, 'state', 'session', 'uploads.json'), `${JSON.stringify({ version: 1, uploads: entries }, null, 2)}\n`);
}

/** Forwards every request to `target` after `delayMs`; rewrites tus Locations to itself. */
async function startDelayingProxy(target, delayMs) {
  let proxyUrl = '';
  const server = createServer((req, res) => {
    setTimeout(() => {
      const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (up) => {
        const headers = { ...up.headers };
        if (headers.location) headers.location = headers.location.replace(target, proxyUrl);
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      });
      upstream.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      req.pipe(upstream);
    }, delayMs);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${server.address().port}`;
  return { url: proxyUrl, close: () => new Promise((r) => server.close(r)) };
}

const workDir = await mkdtemp(join(tmpdir(), 'bench-gc-'));
const server = await startServer('gc', workDir);
const { anonKey } = server.info;
const proxy = latency > 0 ? await startDelayingProxy(server.info.url, latency) : null;
const url = proxy?.url ?? server.info.url;
const times = new Map(clis.map((c) => [c.label, { clean: [], idle: [] }]));
const loadBefore = load();
try {
  for (let run = 0; run < runs; run++) {
    for (const cli of run % 2 === 0 ? clis : [...clis].reverse()) {
      const user = await server.request(`abandoned ${rows}`);
      const home = join(workDir, `home-${cli.label}-${run}`);
      const uploads = user.uploads.map((u) => ({ ...u, uploadUrl: u.uploadUrl.replace(server.info.url, url) }));
      await resumeStore(home, url, uploads);
      const cleaned = await runGc(cli.bin, url, anonKey, user.accessToken, home);
      if (cleaned.result.stale_uploads_removed !== rows || cleaned.result.uploads_ended !== rows) {
        throw new Error(`${cli.label}: expected ${rows} rows removed and uploads ended, got ${JSON.stringify(cleaned.result)}`);
      }
      // The same user again: nothing left, so start-up and the plan's reads alone.
      const idle = await runGc(cli.bin, url, anonKey, user.accessToken, home);
      if (idle.result.stale_uploads_removed !== 0) throw new Error(`${cli.label}: a second gc still found rows`);
      times.get(cli.label).clean.push(cleaned.ms);
      times.get(cli.label).idle.push(idle.ms);
      console.log(`run ${run + 1} ${cli.label}: ${Math.round(cleaned.ms)} ms (${rows} rows, ${rows} uploads), nothing to clean ${Math.round(idle.ms)} ms`);
    }
  }
} finally {
  await proxy?.close();
  await server.stop();
  await rm(workDir, { recursive: true, force: true });
}

console.log(`\nload average before: ${loadBefore}, after: ${load()}; ${rows} abandoned uploads, ${latency} ms added per request, median of ${runs}`);
console.log('| build | gc --yes (ms) | nothing to clean (ms) | difference (ms) |');
console.log('|---|---:|---:|---:|');
for (const [label, t] of times) {
  const clean = median(t.clean);
  const idle = median(t.idle);
  console.log(`| ${label} | ${Math.round(clean)} | ${Math.round(idle)} | ${Math.round(clean - idle)} |`);
}
