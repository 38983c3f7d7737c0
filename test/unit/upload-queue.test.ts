import { mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError, ExitCode } from '../../src/base/errors.js';
import type { UploadLimits } from '../../src/core/upload/checks.js';
import { HashCache } from '../../src/core/upload/hash-cache.js';
import { FileDigest } from '../../src/core/upload/hash.js';
import { exitCodeFor, UploadQueue, type StoredVideo, type UploadBackend, type UploadEvent, type UploadTarget } from '../../src/core/upload/queue.js';
import { TransportError, type TransportHooks, type TransportJob, type UploadTransport } from '../../src/core/upload/transport.js';
import { sha256, writeText, writeVideo } from '../support/media.js';
import { sha256File } from '../../src/core/upload/hash.js';

const limits: UploadLimits = { file_size_limit: 10 * 1024 * 1024, allowed_mime_types: ['video/mp4', 'video/webm'] };

/**
 * The database side, in memory: begin returns the row for the same bytes (or, hash unknown, the
 * unfinished row of the same name and size), finish marks it ready with its hashes.
 */
class MemoryBackend implements UploadBackend {
  rows = new Map<string, UploadTarget & { file_name: string; probe_sha256?: string | null }>();
  calls: string[] = [];
  begins: Array<string | null> = [];
  copies: Array<[string, string]> = [];
  failBegin: unknown[] = [];
  failFinish: unknown[] = [];
  limitCalls = 0;
  private seq = 0;

  async limits(): Promise<UploadLimits> {
    this.limitCalls += 1;
    return limits;
  }
  async begin(req: { moduleId: string; fileName: string; size: number; sha256: string | null; mimeType: string }): Promise<UploadTarget> {
    this.calls.push(`begin ${req.fileName}`);
    this.begins.push(req.sha256);
    const failure = this.failBegin.shift();
    if (failure) throw failure;
    if (req.moduleId === 'not-mine') throw new CliError('not found, or not yours', { code: 'not_found', exitCode: ExitCode.notFound });
    for (const row of this.rows.values()) if (row.module_id === req.moduleId && req.sha256 && row.sha256 === req.sha256) return { ...row };
    for (const row of this.rows.values()) {
      if (row.module_id === req.moduleId && row.status === 'uploading' && row.sha256 === null && row.file_name === req.fileName && row.file_size === req.size) return { ...row };
    }
    const id = `v${++this.seq}`;
    const row = { id, module_id: req.moduleId, file_url: `u/s/${req.moduleId}/${id}/${req.fileName}`, status: 'uploading', sha256: req.sha256, mime_type: req.mimeType, file_size: req.size, file_name: req.fileName, key: null };
    this.rows.set(id, row);
    return { ...row };
  }
  async finish(videoId: string, hashes: { sha256: string; probe: string | null }): Promise<UploadTarget> {
    this.calls.push(`finish ${videoId}`);
    const failure = this.failFinish.shift();
    if (failure) throw failure;
    const row = this.rows.get(videoId)!;
    if (row.sha256 && row.sha256 !== hashes.sha256) throw new CliError('other bytes', { code: 'conflict', exitCode: ExitCode.conflict });
    row.sha256 = hashes.sha256;
    row.probe_sha256 = hashes.probe ?? row.probe_sha256 ?? null;
    row.status = 'ready';
    return { ...row };
  }
  async storedLike(sizes: number[]): Promise<StoredVideo[]> {
    return [...this.rows.values()]
      .filter((r) => r.status === 'ready' && sizes.includes(r.file_size!))
      .map((r) => ({ id: r.id, module_id: r.module_id, file_size: r.file_size!, sha256: r.sha256!, probe_sha256: r.probe_sha256 ?? null, file_url: r.file_url }));
  }
  async copy(from: string, to: string): Promise<void> {
    this.copies.push([from, to]);
  }
}

