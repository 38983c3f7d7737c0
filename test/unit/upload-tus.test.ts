import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResumeStore } from '../../src/core/upload/resume-store.js';
import { TusTransport } from '../../src/core/upload/tus.js';
import { TransportError, type TransportHooks, type TransportJob } from '../../src/core/upload/transport.js';
import { sha256, writeVideo } from '../support/media.js';

// A plain tus server (the same @tus/server the local backend builds on): the transport's wire behaviour, resume and headers.
let dir: string;
let store: string;
let http: HttpServer;
let url: string;
const seen: Array<{ method: string; headers: IncomingHttpHeaders }> = [];
let tokens = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upload-tus-'));
  store = join(dir, 'objects');
  const { Server } = await import('@tus/server');
  const { FileStore } = await import('@tus/file-store');
  const tus = new Server({ path: '/storage/v1/upload/resumable', datastore: new FileStore({ directory: store }) });
  http = createServer((req, res) => {
    seen.push({ method: req.method ?? '', headers: req.headers });
    if (req.url?.startsWith('/deny/')) {
      res.writeHead(403, { 'Tus-Resumable': '1.0.0', 'Content-Type': 'text/plain' }).end('new row violates row-level security policy');
      return;
    }
    void tus.handle(req, res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => http.close(r));
  await rm(dir, { recursive: true, force: true });
});

function transport(resume: ResumeStore, chunkSize = 256 * 1024): TusTransport {
  return new TusTransport({
    projectUrl: url,
    apiKey: 'anon-key',
    accessToken: async () => `token-${++tokens}`,
    store: resume,
    chunkSize,
    retryDelays: [0],
  });
}

function hooks(signal: AbortSignal, onProgress: (offset: number) => void = () => {}): TransportHooks & { started: number[] } {
  const started: number[] = [];
  return { signal, started, onStart: (o) => started.push(o), onProgress, onRetry: () => {} };
}

async function storedBytes(): Promise<Buffer> {
  const names = (await readdir(store)).filter((n) => !n.endsWith('.json'));
  expect(names).toHaveLength(1);
  return readFile(join(store, names[0]!));
}

describe('TusTransport', () => {
  it('uploads with Supabase headers and metadata, a fresh token per request', async () => {
    const path = join(dir, 'a.mp4');
    const hash = await writeVideo(path, 700_000, 'mp4');
    const resume = ResumeStore.inDir(join(dir, 'state-a'));
    const job: TransportJob = { videoId: 'vid-a', absPath: path, size: 700_000, mtimeMs: 1, objectName: 'u/s/m/vid-a/a.mp4', contentType: 'video/mp4' };
    seen.length = 0;
    const h = hooks(new AbortController().signal);
    const result = await transport(resume).send(job, h);
    expect(result).toEqual({ bytesSent: 700_000, resumedFrom: 0 });
    expect(h.started).toEqual([0]);
    const post = seen.find((r) => r.method === 'POST')!;
    expect(post.headers['x-upsert']).toBe('true');
    expect(post.headers.apikey).toBe('anon-key');
    expect(post.headers.authorization).toMatch(/^Bearer token-\d+$/);
    const meta = Object.fromEntries(
      String(post.headers['upload-metadata'])
        .split(',')
        .map((kv) => kv.split(' '))
        .map(([k, v]) => [k, Buffer.from(v ?? '', 'base64').toString()]),
    );
    expect(meta).toEqual({ bucketName: 'videos', objectName: 'u/s/m/vid-a/a.mp4', contentType: 'video/mp4', cacheControl: '3600' });
    const auths = new Set(seen.map((r) => r.headers.authorization));
    expect(auths.size).toBe(seen.length);
    expect(sha256(await storedBytes())).toBe(hash);
    // The URL stays stored until the queue forgets it (after finish_video).
    expect(await resume.findAllUploads()).toHaveLength(1);
    await transport(resume).forget(job);
    expect(await resume.findAllUploads()).toHaveLength(0);
    await rm(store, { recursive: true, force: true });
  });

  it('resumes an aborted upload from the server offset in a new transport', async () => {
    const path = join(dir, 'b.webm');
    const size = 3 * 1024 * 1024 + 123;
    const hash = await writeVideo(path, size, 'webm');
    const resume = ResumeStore.inDir(join(dir, 'state-b'));
    const job: TransportJob = { videoId: 'vid-b', absPath: path, size, mtimeMs: 2, objectName: 'u/s/m/vid-b/b.webm', contentType: 'video/webm' };

    const controller = new AbortController();
    const first = transport(resume).send(
      job,
      hooks(controller.signal, (offset) => {
        if (offset >= 1024 * 1024) controller.abort();
      }),
    );
    const err = await first.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).aborted).toBe(true);
    expect(await resume.findAllUploads()).toHaveLength(1);

    const h = hooks(new AbortController().signal);
    const second = await transport(resume).send(job, h);
    expect(h.started[0]).toBeGreaterThan(0);
    expect(second.resumedFrom).toBe(h.started[0]);
    expect(second.bytesSent).toBe(size - second.resumedFrom);
    expect(sha256(await storedBytes())).toBe(hash);
    await rm(store, { recursive: true, force: true });
  });

  it('starts afresh for another video id (the fingerprint includes it)', async () => {
    const path = join(dir, 'c.mp4');
    await writeVideo(path, 300_000, 'mp4');
    const resume = ResumeStore.inDir(join(dir, 'state-c'));
    const base = { absPath: path, size: 300_000, mtimeMs: 3, contentType: 'video/mp4' };
    await transport(resume).send({ ...base, videoId: 'one', objectName: 'x/one.mp4' }, hooks(new AbortController().signal));
    const h = hooks(new AbortController().signal);
    await transport(resume).send({ ...base, videoId: 'two', objectName: 'x/two.mp4' }, h);
    expect(h.started).toEqual([0]);
    expect(await resume.findAllUploads()).toHaveLength(2);
  });

  it('fails with the status and server message, no retry on 4xx', async () => {
    const path = join(dir, 'd.mp4');
    await writeVideo(path, 10_000, 'mp4');
    const resume = ResumeStore.inDir(join(dir, 'state-d'));
    seen.length = 0;
    const t = new TusTransport({ projectUrl: `${url}/deny`, apiKey: 'k', accessToken: async () => 't', store: resume, retryDelays: [0, 0] });
    const err = (await t
      .send({ videoId: 'd', absPath: path, size: 10_000, mtimeMs: 4, objectName: 'd.mp4', contentType: 'video/mp4' }, hooks(new AbortController().signal))
      .catch((e: unknown) => e)) as TransportError;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.status).toBe(403);
    expect(err.message).toBe('storage refused the upload (HTTP 403: new row violates row-level security policy)');
    expect(seen.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});

