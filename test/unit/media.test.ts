import { copyFile, mkdtemp, rm, truncate, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileRangeReader, formatFrameSize, MediaReads, readVideoMetadata, type ContainerFamily } from '../../src/core/media.js';
import { formatClock as formatDuration } from '../../src/base/units.js';
import { fixturePath, padMdat } from '../support/media-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GiB = 1024 ** 3;
const familyOf = (file: string): ContainerFamily => (file.endsWith('.avi') ? 'avi' : /\.(webm|mkv)$/.test(file) ? 'matroska' : 'isobmff');

describe('readVideoMetadata on real files', () => {
  it.each([
    ['lecture.mp4', { duration_ms: 2000, width: 160, height: 90, video_codec: 'h264', audio_codec: 'aac', frame_rate: 10, container: 'MP4' }],
    ['faststart.mp4', { duration_ms: 2000, width: 160, height: 90, video_codec: 'h264', audio_codec: 'aac', frame_rate: 10, container: 'MP4' }],
    ['silent.mov', { duration_ms: 3000, width: 176, height: 144, video_codec: 'h264', audio_codec: null, frame_rate: 15, container: 'QuickTime File Format' }],
    ['clip.m4v', { duration_ms: 2000, width: 160, height: 90, video_codec: 'h264', audio_codec: null, frame_rate: 10, container: 'MP4' }],
    ['vp9-opus.webm', { duration_ms: 2007, width: 160, height: 120, video_codec: 'vp9', audio_codec: 'opus', frame_rate: 10, container: 'WebM' }],
    ['vp8-vorbis.webm', { duration_ms: 2023, width: 128, height: 96, video_codec: 'vp8', audio_codec: 'vorbis', frame_rate: 10, container: 'WebM' }],
    ['h264-aac.mkv', { duration_ms: 1046, width: 192, height: 108, video_codec: 'h264', audio_codec: 'aac', frame_rate: 25, container: 'Matroska' }],
  ])('%s', async (name, expected) => {
    expect(await readVideoMetadata(fixturePath(name), familyOf(name))).toEqual({ ok: true, note: null, media: expected });
  });

  it('accepts AVI without metadata, and says so', async () => {
    expect(await readVideoMetadata(fixturePath('clip.avi'), 'avi')).toEqual({ ok: true, media: null, note: 'duration and frame size are not read from AVI files' });
  });

  it.each([
    ['audio-only.mp4', 'no video track'],
    ['zero-frames.webm', 'zero duration'],
  ])('refuses %s (%s)', async (name, reason) => {
    expect(await readVideoMetadata(fixturePath(name), familyOf(name))).toEqual({ ok: false, reason });
  });
});

describe('truncated copies', () => {
  it.each([
    // moov at the end: a cut-off copy has no index at all
    ['lecture.mp4', 'moov box missing'],
    ['silent.mov', 'moov box missing'],
    ['clip.m4v', 'moov box missing'],
    // moov at the start: the index is whole but points past the end of the file
    ['faststart.mp4', 'mdat box runs past the end of the file'],
    ['vp9-opus.webm', 'Segment runs past the end of the file'],
    ['vp8-vorbis.webm', 'Segment runs past the end of the file'],
    ['h264-aac.mkv', 'Segment runs past the end of the file'],
  ])('refuses half of %s (%s)', async (name, reason) => {
    const cut = join(dir, `half-${name}`);
    await copyFile(fixturePath(name), cut);
    const reader = await FileRangeReader.open(cut);
    const half = Math.floor(reader.size / 2);
    await reader.close();
    await truncate(cut, half);
    expect(await readVideoMetadata(cut, familyOf(name))).toEqual({ ok: false, reason });
  });

  it('refuses an MP4 cut inside its moov box', async () => {
    const cut = join(dir, 'cut-moov.mp4');
    await copyFile(fixturePath('lecture.mp4'), cut);
    const reader = await FileRangeReader.open(cut);
    const size = reader.size;
    await reader.close();
    await truncate(cut, size - 100);
    expect(await readVideoMetadata(cut, 'isobmff')).toEqual({ ok: false, reason: 'moov box runs past the end of the file' });
  });

  it('refuses a file with no container signature where a container was expected', async () => {
    const junk = join(dir, 'junk.mp4');
    await copyFile(fixturePath('clip.avi'), junk);
    expect(await readVideoMetadata(junk, 'isobmff')).toEqual({ ok: false, reason: 'unrecognised container' });
  });
});

