#!/usr/bin/env node
// Resumable upload throughput of the local backend against a plain streamed copy of the same file.
//
//   node bench/upload.mjs [--size-mib 1024] [--runs 3] [--chunks 6,16,50] [--raw-client] [--profile] [--dir /var/tmp]
//                         [--variants backend,service,no-patch-rls,node-stream,bare-tus] [--out bench/results/upload.json]
//
// The server (bench/upload.server.ts) is bundled with esbuild on the fly and runs in its own process, as
// `session local start` would; this process is the client (tus-js-client, as the CLI uses it). Each upload
// goes to a fresh `uploading` video row of a signed-in user, so the storage policies run as they do for the
// CLI. Reports MB/s (10^6 bytes/s), the ratio to the copy, and the CPU seconds each process spent.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createClient } from '@supabase/supabase-js';
import * as tus from 'tus-js-client';
import ws from 'ws';
import { startServer } from './lib/server.mjs';

const { values: args } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
    chunks: { type: 'string', default: '6' },
    variants: { type: 'string', default: 'backend' },
    profile: { type: 'boolean', default: false },
    dir: { type: 'string', default: tmpdir() },
    'raw-client': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const MiB = 1024 * 1024;
const size = Number(args['size-mib']) * MiB;
const runs = Number(args.runs);
const chunkSizes = args.chunks.split(',').map((c) => Number(c) * MiB);
const variants = args.variants.split(',');

const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, digits = 0) => n.toFixed(digits);

async function makeSource(path) {
  const handle = await open(path, 'w');
  const block = 8 * MiB;
  for (let written = 0; written < size; written += block) {
    await handle.write(randomBytes(Math.min(block, size - written)));
  }
  await handle.close();
}

async function copyOnce(source, target) {
  const t0 = performance.now();
  await pipeline(createReadStream(source), createWriteStream(target));
  const ms = performance.now() - t0;
  await rm(target, { force: true });
  return ms;
}

async function serverCpu(statsUrl) {
  const res = await fetch(`${statsUrl}/cpu`);
  const { user, system } = await res.json();
  return (user + system) / 1e6;
}

