#!/usr/bin/env node
// `session import` at scale, with the built CLI against the local backend. Two modes:
//
//   plan   one session of 10,000 modules × 10 videos (100,000 rows) in a JSON manifest that names ten
//          distinct small files; the hashes are cached by a first run, then `--dry-run` is timed with
//          its peak RSS (target: under 3 s and 500 MiB).
//   apply  one session of 1,000 modules × 10 distinct small files (10,000 videos) imported into an
//          empty account (rows in one request, uploads at --concurrency), then the same import again,
//          unchanged (target: under 3 s); beside two clients without import_session: one request per
//          row, and a realistic bulk client (one insert per table).
//
//   npm run build && node bench/import.mjs [--mode plan|apply|all] [--modules N] [--videos N] [--bytes 1024]
//                                          [--concurrency 3] [--reruns 3] [--statement-timeout 8s]
//
// The server (bench/import.server.ts: ephemeral PostgreSQL, migrations, the local backend) is bundled
// with esbuild and runs in its own process. The CLI (the built bin/session.js) and the naive clients
// talk to it through a counting proxy in this process, so every HTTP request is counted and timed by
// phase: plan (reads), rows (the row writes), bytes (tus uploads and finish_video).
// Prints the load average and a table, and writes bench/results/import.json.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@supabase/supabase-js';
import ws from 'ws';
import { repoRoot, startServer } from './lib/server.mjs';
import { playableMp4 } from './lib/video.mjs';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'all' },
    modules: { type: 'string' },
    videos: { type: 'string', default: '10' },
    bytes: { type: 'string', default: '1024' },
    concurrency: { type: 'string', default: '3' },
    reruns: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    // Supabase gives `authenticated` 8 s per statement; a machine shared by many jobs may need more.
    'statement-timeout': { type: 'string', default: '8s' },
  },
});
const MODES = args.mode === 'all' ? ['plan', 'apply'] : [args.mode];
const PLAN_MODULES = Number(args.modules ?? 10_000);
const MODULES = Number(args.modules ?? 1_000);
const VIDEOS = Number(args.videos);
const BYTES = Number(args.bytes);
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

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
  // Playable (the import reads each container): tiny.mp4 grown by random bytes, so every file has its own hash.
  return playableMp4(size);
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

/** Runs the built CLI; with `rssFile`, the child reports its peak RSS (KiB) through a preloaded exit hook. */
function runCli(proxyUrl, anonKey, user, workDir, cliArgs) {
  return new Promise((resolveRun) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(workDir, 'rss-hook.mjs')).href, join(workDir, 'cli', 'bin', 'session.js'), ...cliArgs], {
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
    const out = [];
    let stderr = '';
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      const ms = Math.round(performance.now() - started);
      const rss = /bench-max-rss-kib (\d+)/.exec(stderr);
      resolveRun({ code, ms, stdout: Buffer.concat(out).toString('utf8'), stderr, rssMiB: rss ? Math.round(Number(rss[1]) / 1024) : null });
    });
  });
}

function clientFor(proxyUrl, anonKey, user) {
  return createClient(proxyUrl, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: ws },
    global: { headers: { authorization: `Bearer ${user.accessToken}` } },
  });
}

