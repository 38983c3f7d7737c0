// The upload pipeline end to end, the built CLI against the local backend: a first upload reads each
// byte of the file once (the kernel's read count of the CLI process says so) and sends the sha256 with
// finish_video; the backend keeps one copy (no staging file left, disk use within 1.05x the stored
// bytes); bytes already stored in the account are copied on the server, not sent; with the hash cache
// defeated, a likely duplicate is found by size and probe and confirmed; gc ends abandoned uploads.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../src/local/postgres.js';
import { startBackend } from '../../src/local/server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestBackend } from '../support/backend.js';
import { sha256 as sha, writeVideo } from '../support/media.js';
import { json, sessionWithModule, twoUsers, type CliUser, type UploadJson } from './video-support.js';

const MiB = 1024 * 1024;
const fixture = twoUsers('upload-pipeline');
let backend: TestBackend;
let alice: CliUser;
let dir: string;
let ioHook: string;
beforeAll(async () => {
  ({ backend, alice, dir } = fixture);
  // Preloaded into the CLI: at exit, writes the kernel's I/O counters of the process (rchar counts every byte read).
  ioHook = join(dir, 'io-hook.cjs');
  await writeFile(ioHook, "process.on('exit', () => { try { require('node:fs').writeFileSync(process.env.IO_REPORT, require('node:fs').readFileSync('/proc/self/io', 'utf8')); } catch {} });\n");
});

/** Runs the CLI and returns its result with the bytes the process read (files and sockets). */
async function measured(cli: CliUser, args: string[], env: Record<string, string> = {}) {
  const report = join(dir, `io-${Math.random().toString(36).slice(2)}.txt`);
  const res = await cli.run(args, { env: { NODE_OPTIONS: `--require ${ioHook}`, IO_REPORT: report, ...env } });
  const io = await readFile(report, 'utf8');
  const rchar = Number(/rchar: (\d+)/.exec(io)?.[1]);
  expect(rchar).toBeGreaterThan(0);
  return { ...res, rchar };
}

/** A state folder of its own: no hash cache, no resume URLs (as on another machine, or a first run). */
async function freshState(): Promise<Record<string, string>> {
  return { XDG_STATE_HOME: await mkdtemp(join(tmpdir(), 'session-state-')) };
}

