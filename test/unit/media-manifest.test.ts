import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOfTree } from '../../src/core/export.js';
import { ManifestError, parseManifest, serializeManifest, toDocument } from '../../src/core/manifest.js';
import { importLength } from '../../src/core/media-plan.js';
import type { SessionTree } from '../../src/core/content.js';
import { fixturePath } from '../support/media-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-manifest-'));
  await copyFile(fixturePath('lecture.mp4'), join(dir, 'lecture.mp4'));
  await copyFile(fixturePath('h264-aac.mkv'), join(dir, 'demo.mkv'));
  await copyFile(fixturePath('clip.avi'), join(dir, 'old.avi'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const manifest = (durations: Record<string, unknown>) => {
  const lines = ['key: c', 'name: C', 'modules:', '  - key: m', '    name: M', '    videos:'];
  for (const file of ['lecture.mp4', 'demo.mkv', 'old.avi']) {
    lines.push(`      - file: ${file}`);
    if (file in durations) lines.push(`        duration_ms: ${durations[file]}`);
  }
  return parseManifest(`${lines.join('\n')}\n`, { source: 'course.yaml', baseDir: dir });
};

describe('duration_ms in the manifest', () => {
  it('is read, kept by toDocument, and written back', () => {
    const m = manifest({ 'lecture.mp4': 2000 });
    expect(m.sessions[0]!.modules[0]!.videos.map((v) => v.durationMs)).toEqual([2000, null, null]);
    const doc = toDocument(m);
    expect(doc.sessions[0]!.modules[0]!.videos[0]).toEqual({ file: 'lecture.mp4', duration_ms: 2000 });
    expect(serializeManifest(doc, 'yaml')).toContain('duration_ms: 2000');
  });

  it.each([['-1'], ['1.5'], ['"two seconds"']])('refuses duration_ms: %s with its line', (value) => {
    expect(() => manifest({ 'lecture.mp4': value })).toThrow(/course\.yaml:8: modules\[0\]\.videos\[0\]\.duration_ms: must be a whole number of milliseconds/);
  });

  it('is written by export for videos whose length is known', () => {
    const video = (id: string, file_name: string, duration_ms: number | null) => ({
      id, key: file_name, file_name, file_size: 10, mime_type: 'video/mp4', sha256: 'a'.repeat(64), status: 'ready' as const, order_index: 0, file_url: `u/s/m/${id}/x`, duration_ms,
    });
    const tree: SessionTree = {
      id: 's', name: 'C', session_type: 'Linear Flow', key: 'c', duration_ms: 2000,
      modules: [{ id: 'm', name: 'M', key: 'm', order_index: 0, duration_ms: 2000, videos: [video('v1', 'lecture.mp4', 2000), video('v2', 'old.avi', null)] }],
    };
    expect(manifestOfTree(tree).document.sessions[0]!.modules[0]!.videos).toEqual([{ file: 'm/lecture.mp4', duration_ms: 2000 }, { file: 'm/old.avi' }]);
  });
});

describe('importLength', () => {
  it('sums the files to upload whose length is known', async () => {
    const videos = manifest({}).sessions[0]!.modules[0]!.videos;
    expect(await importLength(videos, videos)).toBe(2000 + 1046);
    expect(await importLength(videos, [videos[2]!])).toBeNull();
    expect(await importLength(videos, [])).toBeNull();
  });

  it('accepts stated durations that match (within 50 ms) and refuses one that does not, naming its line', async () => {
    const ok = manifest({ 'lecture.mp4': 2040, 'demo.mkv': 1046 }).sessions[0]!.modules[0]!.videos;
    expect(await importLength(ok, [])).toBeNull();
    const wrong = manifest({ 'lecture.mp4': 2000, 'demo.mkv': 5000 }).sessions[0]!.modules[0]!.videos;
    const err = await importLength(wrong, wrong).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as ManifestError).message).toBe('course.yaml:9: modules[0].videos[1].file: demo.mkv lasts 1046 ms (0:01), not the 5000 ms the manifest states');
    expect((err as ManifestError).exitCode).toBe(2);
  });
});
