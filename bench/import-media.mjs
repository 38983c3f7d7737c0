#!/usr/bin/env node
// `session import` of a folder of small, playable, all-different videos into an empty account: what
// reading their containers and recording their metadata costs. Counts every HTTP request through a
// proxy (the row phase, the metadata writes, the uploads), and the CLI's read syscalls and bytes
// read (/proc/self/io, reported by a preloaded exit hook), with the wall time of the command.
//
//   npm run build && node bench/import-media.mjs [--files 200] [--per-module 10] [--concurrency 3] [--cli DIR]
//
// --cli: a folder holding another build (bin/, dist/, package.json) to compare with; by default a
// private copy of this checkout's build. Each file is test/fixtures/media/lecture.mp4 (8 KiB, H.264
// and AAC, 2 s) with a `free` box of random bytes appended, so every file has its own sha256 and is
// sent (a copy of the same bytes would be copied on the server instead). Server: bench/import.server.ts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot, startServer } from './lib/server.mjs';

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '200' },
    'per-module': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '3' },
    cli: { type: 'string' },
  },
});
const FILES = Number(args.files);
const PER_MODULE = Number(args['per-module']);

/** Forwards to `target`, recording method and path; rewrites tus Locations so uploads are counted too. */
async function startProxy(target) {
  const log = [];
  const server = createServer((req, res) => {
    log.push(`${req.method} ${new URL(req.url, 'http://x').pathname}`);
    const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (up) => {
      const headers = { ...up.headers };
      if (headers.location) headers.location = headers.location.replace(target, url);
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, log, close: () => new Promise((r) => server.close(r)) };
}

async function makeCourse(dir) {
  const lecture = await readFile(join(repoRoot, 'test/fixtures/media/lecture.mp4'));
  for (let i = 0; i < FILES; i++) {
    const module = join(dir, `${String(Math.floor(i / PER_MODULE) + 1).padStart(3, '0')}-module`);
    if (i % PER_MODULE === 0) await mkdir(module, { recursive: true });
    const free = Buffer.alloc(24);
    free.writeUInt32BE(24, 0);
    free.write('free', 4, 'latin1');
    randomBytes(16).copy(free, 8);
    await writeFile(join(module, `video-${String(i + 1).padStart(4, '0')}.mp4`), Buffer.concat([lecture, free]));
  }
}

function runCli(cliDir, work, proxyUrl, anonKey, user, cliArgs) {
  return new Promise((resolveRun) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(work, 'io-hook.mjs')).href, join(cliDir, 'bin', 'session.js'), ...cliArgs], {
      env: {
        PATH: process.env.PATH,
        SUPABASE_URL: proxyUrl,
        SUPABASE_ANON_KEY: anonKey,
        SESSION_ACCESS_TOKEN: user.accessToken,
        XDG_CONFIG_HOME: join(work, 'config'),
        XDG_STATE_HOME: join(work, 'state'),
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
      const io = /bench-io syscr (\d+) rchar (\d+)/.exec(stderr);
      resolveRun({ code, ms: Math.round(performance.now() - started), stdout, stderr, syscr: io ? Number(io[1]) : null, rchar: io ? Number(io[2]) : null });
    });
  });
}

const work = await mkdtemp(join(tmpdir(), 'bench-import-media-'));
const hook = `import { readFileSync, writeSync } from 'node:fs';
process.on('exit', () => {
  const io = Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\\n').map((l) => l.split(': ')));
  writeSync(2, 'bench-io syscr ' + io.syscr + ' rchar ' + io.rchar + '\\n');
});
`;
await writeFile(join(work, 'io-hook.mjs'), hook);
const cliDir = args.cli ? resolve(args.cli) : join(work, 'cli');
if (!args.cli) {
  // A private copy of the built CLI: a rebuild of dist/ during the run cannot pull files from under it.
  await cp(join(repoRoot, 'bin'), join(cliDir, 'bin'), { recursive: true });
  await cp(join(repoRoot, 'dist'), join(cliDir, 'dist'), { recursive: true });
  await cp(join(repoRoot, 'package.json'), join(cliDir, 'package.json'));
  await symlink(join(repoRoot, 'node_modules'), join(cliDir, 'node_modules'));
}
const server = await startServer('import', work, { statementTimeout: '60s' });
const proxy = await startProxy(server.info.url);
try {
  const course = join(work, 'media-course');
  await makeCourse(course);
  const author = await server.request('user');
  const before = loadavg()[0].toFixed(2);
  const run = await runCli(cliDir, work, proxy.url, server.info.anonKey, author, ['import', course, '--json', '--concurrency', args.concurrency]);
  if (run.code !== 0) throw new Error(`import failed (${run.code}):\n${run.stderr}`);
  const statuses = {};
  for (const f of JSON.parse(run.stdout).uploads.files) statuses[f.status] = (statuses[f.status] ?? 0) + 1;
  const count = (test) => proxy.log.filter(test).length;
  const result = {
    files: FILES,
    cli: args.cli ?? 'this checkout',
    load: `${before} → ${loadavg()[0].toFixed(2)}`,
    wall_ms: run.ms,
    requests: proxy.log.length,
    metadata_updates: count((r) => r.startsWith('PATCH /rest/v1/videos')),
    set_videos_media: count((r) => r === 'POST /rest/v1/rpc/set_videos_media'),
    import_session: count((r) => r === 'POST /rest/v1/rpc/import_session'),
    tus_and_finish: count((r) => r.includes('/storage/v1/upload/resumable') || r === 'POST /rest/v1/rpc/finish_video'),
    read_syscalls: run.syscr,
    bytes_read: run.rchar,
    uploads: statuses,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await proxy.close();
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