function clientCpu() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** A session, a module and an `uploading` video row, through the REST API as the user (the CLI's begin_video). */
async function uploadingVideo(client, userId) {
  const session = await client.from('sessions').insert({ name: `bench ${randomUUID().slice(0, 8)}` }).select('id').single();
  if (session.error) throw new Error(session.error.message);
  const module = await client.from('modules').insert({ session_id: session.data.id, name: 'bench', order_index: 0 }).select('id').single();
  if (module.error) throw new Error(module.error.message);
  const id = randomUUID();
  const path = `${userId}/${session.data.id}/${module.data.id}/${id}/bench.mp4`;
  const video = await client.from('videos').insert({
    id,
    module_id: module.data.id,
    file_name: 'bench.mp4',
    file_size: size,
    mime_type: 'video/mp4',
    sha256: createHash('sha256').update(id).digest('hex'),
    file_url: path,
    order_index: 0,
  });
  if (video.error) throw new Error(video.error.message);
  return path;
}

function tusUpload({ endpoint, source, chunkSize, token, apikey, objectName }) {
  return new Promise((resolveUpload, reject) => {
    const upload = new tus.Upload(createReadStream(source), {
      endpoint,
      chunkSize,
      uploadDataDuringCreation: true,
      retryDelays: [],
      headers: { authorization: `Bearer ${token}`, apikey },
      metadata: { bucketName: 'videos', objectName, contentType: 'video/mp4', cacheControl: '3600', filename: 'bench.mp4' },
      onError: reject,
      onSuccess: () => resolveUpload(),
    });
    upload.start();
  });
}

/** The protocol without tus-js-client: POST, then one PATCH per chunk streamed from the file. */
async function rawUpload({ endpoint, source, chunkSize, token, apikey, objectName }) {
  const meta = { bucketName: 'videos', objectName, contentType: 'video/mp4', cacheControl: '3600' };
  const headers = { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${token}`, apikey };
  const created = await fetch(endpoint, {
    method: 'POST',
    headers: {
      ...headers,
      'Upload-Length': String(size),
      'Upload-Metadata': Object.entries(meta).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(','),
    },
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  const url = new URL(created.headers.get('location'), endpoint);
  for (let offset = 0; offset < size; offset += chunkSize) {
    const length = Math.min(chunkSize, size - offset);
    const status = await new Promise((resolveChunk, reject) => {
      const req = httpRequest(url, {
        method: 'PATCH',
        headers: { ...headers, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(length) },
      });
      req.on('response', (res) => {
        res.resume();
        resolveChunk(res.statusCode);
      });
      req.on('error', reject);
      createReadStream(source, { start: offset, end: offset + length - 1, highWaterMark: 256 * 1024 }).pipe(req);
    });
    if (status !== 204) throw new Error(`patch at ${offset}: ${status}`);
  }
}

async function main() {
  const workDir = await mkdtemp(join(args.dir, 'session-bench-'));
  const source = join(workDir, 'source.mp4');
  console.error(`work dir ${workDir}; writing a ${size / MiB} MiB source file`);
  await makeSource(source);

  await copyOnce(source, join(workDir, 'copy.mp4')); // warm the page cache

  const server = await startServer('upload', workDir);
  const { info } = server;
  const results = [];
  try {
    const admin = createClient(info.url, info.serviceRoleKey, { auth: { persistSession: false }, realtime: { transport: ws } });
    const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
    const password = randomBytes(12).toString('hex');
    const created = await admin.auth.admin.createUser({ email, password, email_confirm: true });
    if (created.error) throw created.error;
    const client = createClient(info.url, info.anonKey, { auth: { persistSession: false }, realtime: { transport: ws } });
    const signedIn = await client.auth.signInWithPassword({ email, password });
    if (signedIn.error) throw signedIn.error;
    const token = signedIn.data.session.access_token;
    const userId = signedIn.data.user.id;

    for (const variant of variants) {
      for (const chunkSize of chunkSizes) {
        for (const clientKind of args['raw-client'] ? ['tus-js-client', 'raw'] : ['tus-js-client']) {
          if (args.profile) await fetch(`${info.stats}/profile/start`);
          await fetch(`${info.stats}/gc`); // reset
          const times = [];
          const copyTimes = [];
          const ratios = [];
          let serverSeconds = 0;
          let clientSeconds = 0;
          for (let i = 0; i < runs; i++) {
            // The copy runs right before each upload, so both see the same machine load (other work shares the cores).
            const copyMs = await copyOnce(source, join(workDir, 'copy.mp4'));
            copyTimes.push(copyMs);
            const objectName = variant === 'bare-tus' ? `bench/${randomUUID()}.mp4` : await uploadingVideo(client, userId);
            const s0 = await serverCpu(info.stats);
            const c0 = clientCpu();
            const t0 = performance.now();
            const upload = clientKind === 'raw' ? rawUpload : tusUpload;
            await upload({ endpoint: info.variants[variant], source, chunkSize, token, apikey: info.anonKey, objectName });
            const uploadMs = performance.now() - t0;
            times.push(uploadMs);
            ratios.push(copyMs / uploadMs);
            clientSeconds += clientCpu() - c0;
            serverSeconds += (await serverCpu(info.stats)) - s0;
            if (variant === 'bare-tus') await fetch(`${info.stats}/clean-bare`);
            else {
              // Through the variant's own storage API, so its files go too (DELETE /object/<bucket> {prefixes}).
              const storageBase = info.variants[variant].replace(/\/upload\/resumable$/, '');
              const removed = await fetch(`${storageBase}/object/videos`, {
                method: 'DELETE',
                headers: { apikey: info.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                body: JSON.stringify({ prefixes: [objectName] }),
              });
              const rows = await removed.json();
              if (!Array.isArray(rows) || rows.length !== 1) throw new Error(`remove ${objectName}: ${JSON.stringify(rows)}`);
            }
          }
          const profile = args.profile
            ? await summarizeProfile((await (await fetch(`${info.stats}/profile/stop/${variant}-${clientKind}-${chunkSize / MiB}`)).json()).file)
            : null;
          const gc = await (await fetch(`${info.stats}/gc`)).json();
          const phases = variant === 'backend' ? null : await (await fetch(`${info.stats}/timings/${variant}`)).json();
          const row = {
            variant,
            client: clientKind,
            chunkMiB: chunkSize / MiB,
            runs: times.map((ms) => Math.round(mbps(size, ms))),
            copyRuns: copyTimes.map((ms) => Math.round(mbps(size, ms))),
            medianMBps: Math.round(mbps(size, median(times))),
            copyMedianMBps: Math.round(mbps(size, median(copyTimes))),
            ratio: Number(median(ratios).toFixed(2)),
            serverCpuPerGiB: Number(((serverSeconds / runs) * (1024 * MiB / size)).toFixed(2)),
            clientCpuPerGiB: Number(((clientSeconds / runs) * (1024 * MiB / size)).toFixed(2)),
            serverGcMsPerGiB: Math.round(((gc.minorMs + gc.majorMs) / runs) * ((1024 * MiB) / size)),
            serverGc: gc,
            ...(phases ? { phases } : {}),
            ...(profile ? { profile } : {}),
          };
          results.push(row);
          console.error(
            `${variant.padEnd(13)} ${clientKind.padEnd(13)} chunk ${String(row.chunkMiB).padStart(3)} MiB: ` +
              `tus ${row.runs.join(' ')} MB/s (median ${row.medianMBps}), copy ${row.copyRuns.join(' ')} (median ${row.copyMedianMBps}), ` +
              `ratio ${row.ratio}; cpu s/GiB server ${row.serverCpuPerGiB} (gc ${row.serverGcMsPerGiB} ms) client ${row.clientCpuPerGiB}` +
              (phases ? `; per request ms: ${JSON.stringify(phases.perRequestMs)}` : ''),
          );
        }
      }
    }
  } finally {
    await server.stop();
  }

  const summary = {
    date: new Date().toISOString(),
    node: process.version,
    sizeMiB: size / MiB,
    loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
    results,
  };
  console.log(JSON.stringify(summary, null, 2));
  console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (args.out) {
    await mkdir(dirname(resolve(args.out)), { recursive: true });
    await writeFile(resolve(args.out), `${JSON.stringify(summary, null, 2)}\n`);
  }
  await rm(workDir, { recursive: true, force: true });
}

/** Self time of the server process by area, from a CPU profile taken over one row's uploads (copies included, idle then). */
async function summarizeProfile(file) {
  const profile = JSON.parse(await readFile(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    selfMs.set(node.id, (selfMs.get(node.id) ?? 0) + (dt[i] ?? 0) / 1000);
  }
  const areas = new Map();
  const functions = new Map();
  for (const [id, ms] of selfMs) {
    const { callFrame } = byId.get(id);
    const area = classify(callFrame);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const fn = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, Math.round(v)]);
  return { areasMs: Object.fromEntries(top(areas, 12)), topFunctionsMs: top(functions, 12) };
}

function classify({ functionName, url }) {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'program (native, syscalls)';
  if (url.includes('srvx')) return 'srvx (web Request/Response adapter)';
  if (url.includes('@tus/')) return '@tus/server + file-store';
  if (url.includes('/pg') || url.includes('pg-protocol')) return 'pg client';
  if (url.startsWith('node:internal/webstreams')) return 'node web streams';
  if (url.startsWith('node:internal/streams') || url.startsWith('node:stream')) return 'node streams';
  if (url.startsWith('node:internal/fs') || url.startsWith('node:fs')) return 'node fs';
  if (url.startsWith('node:internal/http') || url.startsWith('node:_http') || url.includes('undici')) return 'node http';
  if (url.startsWith('node:')) return 'node (other)';
  if (url.includes('upload.server')) return 'local backend (bundled)';
  return url ? 'other js' : functionName;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
