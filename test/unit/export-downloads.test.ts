// `export --with-files` checks files already in the folder by sha256; the hash cache spares reading them.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Api } from '../../src/core/api.js';
import type { TreeVideo } from '../../src/core/content.js';
import { downloadFiles, type ExportedFile } from '../../src/core/export.js';
import { HashCache } from '../../src/core/upload/hash-cache.js';

// Nothing here is downloaded: a request would go to a closed port and fail the export.
const api = { config: { url: 'http://127.0.0.1:9', anonKey: 'anon' }, identity: { accessToken: async () => 'token' } } as unknown as Api;
const io = { debug: () => undefined };

let dir: string;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function exported(bytes: Buffer, sha256: string): ExportedFile {
  const video = { id: 'v1', key: 'a.mp4', file_name: 'a.mp4', file_size: bytes.length, mime_type: 'video/mp4', sha256, status: 'ready', order_index: 0, file_url: 'u/s/m/v1/a.mp4' } as TreeVideo;
  return { video, manifestPath: 'm/a.mp4', relativePath: 'm/a.mp4' };
}

describe('downloadFiles with a hash cache', () => {
  it('hashes a file already there once and remembers it', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'export-dl-'));
    const bytes = Buffer.from('the same bytes as the stored video');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const dest = path.join(dir, 'm', 'a.mp4');
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFile(dest, bytes);
    const cache = await HashCache.load(path.join(dir, 'hashes.json'));

    const stats = await downloadFiles(api, io, [exported(bytes, sha)], dir, undefined, cache);
    expect(stats).toEqual({ downloaded: 0, unchanged: 1, bytes: 0 });
    expect(cache.get(dest, await stat(dest))).toBe(sha);
  });

  it('takes the sha256 the cache knows for an unchanged file instead of reading it', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'export-dl-'));
    const bytes = Buffer.from('bytes the cache says hash to the stored sha256');
    const stored = 'b'.repeat(64);
    const dest = path.join(dir, 'm', 'a.mp4');
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFile(dest, bytes);
    const cache = await HashCache.load(path.join(dir, 'hashes.json'));
    cache.set(dest, await stat(dest), stored);

    const stats = await downloadFiles(api, io, [exported(bytes, stored)], dir, undefined, cache);
    expect(stats).toEqual({ downloaded: 0, unchanged: 1, bytes: 0 });
  });
});