async function filesUnder(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

/** Disk blocks used by the storage folder (each inode once, as du counts) and the bytes of the stored objects. */
async function storageUse(): Promise<{ disk: number; stored: number }> {
  const seen = new Set<number>();
  let disk = 0;
  for (const file of await filesUnder(join(backend.dataDir, 'storage'))) {
    const s = await stat(file);
    if (seen.has(s.ino)) continue;
    seen.add(s.ino);
    disk += s.blocks * 512;
  }
  const { rows } = await backend.db.pool.query<{ n: string }>("select coalesce(sum((metadata->>'size')::bigint), 0)::text as n from storage.objects where bucket_id = 'videos'");
  return { disk, stored: Number(rows[0]!.n) };
}

function probeOf(bytes: Buffer): string {
  const head = bytes.subarray(0, Math.min(bytes.length, MiB));
  const tail = bytes.subarray(Math.max(head.length, bytes.length - MiB));
  return createHash('sha256').update(head).update(tail).digest('hex');
}

async function row(videoId: string): Promise<{ sha256: string | null; probe_sha256: string | null; status: string; file_url: string }> {
  const { rows } = await backend.db.pool.query('select sha256, probe_sha256, status, file_url from public.videos where id = $1', [videoId]);
  return rows[0];
}

describe('upload pipeline', () => {
  const size = 48 * MiB;
  let file: string;
  let fileSha: string;
  let first: { moduleId: string; videoId: string };

  it('reads the file once on a first upload, sends its sha256 at finish, and leaves one copy on disk', async () => {
    const { moduleId } = await sessionWithModule(alice, 'Pipeline');
    file = join(dir, 'lecture.mp4');
    fileSha = await writeVideo(file, size, 'mp4');
    const state = await freshState();
    const baseline = await measured(alice, ['video', 'ls', moduleId], state);
    const res = await measured(alice, ['video', 'upload', moduleId, file, '--json'], state);
    expect(res.exitCode, res.stderr).toBe(0);
    const [entry] = json<UploadJson>(res).files;
    expect(entry).toMatchObject({ status: 'uploaded', bytes_sent: size });
    // Everything the process read beyond what any command reads: the file once (a sha256 pass first would make it twice).
    const read = res.rchar - baseline.rchar;
    expect(read).toBeGreaterThanOrEqual(size);
    expect(read).toBeLessThan(size * 1.15);
    expect(await row(entry!.video_id!)).toMatchObject({ status: 'ready', sha256: fileSha, probe_sha256: probeOf(await readFile(file)) });
    first = { moduleId, videoId: entry!.video_id! };

    // One copy: nothing left in the tus staging folder, disk use within 1.05x the stored bytes.
    expect(await filesUnder(join(backend.dataDir, 'storage', 'tus'))).toEqual([]);
    const use = await storageUse();
    expect(use.stored).toBeGreaterThanOrEqual(size);
    expect(use.disk).toBeLessThanOrEqual(use.stored * 1.05);
    const { data } = await backend.admin().storage.from('videos').download((await row(first.videoId)).file_url);
    expect(sha(new Uint8Array(await data!.arrayBuffer()))).toBe(fileSha);
  });

  it('copies bytes already stored in the account on the server instead of sending them', async () => {
    const { moduleId } = await sessionWithModule(alice, 'Pipeline copy');
    const res = await alice.run(['video', 'upload', moduleId, file, '--json', '--debug'], { env: await freshState() });
    expect(res.exitCode, res.stderr).toBe(0);
    const [entry] = json<UploadJson>(res).files;
    expect(entry).toMatchObject({ status: 'copied', bytes_sent: 0 });
    expect(entry!.video_id).not.toBe(first.videoId);
    expect(res.stderr).toContain('copied on the server, nothing sent');
    expect(res.stderr).not.toMatch(/tus (POST|PATCH)/);
    expect(res.stderr).toMatch(/POST \S+\/storage\/v1\/object\/copy → 200/);
    const copy = await row(entry!.video_id!);
    expect(copy).toMatchObject({ status: 'ready', sha256: fileSha });
    const { data } = await backend.admin().storage.from('videos').download(copy.file_url);
    expect(sha(new Uint8Array(await data!.arrayBuffer()))).toBe(fileSha);
    // Two objects, one copy of the bytes.
    const use = await storageUse();
    expect(use.disk).toBeLessThanOrEqual(use.stored * 1.05);
    expect(use.disk).toBeLessThan(2 * size);
  });

  it('with the hash unknown, finds the likely duplicate by size and probe, confirms it and sends nothing', async () => {
    const res = await alice.run(['video', 'upload', first.moduleId, file, '--json', '--debug'], { env: await freshState() });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(json<UploadJson>(res).files[0]).toMatchObject({ status: 'unchanged', bytes_sent: 0, video_id: first.videoId });
    expect(res.stderr).not.toMatch(/tus (POST|PATCH)/);
  });

  it('sends a different file of the same size after reading only its probe beyond the upload', async () => {
    const other = join(dir, 'other.mp4');
    const otherSha = await writeVideo(other, size, 'mp4');
    const state = await freshState();
    const baseline = await measured(alice, ['video', 'ls', first.moduleId], state);
    const res = await measured(alice, ['video', 'upload', first.moduleId, other, '--json'], state);
    expect(res.exitCode, res.stderr).toBe(0);
    const [entry] = json<UploadJson>(res).files;
    expect(entry).toMatchObject({ status: 'uploaded', bytes_sent: size });
    expect(res.rchar - baseline.rchar).toBeLessThan(size * 1.15 + 2 * MiB);
    expect((await row(entry!.video_id!)).sha256).toBe(otherSha);
  });

  it('session gc ends an abandoned upload: the server keeps no partial file of it', async () => {
    const { moduleId } = await sessionWithModule(alice, 'Abandoned');
    const big = join(dir, 'abandoned.mp4');
    await writeVideo(big, 100 * MiB, 'mp4');
    const child = alice.spawn(['video', 'upload', moduleId, big]);
    let stderr = '';
    let killed = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!killed && /: \d+% /.test(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    await child;
    expect(killed, stderr).toBe(true);
    expect((await filesUnder(join(backend.dataDir, 'storage', 'tus'))).length).toBeGreaterThan(0);

    // A day later.
    const client = await backend.db.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local session_replication_role = replica'); // keep updated_at as set
      await client.query("update public.videos set created_at = now() - interval '2 days', updated_at = now() - interval '2 days' where module_id = $1", [moduleId]);
      await client.query('commit');
    } finally {
      client.release();
    }
    const uploadsFile = join(alice.env.XDG_STATE_HOME!, 'session', 'uploads.json');
    const state = JSON.parse(await readFile(uploadsFile, 'utf8')) as { uploads: Record<string, { creationTime: string }> };
    for (const entry of Object.values(state.uploads)) entry.creationTime = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await writeFile(uploadsFile, JSON.stringify(state));

    const gc = await alice.run(['gc', '--yes', '--json']);
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(json<{ stale_uploads_removed: number; uploads_ended: number }>(gc)).toMatchObject({ stale_uploads_removed: 1, uploads_ended: 1 });
    expect(await filesUnder(join(backend.dataDir, 'storage', 'tus'))).toEqual([]);
    const after = JSON.parse(await readFile(uploadsFile, 'utf8')) as { uploads: Record<string, unknown> };
    expect(Object.keys(after.uploads)).toEqual([]);
  });
});

describe('local start', () => {
  it('sweeps staging files of finished uploads and of uploads abandoned for over a day, and keeps recent ones', async () => {
    const tusDir = join(backend.dataDir, 'storage', 'tus');
    const plant = async (name: string, ageMs: number, size = 5000) => {
      const objectName = `${alice.user.id}/x/y/${name}/clip.mp4`;
      const version = randomUUID();
      const id = `videos/${objectName}/${version}`;
      const data = join(tusDir, id);
      await mkdir(dirname(data), { recursive: true });
      await writeFile(data, Buffer.alloc(1000));
      await writeFile(`${data}.json`, JSON.stringify({ id, size, offset: 0, metadata: {}, creation_date: new Date(Date.now() - ageMs).toISOString() }));
      const then = new Date(Date.now() - ageMs);
      await utimes(data, then, then);
      return { data, objectName, version };
    };
    const abandoned = (await plant('old', 2 * 86_400_000)).data;
    const recent = (await plant('new', 60_000)).data;
    // Complete, and its object row holds that version: what a finished upload left before this change.
    const finished = await plant('done', 60_000, 1000);
    await backend.db.pool.query("insert into storage.objects (bucket_id, name, version, metadata) values ('videos', $1, $2, '{\"size\": 1000}')", [finished.objectName, finished.version]);
    // A second start on the same data directory (the first backend keeps running meanwhile).
    const again = await startBackend({
      databaseUrl: backend.db.superuserUrl,
      authenticatorPassword: backend.db.rolePassword,
      port: 0,
      jwtSecret: backend.jwtSecret,
      dataDir: backend.dataDir,
      projectRoot: packageRoot(),
    });
    try {
      expect(await filesUnder(tusDir)).toEqual(expect.arrayContaining([recent, `${recent}.json`]));
      expect((await filesUnder(tusDir)).filter((f) => f.startsWith(abandoned) || f.startsWith(finished.data))).toEqual([]);
    } finally {
      await again.close();
      await rm(recent, { force: true });
      await rm(`${recent}.json`, { force: true });
    }
  });
});

afterAll(async () => {
  await rm(join(dir, 'io-hook.cjs'), { force: true });
});