describe('ResumeStore', () => {
  it('keeps every entry when many writers add at once', async () => {
    const path = join(dir, 'state-e', 'uploads.json');
    const a = new ResumeStore(path);
    const b = new ResumeStore(path);
    const upload = { size: 1, metadata: {}, creationTime: new Date().toISOString(), uploadUrl: 'http://x/1', parallelUploadUrls: null };
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).addUpload(`fp${i}`, upload)));
    expect(await a.findAllUploads()).toHaveLength(20);
    expect(await b.findUploadsByFingerprint('fp3')).toHaveLength(1);
    // One live upload per fingerprint.
    await a.addUpload('fp3', { ...upload, uploadUrl: 'http://x/again' });
    const fp3 = await a.findUploadsByFingerprint('fp3');
    expect(fp3.map((u) => u.uploadUrl)).toEqual(['http://x/again']);
    await a.removeUpload(fp3[0]!.urlStorageKey);
    expect(await a.findUploadsByFingerprint('fp3')).toHaveLength(0);
    // fp1 must not match fp10..fp19.
    await a.removeFingerprint('fp1');
    expect(await a.findAllUploads()).toHaveLength(18);
  });

  it('stores only upload URLs (file hashes live in the hash cache)', async () => {
    const path = join(dir, 'state-g', 'uploads.json');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(dir, 'state-g'));
    // A file written when the store also kept hashes: the next write leaves the uploads alone and drops the rest.
    const old = { size: 1, metadata: {}, creationTime: new Date().toISOString(), uploadUrl: 'http://x/old', parallelUploadUrls: null };
    await writeFile(path, JSON.stringify({ version: 1, uploads: { 'tus::old::1': old }, hashes: { '/a.mp4|1|2': { sha256: 'ab'.repeat(32), at: old.creationTime } } }));
    const s = new ResumeStore(path);
    await s.addUpload('fp', { ...old, uploadUrl: 'http://x/new' });
    const saved = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(saved).sort()).toEqual(['uploads', 'version']);
    expect((await s.findAllUploads()).map((u) => u.uploadUrl).sort()).toEqual(['http://x/new', 'http://x/old']);
  });

  it('prunes old entries and survives a damaged file', async () => {
    const path = join(dir, 'state-f', 'uploads.json');
    const s = new ResumeStore(path);
    await s.addUpload('old', { size: 1, metadata: {}, creationTime: new Date(Date.now() - 3 * 86_400_000).toISOString(), uploadUrl: 'u', parallelUploadUrls: null });
    await s.addUpload('new', { size: 1, metadata: {}, creationTime: new Date().toISOString(), uploadUrl: 'u', parallelUploadUrls: null });
    expect(await s.prune(86_400_000)).toBe(1);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, '{not json');
    expect(await s.findAllUploads()).toEqual([]);
  });
});