/**
 * A tus server and resume store in memory: offsets survive "runs", a failure can cut a send.
 * Asked to hash, it feeds the bytes it "sends" (read once from the file) to a FileDigest, the
 * part the server already has first, as the tus transport does.
 */
class MemoryTransport implements UploadTransport {
  offsets = new Map<string, number>();
  sent = new Map<string, number>();
  forgotten: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  cutAt: number | null = null;
  failWith: TransportError | null = null;
  stepDelayMs = 1;
  /** When set, every send waits for it after counting itself in flight. */
  gate: Promise<void> | null = null;

  async send(job: TransportJob, hooks: TransportHooks) {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate) await this.gate;
      const bytes = await readFile(job.absPath);
      const digest = new FileDigest(job.size);
      const from = this.offsets.get(job.videoId) ?? 0;
      if (job.hash) digest.add(bytes.subarray(0, from), 0);
      hooks.onStart(from);
      if (this.failWith) throw this.failWith;
      let offset = from;
      const step = 256 * 1024;
      while (offset < job.size) {
        if (hooks.signal.aborted) throw new TransportError('interrupted', { aborted: true, bytesSent: offset - from });
        if (this.cutAt !== null && offset >= this.cutAt) throw new TransportError('connection reset', { bytesSent: offset - from });
        await new Promise((r) => setTimeout(r, this.stepDelayMs));
        const next = Math.min(job.size, offset + step);
        if (job.hash) digest.add(bytes.subarray(offset, next), offset);
        this.sent.set(job.videoId, (this.sent.get(job.videoId) ?? 0) + (next - offset));
        offset = next;
        this.offsets.set(job.videoId, offset);
        hooks.onProgress(offset, job.size);
      }
      return { bytesSent: job.size - from, resumedFrom: from, ...(job.hash ? { digest: digest.digest() } : {}) };
    } finally {
      this.inFlight -= 1;
    }
  }
  async forget(job: TransportJob) {
    this.forgotten.push(job.videoId);
    this.offsets.delete(job.videoId);
  }
}