describe('reading only headers and indexes', () => {
  it.each([
    ['lecture.mp4', 'at the end'],
    ['faststart.mp4', 'at the start'],
  ])('a 1 GiB copy of %s (moov %s) costs a few reads, not the file', async (name) => {
    const big = join(dir, `big-${name}`);
    const { size, moovAt } = await padMdat(fixturePath(name), big, GiB);
    expect(size).toBeGreaterThan(GiB);
    const reader = await FileRangeReader.open(big);
    try {
      const probe = await readVideoMetadata(big, 'isobmff', reader);
      expect(probe).toEqual({ ok: true, note: null, media: expect.objectContaining({ duration_ms: 2000, width: 160, height: 90, video_codec: 'h264', audio_codec: 'aac' }) });
      if (name === 'lecture.mp4') expect(moovAt).toBeGreaterThan(GiB);
      // The goal is under 2 MiB; the reader asks for little more than the boxes it parses.
      expect(reader.bytesRead).toBeLessThan(512 * 1024);
      expect(reader.reads).toBeLessThan(20);
    } finally {
      await reader.close();
    }
  });
});

describe('formatting', () => {
  it.each([
    [0, '0:00'],
    [499, '0:00'],
    [2_000, '0:02'],
    [754_000, '12:34'],
    [3_723_000, '1:02:03'],
    [null, null],
  ])('formatDuration(%s) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formats a frame size with a multiplication sign', () => {
    expect(formatFrameSize(1920, 1080)).toBe('1920×1080');
    expect(formatFrameSize(null, 1080)).toBeNull();
  });
});

describe('MediaReads: one container read per file and run', () => {
  it('answers the same file from its first read, and reads it again once it changed', async () => {
    const file = join(dir, 'cached.webm');
    await copyFile(fixturePath('vp9-opus.webm'), file);
    const opened = vi.spyOn(FileRangeReader, 'open');
    try {
      const reads = new MediaReads();
      const first = await reads.read(file, 'matroska');
      expect(first).toEqual(await readVideoMetadata(fixturePath('vp9-opus.webm'), 'matroska'));
      opened.mockClear();
      expect(await Promise.all([reads.read(file, 'matroska'), reads.read(file, 'matroska')])).toEqual([first, first]);
      expect(opened).not.toHaveBeenCalled();
      // Another run reads it again.
      await new MediaReads().read(file, 'matroska');
      expect(opened).toHaveBeenCalledTimes(1);
      // A changed file (same path, new mtime and size) is read again, and answers for its new bytes.
      await copyFile(fixturePath('lecture.mp4'), file);
      await utimes(file, new Date(), new Date(Date.now() + 5_000));
      const changed = await reads.read(file, 'isobmff');
      expect(opened).toHaveBeenCalledTimes(2);
      expect(changed).toMatchObject({ ok: true, media: { duration_ms: 2000, container: 'MP4' } });
      // Refusals are kept as well; a file not read for metadata (AVI) opens nothing.
      await truncate(file, 1000);
      const cut = await reads.read(file, 'isobmff');
      expect(cut.ok).toBe(false);
      expect(await reads.read(file, 'isobmff')).toEqual(cut);
      expect(opened).toHaveBeenCalledTimes(3);
      expect(await reads.read(fixturePath('clip.avi'), 'avi')).toMatchObject({ ok: true, media: null });
      expect(opened).toHaveBeenCalledTimes(3);
    } finally {
      opened.mockRestore();
    }
  });
});
