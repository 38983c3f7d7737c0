import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedSpelling, checkFile, checkFiles, describeAllowed, type UploadLimits } from '../../src/core/upload/checks.js';
import { sha256File } from '../../src/core/upload/hash.js';
import { writeText, writeVideo } from '../support/media.js';
import { VIDEO_MIME_TYPES } from '../../src/base/constants.js';

const limits: UploadLimits = {
  file_size_limit: 1024 * 1024,
  allowed_mime_types: [...VIDEO_MIME_TYPES],
};

let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upload-checks-'));
  await writeVideo(at('clip.mp4'), 50_000, 'mp4');
  await writeVideo(at('clip.mov'), 50_000, 'mov');
  await writeVideo(at('clip.m4v'), 50_000, 'm4v');
  await writeVideo(at('clip.webm'), 50_000, 'webm');
  await writeVideo(at('clip.mkv'), 50_000, 'mkv');
  await writeVideo(at('UPPER.MP4'), 50_000, 'mp4');
  await writeVideo(at('webm-named.mp4'), 50_000, 'webm');
  await writeVideo(at('big.mp4'), 1024 * 1024 + 1, 'mp4');
  await writeText(at('notes.txt'));
  await writeText(at('renamed.mp4'), 'hello, I am text pretending to be a video\n'.repeat(100));
  await writeText(at('empty.mp4'), '');
  await writeVideo(at('noext'), 50_000, 'mp4');
  await mkdir(at('folder.mp4'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkFile', () => {
  it.each([
    ['clip.mp4', 'video/mp4'],
    ['clip.mov', 'video/quicktime'],
    ['clip.m4v', 'video/x-m4v'],
    ['clip.webm', 'video/webm'],
    ['clip.mkv', 'video/x-matroska'],
    ['UPPER.MP4', 'video/mp4'],
  ])('accepts %s as %s', async (name, mime) => {
    const result = await checkFile(at(name), limits);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.file.mimeType).toBe(mime);
      expect(result.file.size).toBeGreaterThan(0);
      expect(result.file.name).toBe(name);
    }
  });

  it.each([
    ['missing.mp4', /missing\.mp4: no such file$/],
    ['folder.mp4', /folder\.mp4: is a directory/],
    ['notes.txt', /notes\.txt: not a video \(text\/plain\); allowed: mp4, mov, webm, mkv, m4v, avi$/],
    ['renamed.mp4', /renamed\.mp4: not a video: its contents are not mp4/],
    ['empty.mp4', /empty\.mp4: empty file \(0 bytes\)$/],
    ['big.mp4', /big\.mp4: 1048577 bytes is over the upload limit of 1048576 bytes$/],
    ['noext', /noext: not a video \(no extension\)/],
  ])('refuses %s with one line', async (name, reason) => {
    const result = await checkFile(at(name), limits);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
      expect(result.reason).not.toContain('\n');
    }
  });

  it('refuses a file whose signature is another container than its extension says', async () => {
    const result = await checkFile(at('webm-named.mp4'), limits);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('its contents are video/webm, not mp4');
  });

  it('refuses a type the bucket does not list', async () => {
    const result = await checkFile(at('clip.mkv'), { file_size_limit: null, allowed_mime_types: ['video/mp4'] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/clip\.mkv: not a video \(video\/x-matroska\); allowed: mp4$/);
  });

  it('refuses an unreadable file', async () => {
    if (process.getuid?.() === 0) return; // root reads everything
    await writeVideo(at('locked.mp4'), 1000, 'mp4');
    await chmod(at('locked.mp4'), 0o000);
    const result = await checkFile(at('locked.mp4'), limits);
    expect(result.ok).toBe(false);
  });

  it('keeps the order given when checking many files', async () => {
    const results = await checkFiles([at('clip.mp4'), at('notes.txt'), at('clip.webm')], limits);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
  });
});

describe('MIME lists', () => {
  it('matches aliases and wildcards', () => {
    expect(allowedSpelling('video/x-msvideo', ['video/avi'])).toBe('video/avi');
    expect(allowedSpelling('video/webm', ['video/*'])).toBe('video/webm');
    expect(allowedSpelling('text/plain', ['video/*'])).toBeNull();
    expect(allowedSpelling('video/mp4', null)).toBe('video/mp4');
    expect(allowedSpelling('text/plain', null)).toBeNull();
  });

  it('names allowed types by the extensions people know', async () => {
    expect(await describeAllowed(limits.allowed_mime_types)).toBe('mp4, mov, webm, mkv, m4v, avi');
  });
});

describe('sha256File', () => {
  it('hashes what writeVideo wrote', async () => {
    const expected = await writeVideo(at('hashme.webm'), 3 * 1024 * 1024 + 17, 'webm');
    expect(await sha256File(at('hashme.webm'))).toBe(expected);
  });
});
