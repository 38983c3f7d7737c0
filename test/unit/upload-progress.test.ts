import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IO } from '../../src/base/io.js';
import { bar, createUploadProgress, formatEta, LineProgress } from '../../src/ui/progress.js';
import type { UploadFileReport } from '../../src/core/upload/queue.js';

function capture(isTTY = false): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream, text: () => text };
}

const report = (fields: Partial<UploadFileReport>): UploadFileReport => ({
  file: 'clip.mp4',
  status: 'uploaded',
  video_id: 'v1',
  bytes_sent: 0,
  error: null,
  module_id: 'm1',
  key: null,
  size: null,
  sha256: null,
  ...fields,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('LineProgress (piped stderr, CI)', () => {
  it('prints start, 25 % steps, retries and the end, with no escape codes', () => {
    const err = capture();
    const io = new IO({ stderr: err.stream, stdout: capture().stream, env: {} });
    let now = 0;
    const p = new LineProgress(io, { concurrency: 1, now: () => now });
    const MiB = 1024 * 1024;
    p.onEvent({ type: 'refused', index: 1, file: 'notes.txt', reason: 'notes.txt: not a video (text/plain); allowed: mp4' });
    p.onEvent({ type: 'queued', index: 0, file: 'clip.mp4', size: 60 * MiB });
    p.onEvent({ type: 'hashing', index: 0, file: 'clip.mp4', size: 60 * MiB });
    p.onEvent({ type: 'started', index: 0, file: 'clip.mp4', size: 60 * MiB, resumedFrom: 0, videoId: 'v1' });
    for (let mb = 6; mb <= 60; mb += 6) {
      now += 500;
      p.onEvent({ type: 'progress', index: 0, file: 'clip.mp4', offset: mb * MiB, size: 60 * MiB });
    }
    p.onEvent({ type: 'retry', index: 0, file: 'clip.mp4', attempt: 1, maxAttempts: 3, delayMs: 3000, reason: 'server error' });
    p.onEvent({ type: 'finished', index: 0, report: report({ bytes_sent: 60 * MiB, size: 60 * MiB }) });
    void p.stop();
    const lines = err.text().trimEnd().split('\n');
    expect(lines).toEqual([
      'notes.txt: not a video (text/plain); allowed: mp4',
      'clip.mp4: uploading 60.0 MiB',
      'clip.mp4: 25% (18.0 MiB of 60.0 MiB)',
      'clip.mp4: 50% (30.0 MiB of 60.0 MiB)',
      'clip.mp4: 75% (48.0 MiB of 60.0 MiB)',
      'clip.mp4: retry 1/3 in 3s: server error',
      'clip.mp4: uploaded 60.0 MiB in 5s (12.0 MiB/s)',
    ]);
    expect(err.text()).not.toMatch(/\u001b/);
  });

  it('says when it resumes, and prints a heartbeat every 10 s while busy', () => {
    vi.useFakeTimers();
    const err = capture();
    const io = new IO({ stderr: err.stream, stdout: capture().stream, env: {} });
    const p = new LineProgress(io, { concurrency: 2 });
    p.onEvent({ type: 'queued', index: 0, file: 'a.mp4', size: 100 });
    p.onEvent({ type: 'queued', index: 1, file: 'b.mp4', size: 100 });
    p.onEvent({ type: 'hashing', index: 0, file: 'a.mp4', size: 100 });
    p.onEvent({ type: 'started', index: 0, file: 'a.mp4', size: 100, resumedFrom: 40, videoId: 'v' });
    vi.advanceTimersByTime(10_000);
    p.onEvent({ type: 'finished', index: 0, report: report({ file: 'a.mp4', bytes_sent: 60 }) });
    p.onEvent({ type: 'finished', index: 1, report: report({ file: 'b.mp4', status: 'failed', error: 'storage refused the upload (HTTP 403)' }) });
    vi.advanceTimersByTime(30_000);
    void p.stop();
    const lines = err.text().trimEnd().split('\n');
    expect(lines[0]).toBe('a.mp4: resuming at 40 B of 100 B');
    expect(lines[1]).toBe('uploading: 0/2 files done, 40 B of 200 B');
    expect(lines[2]).toMatch(/^a\.mp4: uploaded 60 B in /);
    expect(lines[3]).toBe('b.mp4: failed: storage refused the upload (HTTP 403)');
    expect(lines).toHaveLength(4);
  });

  it('with --quiet prints only refusals and failures', async () => {
    const err = capture(true);
    const io = new IO({ stderr: err.stream, stdout: capture().stream, env: {}, quiet: true });
    const p = await createUploadProgress(io, { concurrency: 1 });
    p.onEvent({ type: 'refused', index: 0, file: 'x.txt', reason: 'x.txt: not a video' });
    p.onEvent({ type: 'queued', index: 1, file: 'a.mp4', size: 10 });
    p.onEvent({ type: 'finished', index: 1, report: report({ file: 'a.mp4' }) });
    p.onEvent({ type: 'finished', index: 2, report: report({ file: 'b.mp4', status: 'failed', error: 'boom' }) });
    await p.stop();
    expect(err.text()).toBe('x.txt: not a video\nb.mp4: failed: boom\n');
  });
});

describe('bar pieces', () => {
  it('formats ETA as a clock and fills bars', () => {
    expect(formatEta(31_000)).toBe('0:31');
    expect(formatEta(3_723_000)).toBe('1:02:03');
    expect(formatEta(null)).toBe('-:--');
    expect(bar(0.5, 10)).toBe('█████░░░░░');
    expect(bar(2, 4)).toBe('████');
  });
});
