#!/usr/bin/env node
// `session import` of one session × 500 modules × 2 small videos into an empty account, then the same
// import again (unchanged); against a naive client that writes one row per request.
//
//   npm run build && node bench/import.mjs [--modules 500] [--videos 2] [--bytes 512] [--concurrency 3] [--reruns 5]
//
// The server (bench/import.server.ts: ephemeral PostgreSQL, migrations, the local backend) is bundled
// with esbuild and runs in its own process. The CLI (the built bin/session.js) and the naive client
// talk to it through a counting proxy in this process, so every HTTP request is counted and timed by
// phase: plan (reads), rows (the row writes), bytes (tus uploads and finish_video).
// Prints a table and writes bench/results/import.json.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@supabase/supabase-js';
import ws from 'ws';
import { repoRoot, startServer } from './lib/server.mjs';

const { values: args } = parseArgs({
  options: {
    modules: { type: 'string', default: '500' },
    videos: { type: 'string', default: '2' },
    bytes: { type: 'string', default: '512' },
    concurrency: { type: 'string', default: '3' },
    reruns: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const MODULES = Number(args.modules);
const VIDEOS = Number(args.videos);
const BYTES = Number(args.bytes);

if (!existsSync(join(repoRoot, 'dist/cli.js'))) {
  process.stderr.write('bench/import.mjs runs the built CLI: run `npm run build` first\n');
  process.exit(1);
}

// ------------------------------------------------------------------ the counting proxy

/** Forwards to `target`, recording each request's method, path and time; rewrites tus Locations. */
async function startProxy(target) {
  const log = [];
  const server = createServer((req, res) => {
    const entry = { method: req.method, path: new URL(req.url, 'http://x').pathname, start: performance.now(), end: 0, status: 0 };
    log.push(entry);
    const upstream = httpRequest(
      `${target}${req.url}`,
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (up) => {
        const headers = { ...up.headers };
        if (headers.location) headers.location = headers.location.replace(target, proxyUrl);
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
        up.on('end', () => {
          entry.end = performance.now();
          entry.status = up.statusCode;
        });
      },
    );
    upstream.on('error', (err) => {
      entry.end = performance.now();
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${server.address().port}`;
  return {
    url: proxyUrl,
    /** Entries logged from now on. */
    mark: () => {
      const from = log.length;
      return () => log.slice(from);
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

function phaseOf(entry) {
  if (entry.path.startsWith('/storage/v1/upload/resumable') || entry.path === '/rest/v1/rpc/finish_video') return 'bytes';
  if (entry.path === '/rest/v1/rpc/import_session') return 'rows';
  if (entry.method === 'GET' || /\/rpc\/(session_tree|upload_limits|resolve_id)$/.test(entry.path)) return 'plan';
  return entry.path.startsWith('/rest/v1/') ? 'rows' : 'other';
}

function phases(entries) {
  const out = {};
  for (const e of entries) {
    const p = (out[phaseOf(e)] ??= { requests: 0, first: Infinity, last: 0 });
    p.requests += 1;
    p.first = Math.min(p.first, e.start);
    p.last = Math.max(p.last, e.end);
  }
  for (const p of Object.values(out)) {
    p.ms = Math.round(p.last - p.first);
    delete p.first;
    delete p.last;
  }
  return out;
}

// ------------------------------------------------------------------ the course

function mp4(size) {
  // An ISO-BMFF ftyp box (what the upload checks sniff), then random bytes: every file has its own hash.
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypisom', 4, 'latin1');
  ftyp.writeUInt32BE(0x200, 12);
  ftyp.write('isomavc1', 16, 'latin1');
  return Buffer.concat([ftyp, randomBytes(Math.max(0, size - ftyp.length))]);
}

async function makeCourse(dir) {
  const width = String(MODULES).length;
  const hashes = [];
  for (let m = 1; m <= MODULES; m++) {
    const folder = join(dir, `${String(m).padStart(width, '0')}-module-${m}`);
    await mkdir(folder, { recursive: true });
    for (let v = 1; v <= VIDEOS; v++) {
      const bytes = mp4(BYTES);
      await writeFile(join(folder, `video-${v}.mp4`), bytes);
      hashes.push(createHash('sha256').update(bytes).digest('hex'));
    }
  }
  return hashes;
}

// ------------------------------------------------------------------ the runs

function runCli(proxyUrl, anonKey, user, workDir, cliArgs) {
  return new Promise((resolveRun) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(repoRoot, 'bin/session.js'), ...cliArgs], {
      env: {
        PATH: process.env.PATH,
        SUPABASE_URL: proxyUrl,
        SUPABASE_ANON_KEY: anonKey,
        SESSION_ACCESS_TOKEN: user.accessToken,
        XDG_CONFIG_HOME: join(workDir, 'config'),
        XDG_STATE_HOME: join(workDir, 'state'),
        NO_COLOR: '1',
        CI: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolveRun({ code, ms: Math.round(performance.now() - started), stdout, stderr }));
  });
}

/** What a client without import_session does: one request per row (a session, then add_module, then begin_video). */
async function naiveImport(proxyUrl, anonKey, user, hashes) {
  const client = createClient(proxyUrl, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: ws },
    global: { headers: { authorization: `Bearer ${user.accessToken}` } },
  });
  const started = performance.now();
  const session = await client.from('sessions').insert({ name: 'Naive', key: 'naive' }).select('id').single();
  if (session.error) throw new Error(session.error.message);
  let h = 0;
  for (let m = 1; m <= MODULES; m++) {
    const module = await client.rpc('add_module', { p_session_id: session.data.id, p_name: `module ${m}`, p_key: `m${m}` });
    if (module.error) throw new Error(module.error.message);
    for (let v = 1; v <= VIDEOS; v++) {
      const video = await client.rpc('begin_video', {
        p_module_id: module.data.id,
        p_file_name: `video-${v}.mp4`,
        p_file_size: BYTES,
        p_sha256: hashes[h++],
        p_mime_type: 'video/mp4',
      });
      if (video.error) throw new Error(video.error.message);
    }
  }
  return Math.round(performance.now() - started);
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'bench-import-'));
  const server = await startServer('import', work);
  const proxy = await startProxy(server.info.url);
  try {
    const course = join(work, 'bench-course');
    const hashes = await makeCourse(course);
    const rows = 1 + MODULES + MODULES * VIDEOS;
    process.stderr.write(`course: 1 session × ${MODULES} modules × ${VIDEOS} videos of ${BYTES} bytes (${rows} rows)\n`);

    const author = await server.request('user');
    let mark = proxy.mark();
    const first = await runCli(proxy.url, server.info.anonKey, author, work, ['import', course, '--json', '--concurrency', args.concurrency]);
    if (first.code !== 0) throw new Error(`first import failed (${first.code}):\n${first.stderr}`);
    const firstPhases = phases(mark());

    // The unchanged re-run, several times: the median is the figure, the slowest is shown too.
    const reruns = [];
    let againPlan;
    let againPhases;
    for (let i = 0; i < Number(args.reruns); i++) {
      mark = proxy.mark();
      const again = await runCli(proxy.url, server.info.anonKey, author, work, ['import', course, '--json']);
      if (again.code !== 0) throw new Error(`re-import failed (${again.code}):\n${again.stderr}`);
      againPlan = JSON.parse(again.stdout);
      againPhases = phases(mark());
      reruns.push(again.ms);
    }
    const sorted = [...reruns].sort((a, b) => a - b);
    const again = { code: 0, ms: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };

    const naiveUser = await server.request('user');
    mark = proxy.mark();
    const naiveMs = await naiveImport(proxy.url, server.info.anonKey, naiveUser, hashes);
    const naivePhases = phases(mark());

    const result = {
      date: new Date().toISOString(),
      node: process.version,
      machine: `${(await import('node:os')).cpus().length} CPUs, ${process.platform}/${process.arch}`,
      course: { sessions: 1, modules: MODULES, videos_per_module: VIDEOS, bytes_per_video: BYTES, rows },
      import: { exit: first.code, wall_ms: first.ms, phases: firstPhases },
      reimport_unchanged: {
        exit: again.code,
        runs: reruns.length,
        wall_ms: again.ms,
        wall_ms_max: again.max,
        phases: againPhases,
        planned_changes: againPlan.summary,
        bytes_sent: againPlan.uploads === null ? 0 : againPlan.uploads.reduce((n, f) => n + f.bytes_sent, 0),
      },
      naive_rows: { wall_ms: naiveMs, requests: naivePhases.rows?.requests ?? 0 },
    };
    await mkdir(join(repoRoot, 'bench/results'), { recursive: true });
    await writeFile(join(repoRoot, 'bench/results/import.json'), `${JSON.stringify(result, null, 2)}\n`);

    const line = (name, wall, reqs, note = '') => `${name.padEnd(34)} ${String(wall).padStart(8)} ms ${String(reqs).padStart(7)} req  ${note}`;
    const out = [
      line('import, row phase (import_session)', firstPhases.rows?.ms ?? 0, firstPhases.rows?.requests ?? 0),
      line('import, plan phase (reads)', firstPhases.plan?.ms ?? 0, firstPhases.plan?.requests ?? 0),
      line('import, bytes phase (tus + finish)', firstPhases.bytes?.ms ?? 0, firstPhases.bytes?.requests ?? 0),
      line('import, whole command', first.ms, Object.values(firstPhases).reduce((n, p) => n + p.requests, 0)),
      line(`re-import unchanged (median of ${reruns.length})`, again.ms, Object.values(againPhases).reduce((n, p) => n + p.requests, 0), `slowest ${again.max} ms; row requests: ${againPhases.rows?.requests ?? 0}, bytes sent: ${result.reimport_unchanged.bytes_sent}`),
      line('naive client, rows one per request', naiveMs, result.naive_rows.requests),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await proxy.close();
    await server.stop();
    if (!args.keep) await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