let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upload-queue-'));
  for (let i = 1; i <= 6; i++) await writeVideo(at(`c${i}.mp4`), 600_000 + i, 'mp4');
  await writeVideo(at('big.webm'), 2 * 1024 * 1024, 'webm');
  await writeText(at('notes.txt'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function queue(backend: MemoryBackend, transport: MemoryTransport, extra: Partial<ConstructorParameters<typeof UploadQueue>[0]> = {}) {
  return new UploadQueue({ backend, transport, concurrency: 3, retryDelays: [0, 0], ...extra });
}

describe('UploadQueue', () => {
  it('uploads valid files, refuses bad ones without touching the server, keeps input order', async () => {
    const backend = new MemoryBackend();
    const transport = new MemoryTransport();
    const events: UploadEvent[] = [];
    const report = await queue(backend, transport, { onEvent: (e) => events.push(e) }).run([
      { moduleId: 'm1', path: at('c1.mp4') },
      { moduleId: 'm1', path: at('notes.txt') },
      { moduleId: 'm1', path: at('missing.mp4') },
      { moduleId: 'm1', path: at('c2.mp4') },
    ]);
    expect(report.files.map((f) => f.status)).toEqual(['uploaded', 'refused', 'refused', 'uploaded']);
    expect(report.files[0]!.bytes_sent).toBe(600_001);
    expect(report.files[1]!.error).toMatch(/notes\.txt: not a video \(text\/plain\); allowed: mp4, webm/);
    expect(backend.limitCalls).toBe(1);
    expect(backend.calls.filter((c) => c.startsWith('begin'))).toHaveLength(2);
    expect([...backend.rows.values()].every((r) => r.status === 'ready')).toBe(true);
    expect(transport.forgotten).toHaveLength(2);
    expect(exitCodeFor(report)).toBe(ExitCode.partial);
    // Refusals come before any file starts; a first upload hashes as it sends: no separate pass.
    expect(events.some((e) => e.type === 'hashing')).toBe(false);
    expect([...backend.rows.values()].map((r) => r.sha256)).toEqual([await sha256File(at('c1.mp4')), await sha256File(at('c2.mp4'))]);
    const firstStart = events.findIndex((e) => e.type === 'started');
    const lastRefusal = events.map((e) => e.type).lastIndexOf('refused');
    expect(lastRefusal).toBeLessThan(firstStart);
  });

  it('reports the same bytes as unchanged and sends nothing', async () => {
    const backend = new MemoryBackend();
    const transport = new MemoryTransport();
    await queue(backend, transport).run([{ moduleId: 'm1', path: at('c3.mp4') }]);
    const before = [...transport.sent.values()].reduce((a, b) => a + b, 0);
    const again = await queue(backend, transport).run([{ moduleId: 'm1', path: at('c3.mp4') }]);
    expect(again.files[0]).toMatchObject({ status: 'unchanged', bytes_sent: 0 });
    expect([...transport.sent.values()].reduce((a, b) => a + b, 0)).toBe(before);
    expect(exitCodeFor(again)).toBe(ExitCode.ok);
  });

  it('uploads identical files in one module once (the second is unchanged)', async () => {
    const backend = new MemoryBackend();
    const transport = new MemoryTransport();
    const { copyFile } = await import('node:fs/promises');
    await copyFile(at('c4.mp4'), at('c4-copy.mp4'));
    const report = await queue(backend, transport).run([
      { moduleId: 'm1', path: at('c4.mp4') },
      { moduleId: 'm1', path: at('c4-copy.mp4') },
    ]);
    expect(report.files.map((f) => f.status).sort()).toEqual(['unchanged', 'uploaded']);
    expect(backend.rows.size).toBe(1);
  });

  it('begins rows in the order the files were given, whichever hashes first', async () => {
    const backend = new MemoryBackend();
    const report = await queue(backend, new MemoryTransport()).run([
      { moduleId: 'm5', path: at('big.webm') },
      { moduleId: 'm5', path: at('c1.mp4') },
      { moduleId: 'm5', path: at('notes.txt') },
      { moduleId: 'm5', path: at('c2.mp4') },
    ]);
    expect(report.files.map((f) => f.status)).toEqual(['uploaded', 'uploaded', 'refused', 'uploaded']);
    expect(backend.calls.filter((c) => c.startsWith('begin'))).toEqual(['begin big.webm', 'begin c1.mp4', 'begin c2.mp4']);
  });

  it('keeps to the concurrency limit', async () => {
    const backend = new MemoryBackend();
    const transport = new MemoryTransport();
    let open: () => void = () => undefined;
    transport.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const inputs = [1, 2, 3, 4, 5, 6].map((i) => ({ moduleId: 'm2', path: at(`c${i}.mp4`) }));
    const running = queue(backend, transport, { concurrency: 2 }).run(inputs);
    // Held at the gate, the queue fills both slots (observed, not waited for by the clock)...
    while (transport.inFlight < 2) await new Promise((resolve) => setImmediate(resolve));
    open();
    const report = await running;
    expect(report.files.every((f) => f.status === 'uploaded')).toBe(true);
    // ...and never more than both, over the whole run.
    expect(transport.maxInFlight).toBe(2);
  });

  it('retries transient begin and finish errors, not a not-found', async () => {
    const backend = new MemoryBackend();
    const transport = new MemoryTransport();
    const transient = new CliError('cannot reach http://127.0.0.1:1', { code: 'network', exitCode: ExitCode.failure });
    backend.failBegin.push(transient);
    backend.failFinish.push(transient);
    const retries: UploadEvent[] = [];
    const report = await queue(backend, transport, { onEvent: (e) => e.type === 'retry' && retries.push(e) }).run([{ moduleId: 'm1', path: at('c5.mp4') }]);
    expect(report.files[0]!.status).toBe('uploaded');
    expect(retries).toHaveLength(2);

    const denied = await queue(new MemoryBackend(), new MemoryTransport()).run([{ moduleId: 'not-mine', path: at('c5.mp4') }]);
    expect(denied.files[0]).toMatchObject({ status: 'failed', error: 'not found, or not yours' });
    expect(exitCodeFor(denied)).toBe(ExitCode.notFound);
  });

  it('gives up after the last retry and reports the failure', async () => {
    const backend = new MemoryBackend();
    const transient = new CliError('server error', { code: 'server_error', exitCode: ExitCode.failure });
    backend.failFinish.push(transient, transient, transient);
    const report = await queue(backend, new MemoryTransport()).run([{ moduleId: 'm1', path: at('c6.mp4') }]);
    expect(report.files[0]).toMatchObject({ status: 'failed', error: 'server error' });
    expect(report.files[0]!.bytes_sent).toBe(600_006);
  });

  it('resumes a cut transfer on the next run, sending only the rest', async () => {
    const backend = new MemoryBackend();
    const transport = new MemoryTransport();
    transport.cutAt = 1024 * 1024;
    const first = await queue(backend, transport).run([{ moduleId: 'm3', path: at('big.webm') }]);
    expect(first.files[0]).toMatchObject({ status: 'failed', error: 'connection reset', bytes_sent: 1024 * 1024 });
    transport.cutAt = null;
    const second = await queue(backend, transport).run([{ moduleId: 'm3', path: at('big.webm') }]);
    expect(second.files[0]).toMatchObject({ status: 'uploaded', bytes_sent: 1024 * 1024 });
    expect(second.files[0]!.video_id).toBe(first.files[0]!.video_id);
  });

  it('stops on abort: unfinished files fail as interrupted, nothing is forgotten', async () => {
    const backend = new MemoryBackend();
    const transport = new MemoryTransport();
    transport.stepDelayMs = 20;
    const controller = new AbortController();
    const run = queue(backend, transport, { signal: controller.signal, concurrency: 1, onEvent: (e) => e.type === 'progress' && controller.abort() }).run([
      { moduleId: 'm4', path: at('big.webm') },
      { moduleId: 'm4', path: at('c1.mp4') },
    ]);
    const report = await run;
    expect(report.interrupted).toBe(true);
    expect(report.files.map((f) => f.status)).toEqual(['failed', 'failed']);
    expect(report.files[0]!.error).toMatch(/interrupted/);
    expect(transport.forgotten).toHaveLength(0);
    expect(exitCodeFor(report)).toBe(ExitCode.interrupted);
    expect(backend.calls.filter((c) => c.startsWith('begin'))).toHaveLength(1);
  });

  it('sends the bytes of rows begun elsewhere (an import) and checks their hash', async () => {
    const backend = new MemoryBackend();
    const transport = new MemoryTransport();
    const { sha256File } = await import('../../src/core/upload/hash.js');
    const sha = await sha256File(at('c2.mp4'));
    const row: UploadTarget = { id: 'imported-1', module_id: 'm9', file_url: 'u/s/m9/imported-1/c2.mp4', status: 'uploading', sha256: sha, mime_type: 'video/mp4', key: 'intro' };
    backend.rows.set(row.id, { ...row, file_name: 'c2.mp4' });
    const report = await queue(backend, transport).run([
      { video: row, path: at('c2.mp4') },
      { video: { ...row, id: 'imported-2', sha256: 'f'.repeat(64) }, path: at('c2.mp4') },
    ]);
    expect(report.files[0]).toMatchObject({ status: 'uploaded', video_id: 'imported-1', key: 'intro' });
    expect(report.files[1]).toMatchObject({ status: 'failed' });
    expect(report.files[1]!.error).toMatch(/changed since its video row was created/);
    expect(backend.calls.some((c) => c.startsWith('begin'))).toBe(false);
  });

  it('learns the sha256 from the sending read; with the hash cache a later run knows it before begin_video', async () => {
    const hashCache = await HashCache.loadFromDir(at('state-hashes'));
    const inputs = [1, 2, 3].map((i) => ({ moduleId: 'm6', path: at(`c${i}.mp4`) }));
    const hashing: string[] = [];
    const first = new MemoryBackend();
    await queue(first, new MemoryTransport(), { concurrency: 1, hashCache, onEvent: (e) => e.type === 'hashing' && hashing.push(e.file) }).run(inputs);
    expect(hashing).toEqual([]);
    expect(first.begins).toEqual([null, null, null]);
    expect(hashCache.size).toBe(3);
    const again = new MemoryBackend();
    const report = await queue(again, new MemoryTransport(), { hashCache, onEvent: (e) => e.type === 'hashing' && hashing.push(e.file) }).run(inputs);
    expect(report.files.every((f) => f.status === 'uploaded')).toBe(true);
    expect(hashing).toEqual([]);
    expect(again.begins).toEqual(await Promise.all(inputs.map((i) => sha256File(i.path))));
  });

  it('remembers hashes on disk for the next run, keyed by path, size, mtime, ctime and inode', async () => {
    const inputs = [4, 5].map((i) => ({ moduleId: 'm7', path: at(`c${i}.mp4`) }));
    // Hashed well after the files last changed, so the entries are worth saving.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 60_000);
      const first = await HashCache.loadFromDir(at('state-disk'));
      const report = await queue(new MemoryBackend(), new MemoryTransport(), { hashCache: first }).run(inputs);
      await first.save();

      const second = await HashCache.loadFromDir(at('state-disk'));
      const known = new MemoryBackend();
      const repeat = await queue(known, new MemoryTransport(), { hashCache: second }).run(inputs);
      expect(known.begins).toEqual(report.files.map((f) => f.sha256));
      expect(repeat.files.map((f) => f.sha256)).toEqual(await Promise.all(inputs.map(async (i) => sha256(await readFile(i.path)))));

      // A touched file is not known any more: its hash comes from the upload again.
      await utimes(inputs[0]!.path, new Date(), new Date());
      const touched = new MemoryBackend();
      await queue(touched, new MemoryTransport(), { hashCache: second }).run(inputs);
      expect(touched.begins).toEqual([null, report.files[1]!.sha256]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('copies bytes stored in another module on the server instead of sending them', async () => {
    const backend = new MemoryBackend();
    const transport = new MemoryTransport();
    await queue(backend, transport).run([{ moduleId: 'm10', path: at('c6.mp4') }]);
    const sentBefore = [...transport.sent.values()].reduce((a, b) => a + b, 0);
    const hashing: string[] = [];
    const report = await queue(backend, transport, { onEvent: (e) => e.type === 'hashing' && hashing.push(e.file) }).run([{ moduleId: 'm11', path: at('c6.mp4') }]);
    expect(report.files[0]).toMatchObject({ status: 'copied', bytes_sent: 0, sha256: await sha256File(at('c6.mp4')) });
    // Found by size and probe, confirmed by a full hash, then copied: not one byte sent.
    expect(hashing).toEqual([at('c6.mp4')]);
    expect([...transport.sent.values()].reduce((a, b) => a + b, 0)).toBe(sentBefore);
    expect(backend.copies).toEqual([[`u/s/m10/v1/c6.mp4`, `u/s/m11/v2/c6.mp4`]]);
    expect(backend.rows.get('v2')).toMatchObject({ status: 'ready', sha256: await sha256File(at('c6.mp4')) });
  });

  it('returns an empty report for no input, without calling the server', async () => {
    const backend = new MemoryBackend();
    expect(await queue(backend, new MemoryTransport()).run([])).toEqual({ files: [], interrupted: false });
    expect(backend.limitCalls).toBe(0);
  });
});