/** A client without import_session, one request per row (a session, then add_module, then begin_video), for the first `modules` modules. */
async function perRowImport(proxyUrl, anonKey, user, hashes, modules) {
  const client = clientFor(proxyUrl, anonKey, user);
  const started = performance.now();
  const session = await client.from('sessions').insert({ name: 'Per row', key: 'per-row' }).select('id').single();
  if (session.error) throw new Error(session.error.message);
  let h = 0;
  for (let m = 1; m <= modules; m++) {
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

/**
 * A realistic bulk client without import_session: one insert per table (videos in batches of 1,000;
 * ids made on the client so videos can name their object paths), as a script using supabase-js
 * would write it. Not atomic: a failure between the inserts leaves part of the tree.
 */
async function bulkImport(proxyUrl, anonKey, user, hashes) {
  const client = clientFor(proxyUrl, anonKey, user);
  const started = performance.now();
  const sessionId = randomUUID();
  const session = await client.from('sessions').insert({ id: sessionId, name: 'Bulk', key: 'bulk' });
  if (session.error) throw new Error(session.error.message);
  const modules = [];
  const videos = [];
  let h = 0;
  for (let m = 1; m <= MODULES; m++) {
    const moduleId = randomUUID();
    modules.push({ id: moduleId, session_id: sessionId, name: `module ${m}`, key: `m${m}`, order_index: m - 1 });
    for (let v = 1; v <= VIDEOS; v++) {
      const id = randomUUID();
      videos.push({
        id,
        module_id: moduleId,
        key: `video-${v}.mp4`,
        file_name: `video-${v}.mp4`,
        file_size: BYTES,
        mime_type: 'video/mp4',
        sha256: hashes[h++],
        order_index: v - 1,
        file_url: `${user.id}/${sessionId}/${moduleId}/${id}/video-${v}.mp4`,
      });
    }
  }
  const m = await client.from('modules').insert(modules);
  if (m.error) throw new Error(`modules insert: ${m.error.message} ${String(m.error.details ?? "").split("\n")[0]}`);
  // Videos in batches of 1,000 rows (one request of 10,000 was dropped by the local backend; 1,000
  // is the batch size supabase-js users commonly pick, matching PostgREST's default max-rows).
  for (let from = 0; from < videos.length; from += 1_000) {
    const v = await client.from('videos').insert(videos.slice(from, from + 1_000));
    if (v.error) throw new Error(`videos insert: ${v.error.message} ${String(v.error.details ?? '').split('\n')[0]}`);
  }
  return Math.round(performance.now() - started);
}


/** Ten distinct small files, listed over and over by a JSON manifest of `modules` × VIDEOS videos. */
async function makePlanManifest(dir, modules) {
  await mkdir(join(dir, 'files'), { recursive: true });
  for (let v = 1; v <= VIDEOS; v++) await writeFile(join(dir, 'files', `v${v}.mp4`), mp4(BYTES));
  const doc = {
    version: 1,
    sessions: [
      {
        key: 'catalogue',
        name: 'Catalogue',
        modules: Array.from({ length: modules }, (_, m) => ({
          key: `m${m + 1}`,
          name: `Module ${m + 1}`,
          videos: Array.from({ length: VIDEOS }, (_, v) => ({ key: `v${v + 1}.mp4`, file: `files/v${v + 1}.mp4` })),
        })),
      },
    ],
  };
  const file = join(dir, 'catalogue.json');
  await writeFile(file, JSON.stringify(doc, null, 2));
  return file;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const requests = (phases) => Object.values(phases).reduce((n, p) => n + p.requests, 0);

async function planMode(ctx) {
  const { server, proxy, work } = ctx;
  const dir = join(work, 'plan');
  const manifest = await makePlanManifest(dir, PLAN_MODULES);
  const rows = 1 + PLAN_MODULES + PLAN_MODULES * VIDEOS;
  process.stderr.write(`plan: 1 session × ${PLAN_MODULES} modules × ${VIDEOS} videos (${rows} rows), ${VIDEOS} distinct files, load ${load()}\n`);
  const author = await server.request('user');
  // The first run hashes the ten files; the timed runs find them in the hash cache.
  const warm = await runCli(proxy.url, server.info.anonKey, author, work, ['import', manifest, '--dry-run']);
  if (warm.code !== 0) throw new Error(`dry run failed (${warm.code}):\n${warm.stderr}`);
  const runs = [];
  for (let i = 0; i < Number(args.reruns); i++) {
    const mark = proxy.mark();
    const run = await runCli(proxy.url, server.info.anonKey, author, work, ['import', manifest, '--dry-run']);
    if (run.code !== 0) throw new Error(`dry run failed (${run.code}):\n${run.stderr}`);
    runs.push({ ms: run.ms, rssMiB: run.rssMiB, requests: requests(phases(mark())), planLine: run.stderr.split('\n').find((l) => l.startsWith('Plan:')) });
  }
  return {
    rows,
    dry_run_ms: median(runs.map((r) => r.ms)),
    dry_run_ms_max: Math.max(...runs.map((r) => r.ms)),
    peak_rss_mib: Math.max(...runs.map((r) => r.rssMiB ?? 0)),
    requests: runs[0].requests,
    plan: runs[0].planLine,
    runs: runs.length,
  };
}

async function applyMode(ctx) {
  const { server, proxy, work } = ctx;
  const course = join(work, 'bench-course');
  const hashes = await makeCourse(course);
  const rows = 1 + MODULES + MODULES * VIDEOS;
  process.stderr.write(`apply: 1 session × ${MODULES} modules × ${VIDEOS} videos of ${BYTES} bytes (${rows} rows), load ${load()}\n`);

  const author = await server.request('user');
  let mark = proxy.mark();
  const first = await runCli(proxy.url, server.info.anonKey, author, work, ['import', course, '--json', '--concurrency', args.concurrency]);
  if (first.code !== 0) throw new Error(`first import failed (${first.code}):\n${first.stderr}`);
  const firstPhases = phases(mark());
  process.stderr.write(`  first import done in ${first.ms} ms, load ${load()}\n`);

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

  process.stderr.write(`  import: ${first.ms} ms, rows ${firstPhases.rows?.ms ?? 0} ms in ${firstPhases.rows?.requests ?? 0} requests; unchanged re-run median ${median(reruns)} ms; load ${load()}\n`);

  // A baseline that fails is recorded with its time and reason, not allowed to lose the figures above.
  const timed = async (fn) => {
    const started = performance.now();
    try {
      return { wall_ms: await fn(), error: null };
    } catch (err) {
      const cause = err.cause ? ` (${err.cause.code ?? ''} ${err.cause.message ?? err.cause})` : '';
      return { wall_ms: Math.round(performance.now() - started), error: `${String(err.message ?? err)}${cause}` };
    }
  };
  // One request per row is slow enough to measure on a slice: the first 10% of the modules, scaled up.
  const sliceModules = Math.max(1, Math.ceil(MODULES / 10));
  mark = proxy.mark();
  const perRowUser = await server.request('user');
  const perRow = await timed(() => perRowImport(proxy.url, server.info.anonKey, perRowUser, hashes, sliceModules));
  const perRowMs = perRow.wall_ms;
  const perRowRequests = phases(mark()).rows?.requests ?? 0;
  process.stderr.write(`  per-row client: ${perRowMs} ms, ${perRowRequests} requests${perRow.error ? `, failed: ${perRow.error}` : ''}\n`);
  mark = proxy.mark();
  const bulkUser = await server.request('user');
  const bulk = await timed(() => bulkImport(proxy.url, server.info.anonKey, bulkUser, hashes));
  const bulkMs = bulk.wall_ms;
  const bulkRequests = phases(mark()).rows?.requests ?? 0;
  process.stderr.write(`  bulk client: ${bulkMs} ms, ${bulkRequests} requests${bulk.error ? `, failed: ${bulk.error}` : ''}\n`);

  return {
    rows,
    import: { exit: first.code, wall_ms: first.ms, phases: firstPhases },
    reimport_unchanged: {
      runs: reruns.length,
      wall_ms: median(reruns),
      wall_ms_max: Math.max(...reruns),
      phases: againPhases,
      planned_changes: againPlan.summary,
      bytes_sent: againPlan.uploads === null ? 0 : againPlan.uploads.files.reduce((n, f) => n + f.bytes_sent, 0),
    },
    per_row_client: { modules: sliceModules, rows: 1 + sliceModules * (1 + VIDEOS), wall_ms: perRowMs, requests: perRowRequests, scaled_wall_ms: Math.round((perRowMs * MODULES) / sliceModules), error: perRow.error },
    bulk_client: { wall_ms: bulkMs, requests: bulkRequests, error: bulk.error },
  };
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'bench-import-'));
  await writeFile(
    join(work, 'rss-hook.mjs'),
    "import { writeSync } from 'node:fs';\nprocess.on('exit', () => writeSync(2, `bench-max-rss-kib ${process.resourceUsage().maxRSS}\\n`));\n",
  );
  // A private copy of the built CLI: a rebuild of dist/ during a long run cannot pull files from under it.
  await cp(join(repoRoot, 'bin'), join(work, 'cli', 'bin'), { recursive: true });
  await cp(join(repoRoot, 'dist'), join(work, 'cli', 'dist'), { recursive: true });
  await cp(join(repoRoot, 'package.json'), join(work, 'cli', 'package.json'));
  await symlink(join(repoRoot, 'node_modules'), join(work, 'cli', 'node_modules'));
  const server = await startServer('import', work, { statementTimeout: args['statement-timeout'] });
  const proxy = await startProxy(server.info.url);
  const loadBefore = load();
  try {
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      machine: `${cpus().length} CPUs, ${process.platform}/${process.arch}`,
      load_average_before: loadBefore,
      statement_timeout: args['statement-timeout'],
    };
    const out = [`load average (1, 5, 15 min) before: ${loadBefore}; statement timeout of authenticated: ${args['statement-timeout']}`];
    const line = (name, wall, reqs, note = '') => `${name.padEnd(46)} ${String(wall).padStart(8)} ms ${String(reqs).padStart(7)} req  ${note}`;
    if (MODES.includes('plan')) {
      const plan = await planMode({ server, proxy, work });
      result.plan = plan;
      out.push(line(`plan: --dry-run of ${plan.rows} rows (median of ${plan.runs})`, plan.dry_run_ms, plan.requests, `slowest ${plan.dry_run_ms_max} ms; peak RSS ${plan.peak_rss_mib} MiB; ${plan.plan}`));
    }
    if (MODES.includes('apply')) {
      const a = await applyMode({ server, proxy, work });
      result.apply = a;
      const p = a.import.phases;
      out.push(
        line(`apply ${a.rows} rows: row phase (import_session)`, p.rows?.ms ?? 0, p.rows?.requests ?? 0),
        line('apply: plan phase (reads)', p.plan?.ms ?? 0, p.plan?.requests ?? 0),
        line(`apply: bytes phase (tus + finish, ${args.concurrency} at once)`, p.bytes?.ms ?? 0, p.bytes?.requests ?? 0),
        line('apply: whole command', a.import.wall_ms, requests(p)),
        line(`re-import unchanged (median of ${a.reimport_unchanged.runs})`, a.reimport_unchanged.wall_ms, requests(a.reimport_unchanged.phases), `slowest ${a.reimport_unchanged.wall_ms_max} ms; row requests ${a.reimport_unchanged.phases.rows?.requests ?? 0}; bytes sent ${a.reimport_unchanged.bytes_sent}`),
        line(`per-row client, ${a.per_row_client.rows} rows (first ${a.per_row_client.modules} modules)`, a.per_row_client.wall_ms, a.per_row_client.requests, `scaled to all rows: ${a.per_row_client.scaled_wall_ms} ms`),
        line('bulk client, one insert per table', a.bulk_client.wall_ms, a.bulk_client.requests, a.bulk_client.error ? `failed: ${a.bulk_client.error}` : 'not atomic'),
      );
    }
    result.load_average_after = load();
    out.push(`load average (1, 5, 15 min) after: ${result.load_average_after}`);
    await mkdir(join(repoRoot, 'bench/results'), { recursive: true });
    await writeFile(join(repoRoot, 'bench/results/import.json'), `${JSON.stringify(result, null, 2)}\n`);
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
