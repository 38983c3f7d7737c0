import { copyFile, mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFile, checkFiles, type UploadLimits } from '../../src/core/upload/checks.js';
import { readVideoMetadata } from '../../src/core/media.js';
import { fixturePath } from '../support/media-files.js';
import { writeVideo, type VideoKind } from '../support/media.js';

const limits: UploadLimits = {
  file_size_limit: null,
  allowed_mime_types: ['video/mp4', 'video/quicktime', 'video/webm', 'video/x-matroska', 'video/x-m4v', 'video/x-msvideo'],
};

let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-checks-'));
  // The file people upload, cut in half: moov (at the end) never arrived.
  await copyFile(fixturePath('lecture.mp4'), at('lecture.mp4'));
  await truncate(at('lecture.mp4'), Math.floor((await stat(at('lecture.mp4'))).size / 2));
  await copyFile(fixturePath('vp9-opus.webm'), at('cut.webm'));
  await truncate(at('cut.webm'), 4000);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the upload checks read the container', () => {
  it.each([
    ['lecture.mp4', 'video/mp4', 2000, '160×90'],
    ['silent.mov', 'video/quicktime', 3000, '176×144'],
    ['clip.m4v', 'video/x-m4v', 2000, '160×90'],
    ['vp9-opus.webm', 'video/webm', 2007, '160×120'],
    ['vp8-vorbis.webm', 'video/webm', 2023, '128×96'],
    ['h264-aac.mkv', 'video/x-matroska', 1046, '192×108'],
  ])('accepts %s (%s) with its duration and frame size', async (name, mime, duration, frame) => {
    const result = await checkFile(fixturePath(name), limits);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.file.mimeType).toBe(mime);
    expect(result.file.media?.duration_ms).toBe(duration);
    expect(`${result.file.media?.width}×${result.file.media?.height}`).toBe(frame);
  });

  it('accepts an AVI without metadata', async () => {
    const result = await checkFile(fixturePath('clip.avi'), limits);
    expect(result).toMatchObject({ ok: true, file: { mimeType: 'video/x-msvideo', media: null } });
  });

  it.each([
    ['lecture.mp4', 'moov box missing'],
    ['cut.webm', 'Segment runs past the end of the file'],
  ])('refuses a truncated %s in one line', async (name, reason) => {
    const result = await checkFile(at(name), limits);
    expect(result).toEqual({ ok: false, file: at(name), reason: `${at(name)}: not a playable video (${reason})` });
  });

  it.each([
    ['audio-only.mp4', 'no video track'],
    ['zero-frames.webm', 'zero duration'],
  ])('refuses %s (%s)', async (name, reason) => {
    const result = await checkFile(fixturePath(name), limits);
    expect(result).toMatchObject({ ok: false, reason: `${fixturePath(name)}: not a playable video (${reason})` });
  });

  it('refuses the bad file and lets the others go on', async () => {
    const results = await checkFiles([fixturePath('faststart.mp4'), at('lecture.mp4'), fixturePath('vp8-vorbis.webm')], limits);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
  });
});

describe('generated test videos', () => {
  it.each(['mp4', 'mov', 'm4v', 'webm', 'mkv'] as VideoKind[])('writeVideo makes a playable %s of the size asked for', async (kind) => {
    for (const size of [1000, 123_457]) {
      const file = at(`gen-${size}.${kind}`);
      await writeVideo(file, size, kind);
      expect((await stat(file)).size).toBe(size);
      const probe = await readVideoMetadata(file, kind === 'webm' || kind === 'mkv' ? 'matroska' : 'isobmff');
      expect(probe).toMatchObject({ ok: true, media: { duration_ms: 100, width: 16, height: 16 } });
    }
  });
});
