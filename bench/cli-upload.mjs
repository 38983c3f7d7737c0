#!/usr/bin/env node
// Upload throughput of the CLI (`session video upload`) against a bare tus-js-client upload of
// the same file to the same backend, and many files at --concurrency 1 against 4.
//
//   node bench/cli-upload.mjs [--size-mib 1024] [--runs 3] [--files 20] [--file-mib 50]
//                             [--concurrency 1,4] [--dir /var/tmp] [--port 55433] [--out bench/results/cli-upload.json] [--bin bin/session.js]
//
// Runs the built CLI (`npm run build` first) against a local backend it starts in a scratch data
// directory (`session local start`), as a user would. The CLI time is the whole command: process
// start, file checks, begin_video, the tus upload, finish_video. The bare upload is only the tus
// part (tus-js-client, 6 MiB chunks), to a row begun beforehand. Each run first changes the file's
// last bytes, so no run finds its bytes stored already (they would be copied, not sent), and
// measures two CLI uploads against the bare one just before them:
// - first upload: a fresh state folder (no hash cache, no resume URLs), so the CLI knows nothing
//   about the file and hashes it from the same read that sends it;
// - cached: the video just uploaded is removed (`video rm`), then the same file is uploaded again
//   with the state folder of the first upload: the hash cache knows its sha256.
// MB/s are 10^6 bytes per second. The load average is printed before and after.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@supabase/supabase-js';
import * as tus from 'tus-js-client';
import ws from 'ws';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
    files: { type: 'string', default: '20' },
    'file-mib': { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '1,4' },
    dir: { type: 'string', default: tmpdir() },
    port: { type: 'string', default: '55433' },
    out: { type: 'string', default: join(repoRoot, 'bench', 'results', 'cli-upload.json') },
    // Another build of the launcher (e.g. a copy of bin/ and dist/ while dist/ is being rebuilt).
    bin: { type: 'string', default: join(repoRoot, 'bin', 'session.js') },
  },
});
const BIN = resolve(args.bin);
const MiB = 1024 * 1024;
const CHUNK = 6 * MiB;
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, digits = 0) => n.toFixed(digits);
const { loadavg } = await import('node:os');
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');
const loadBefore = load();
process.stderr.write(`load average: ${loadBefore}\n`);

function run(cmd, argv, env, { quiet = true } = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!quiet) process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveRun({ stdout, stderr }) : reject(new Error(`${cmd} ${argv.join(' ')} → exit ${code}\n${stderr}`))));
  });
}

/** A file whose first bytes are an MP4 `ftyp` box (the CLI checks signatures), the rest random. */
async function makeVideo(path, size) {
  const ftyp = Buffer.from('0000001c667479706973736f6d0000020069736f6d69736f326d703431', 'hex');
  const mdat = Buffer.alloc(8);
  mdat.writeUInt32BE(Math.min(size - ftyp.length, 0xffffffff), 0);
  mdat.write('mdat', 4);
  const handle = await open(path, 'w');
  await handle.write(Buffer.concat([ftyp, mdat]));
  const block = 8 * MiB;
  for (let written = ftyp.length + 8; written < size; written += block) await handle.write(randomBytes(Math.min(block, size - written)));
  await handle.close();
}

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) hash.update(chunk);
  return hash.digest('hex');
}

const work = await mkdtemp(join(args.dir, 'cli-upload-bench-'));
const dataDir = join(work, 'backend');
const home = join(work, 'home');
await mkdir(home, { recursive: true });
const baseEnv = { HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), NO_COLOR: '1', SESSION_LOCAL_DIR: dataDir };
const session = (argv, env = {}) => run('node', [BIN, ...argv], { ...baseEnv, ...env });

