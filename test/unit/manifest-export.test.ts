import { describe, expect, it } from 'vitest';
import { manifestOfTree, safeFileName, slugKey } from '../../src/core/export.js';
import { parseManifest, serializeManifest, toDocument } from '../../src/core/manifest.js';
import type { SessionTree, TreeVideo } from '../../src/core/content.js';

let n = 0;
const video = (fileName: string, key: string | null = fileName, status: 'ready' | 'uploading' = 'ready'): TreeVideo => ({
  id: `v${++n}`,
  key,
  file_name: fileName,
  file_size: 100,
  mime_type: 'video/mp4',
  sha256: 'a'.repeat(64),
  status,
  order_index: 0,
  file_url: `u/s/m/v${n}/x.mp4`,
});

const tree = (modules: SessionTree['modules'], key: string | null = 'sql-101'): SessionTree => ({
  id: 's1',
  name: 'Intro to SQL',
  session_type: 'Self-Paced',
  key,
  modules,
});

const mod = (key: string | null, name: string, videos: TreeVideo[]) => ({ id: `m-${name}`, key, name, order_index: 0, videos });

describe('manifestOfTree (export)', () => {
  it('writes keys, names, the type and files under <module key>/<file name>', () => {
    const { document, files, keyNotes, skipped } = manifestOfTree(
      tree([mod('basics', 'Basics', [video('select.mp4'), video('Where clause.mp4', 'where')]), mod('joins', 'Joins', [])]),
    );
    expect(document).toEqual({
      version: 1,
      sessions: [
        {
          key: 'sql-101',
          name: 'Intro to SQL',
          type: 'Self-Paced',
          modules: [
            { key: 'basics', name: 'Basics', videos: [{ file: 'basics/select.mp4' }, { key: 'where', file: 'basics/Where clause.mp4' }] },
            { key: 'joins', name: 'Joins', videos: [] },
          ],
        },
      ],
    });
    expect(files.map((f) => f.relativePath)).toEqual(['basics/select.mp4', 'basics/Where clause.mp4']);
    expect(keyNotes).toEqual([]);
    expect(skipped).toEqual([]);
  });

  it('writes paths through pathOf (relative to the manifest)', () => {
    const { document } = manifestOfTree(tree([mod('a', 'A', [video('x.mp4')])]), (p) => `files/${p}`);
    expect(document.sessions[0]!.modules[0]!.videos).toEqual([{ file: 'files/a/x.mp4' }]);
  });

  it('gives keyless rows keys from their names and says so', () => {
    const { document, keyNotes } = manifestOfTree(tree([mod(null, 'Getting Started!', [video('a.mp4', null)]), mod(null, 'Getting started', [])], null));
    expect(document.sessions[0]!.key).toBe('intro-to-sql');
    expect(document.sessions[0]!.modules.map((m) => m.key)).toEqual(['getting-started', 'getting-started-2']);
    expect(keyNotes).toHaveLength(1);
    expect(keyNotes[0]).toMatch(/^4 rows have no import key/);
  });

  it('leaves out videos whose upload never finished', () => {
    const { document, skipped } = manifestOfTree(tree([mod('a', 'A', [video('done.mp4'), video('half.mp4', 'half.mp4', 'uploading')])]));
    expect(document.sessions[0]!.modules[0]!.videos).toEqual([{ file: 'a/done.mp4' }]);
    expect(skipped).toEqual([{ module: 'a', file_name: 'half.mp4', reason: 'its upload never finished' }]);
  });

  it('keeps two videos with one file name apart, and folders of keys that differ only in case', () => {
    const { files, document } = manifestOfTree(tree([mod('Intro', 'A', [video('clip.mp4', 'one'), video('CLIP.mp4', 'two')]), mod('intro', 'B', [video('x.mp4')])]));
    expect(files.map((f) => f.relativePath)).toEqual(['Intro/clip.mp4', 'Intro/CLIP-2.mp4', 'intro-2/x.mp4']);
    expect(document.sessions[0]!.modules[0]!.videos.map((v) => v.key)).toEqual(['one', 'two']);
  });

  it('reads back as the same manifest', () => {
    const { document } = manifestOfTree(tree([mod('01', 'One', [video('a b.mp4')]), mod('yes', 'Two', [video('007.mp4', '007')])]));
    for (const format of ['yaml', 'json'] as const) {
      const parsed = parseManifest(serializeManifest(document, format), { source: 'course', baseDir: '/x' });
      expect(toDocument(parsed)).toEqual(document);
    }
  });

  it('makes file and key names safe', () => {
    expect(safeFileName('a/b\\c:d*?.mp4')).toBe('a-b-c-d-.mp4');
    expect(safeFileName('..')).toBe('video');
    expect(slugKey('Ünïcode Café', 'x')).toBe('unicode-cafe');
    expect(slugKey('***', 'fallback')).toBe('fallback');
  });
});