try {
  process.stderr.write(`starting the local backend in ${dataDir}\n`);
  await session(['local', 'start', '--port', args.port, '--data-dir', dataDir]);
  const status = JSON.parse((await session(['local', 'status', '--data-dir', dataDir, '--json'])).stdout);
  const url = status.url ?? status.api_url;
  const anonKey = status.anon_key;
  const serviceKey = status.service_role_key;
  const cliEnv = { SUPABASE_URL: url, SUPABASE_ANON_KEY: anonKey };

  const admin = createClient(url, serviceKey, { auth: { persistSession: false }, realtime: { transport: ws } });
  const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
  const password = randomBytes(12).toString('hex');
  const { error: userError } = await admin.auth.admin.createUser({ email, password, email_confirm: true });
  if (userError) throw userError;
  await session(['login', '--with-password'], { ...cliEnv, SESSION_EMAIL: email, SESSION_PASSWORD: password });
  const user = createClient(url, anonKey, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: ws } });
  const { data: signIn, error: signInError } = await user.auth.signInWithPassword({ email, password });
  if (signInError) throw signInError;
  const token = signIn.session.access_token;

  const sessionId = JSON.parse((await session(['create', 'Bench', '--json'], cliEnv)).stdout).id;
  let modules = 0;
  const freshModule = async () => JSON.parse((await session(['module', 'add', sessionId, `M${++modules}`, '--json'], cliEnv)).stdout).id;

  // --- 1. one big file: CLI against bare tus-js-client -------------------------------------------
  const size = Number(args['size-mib']) * MiB;
  const big = join(work, 'big.mp4');
  process.stderr.write(`writing a ${args['size-mib']} MiB file\n`);
  await makeVideo(big, size);
  /** New bytes at the end of the file: its sha256 and probe change, so it is stored nowhere yet. */
  const mutate = async (i) => {
    const handle = await open(big, 'r+');
    const tail = Buffer.alloc(16);
    tail.write(`run ${i} ${randomBytes(4).toString('hex')}`);
    await handle.write(tail, 0, tail.length, size - tail.length);
    await handle.close();
  };

  const bareOnce = async () => {
    const { data: row, error } = await user.rpc('begin_video', { p_module_id: await freshModule(), p_file_name: 'big.mp4', p_file_size: size, p_sha256: null, p_mime_type: 'video/mp4' });
    if (error) throw error;
    const t0 = performance.now();
    await new Promise((done, fail) => {
      const upload = new tus.Upload(createReadStream(big), {
        endpoint: `${url}/storage/v1/upload/resumable`,
        chunkSize: CHUNK,
        retryDelays: [0, 3000],
        uploadDataDuringCreation: true,
        headers: { apikey: anonKey, 'x-upsert': 'true' },
        metadata: { bucketName: 'videos', objectName: row.file_url, contentType: 'video/mp4', cacheControl: '3600' },
        onBeforeRequest: (req) => req.setHeader('Authorization', `Bearer ${token}`),
        onSuccess: done,
        onError: fail,
      });
      upload.start();
    });
    return performance.now() - t0;
  };
  const cliOnce = async (state) => {
    const moduleId = await freshModule();
    const t0 = performance.now();
    const { stdout } = await session(['video', 'upload', moduleId, big, '--json'], { ...cliEnv, XDG_STATE_HOME: state });
    const ms = performance.now() - t0;
    const [file] = JSON.parse(stdout).files;
    if (file.status !== 'uploaded' || file.bytes_sent !== size) throw new Error(`unexpected report: ${stdout}`);
    return { ms, videoId: file.video_id };
  };
  // sha256 alone, to show where the CLI's extra time goes.
  const hashOnce = async () => {
    const t0 = performance.now();
    await sha256File(big);
    return performance.now() - t0;
  };

  const bare = [];
  const cli = [];
  const cached = [];
  const hash = [];
  for (let i = 0; i < Number(args.runs); i++) {
    await mutate(i);
    bare.push(await bareOnce());
    const state = await mkdtemp(join(work, 'state-'));
    const first = await cliOnce(state);
    cli.push(first.ms);
    // Nothing of it stored any more, but its hash is in the cache of `state`.
    await session(['video', 'rm', first.videoId, '--yes'], { ...cliEnv, XDG_STATE_HOME: state });
    cached.push((await cliOnce(state)).ms);
    hash.push(await hashOnce());
    process.stderr.write(
      `run ${i + 1}: bare ${fmt(mbps(size, bare.at(-1)))} MB/s, CLI first upload ${fmt(mbps(size, cli.at(-1)))} MB/s, CLI cached ${fmt(mbps(size, cached.at(-1)))} MB/s, sha256 ${fmt(mbps(size, hash.at(-1)))} MB/s\n`,
    );
  }
  // Paired: each run's CLI times against the bare upload just before them, so load from other
  // processes on the machine hits both sides of a ratio alike.
  const ratios = cli.map((ms, i) => bare[i] / ms);
  const cachedRatios = cached.map((ms, i) => bare[i] / ms);
  const bareMbps = mbps(size, median(bare));
  const cliMbps = mbps(size, median(cli));
  const cachedMbps = mbps(size, median(cached));
  const bestBare = mbps(size, Math.min(...bare));
  const bestCli = mbps(size, Math.min(...cli));

  // --- 2. many files at --concurrency 1 against 4 -------------------------------------------------
  const fileSize = Number(args['file-mib']) * MiB;
  const count = Number(args.files);
  const many = [];
  process.stderr.write(`writing ${count} files of ${args['file-mib']} MiB\n`);
  for (let i = 0; i < count; i++) {
    const path = join(work, `part-${String(i + 1).padStart(2, '0')}.mp4`);
    await makeVideo(path, fileSize);
    many.push(path);
  }
  const batches = {};
  for (const concurrency of args.concurrency.split(',').map(Number)) {
    // New bytes in every file, or the second batch would be copied on the server, not sent.
    for (const path of many) {
      const handle = await open(path, 'r+');
      await handle.write(randomBytes(16), 0, 16, fileSize - 16);
      await handle.close();
    }
    const moduleId = await freshModule();
    const t0 = performance.now();
    const { stdout } = await session(['video', 'upload', moduleId, ...many, '--concurrency', String(concurrency), '--json'], cliEnv);
    const ms = performance.now() - t0;
    const uploaded = JSON.parse(stdout).files.filter((f) => f.status === 'uploaded').length;
    if (uploaded !== count) throw new Error(`only ${uploaded} of ${count} uploaded at --concurrency ${concurrency}`);
    batches[concurrency] = { seconds: ms / 1000, mbps: mbps(fileSize * count, ms) };
    process.stderr.write(`--concurrency ${concurrency}: ${fmt(ms / 1000, 1)} s, ${fmt(batches[concurrency].mbps)} MB/s\n`);
  }

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    load_average: { before: loadBefore, after: load() },
    big: {
      size_mib: Number(args['size-mib']),
      runs: Number(args.runs),
      bare_mbps_median: bareMbps,
      cli_mbps_median: cliMbps,
      bare_mbps_best: bestBare,
      cli_mbps_best: bestCli,
      ratio_median: median(ratios),
      ratios,
      cached_mbps_median: cachedMbps,
      cached_ratio_median: median(cachedRatios),
      cached_ratios: cachedRatios,
      cached_ms: cached,
      sha256_mbps: mbps(size, median(hash)),
      bare_ms: bare,
      cli_ms: cli,
    },
    many: { files: count, file_mib: Number(args['file-mib']), by_concurrency: batches },
  };
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);

  console.log(`load average: before ${loadBefore}, after ${load()}`);
  console.log('');
  console.log(`| ${args['size-mib']} MiB, one file | bare tus-js-client | CLI \`video upload\` | CLI / bare (median of paired runs) | paired ratios |`);
  console.log('|---|---|---|---|---|');
  console.log(`| first upload (fresh state folder) | ${fmt(bareMbps)} MB/s | ${fmt(cliMbps)} MB/s | **${fmt(median(ratios), 2)}** | ${ratios.map((r) => fmt(r, 2)).join(', ')} |`);
  console.log(`| cached (hash known) | | ${fmt(cachedMbps)} MB/s | **${fmt(median(cachedRatios), 2)}** | ${cachedRatios.map((r) => fmt(r, 2)).join(', ')} |`);
  console.log(`| best run | ${fmt(bestBare)} MB/s | ${fmt(bestCli)} MB/s | ${fmt(bestCli / bestBare, 2)} | |`);
  console.log(`| sha256 alone (median) | | ${fmt(mbps(size, median(hash)))} MB/s | |`);
  console.log('');
  console.log(`| ${count} × ${args['file-mib']} MiB | wall time | MB/s |`);
  console.log('|---|---|---|');
  for (const [c, b] of Object.entries(batches)) console.log(`| --concurrency ${c} | ${fmt(b.seconds, 1)} s | ${fmt(b.mbps)} |`);
} finally {
  await session(['local', 'stop', '--data-dir', dataDir]).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
