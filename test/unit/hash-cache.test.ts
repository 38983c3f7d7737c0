import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HashCache } from '../../src/core/upload/hash-cache.js';

describe('HashCache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hash-cache-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const id = { size: 10, mtimeMs: 1_000, ctimeMs: 1_000, ino: 7 };

  it('remembers a hash across loads while size, mtime, ctime and inode stay the same', async () => {
    const file = path.join(dir, 'hashes.json');
    const cache = await HashCache.load(file);
    cache.set('/a.mp4', id, 'abc', 10_000);
    await cache.save(10_000);
    const again = await HashCache.load(file);
    expect(again.get('/a.mp4', id)).toBe('abc');
    for (const changed of [{ size: 11 }, { mtimeMs: 1_001 }, { ctimeMs: 2_000 }, { ino: 8 }]) {
      expect(again.get('/a.mp4', { ...id, ...changed })).toBeNull();
    }
    expect(again.get('/b.mp4', id)).toBeNull();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('keeps files changed within two seconds of hashing for this run only', async () => {
    const file = path.join(dir, 'hashes.json');
    const cache = await HashCache.load(file);
    cache.set('/a.mp4', id, 'abc', 2_500);
    cache.set('/b.mp4', id, 'def', 3_001);
    expect(cache.get('/a.mp4', id)).toBe('abc');
    await cache.save(3_001);
    const again = await HashCache.load(file);
    expect(again.get('/a.mp4', id)).toBeNull();
    expect(again.get('/b.mp4', id)).toBe('def');
    // Hashed again once the clock has moved on: saved.
    cache.set('/a.mp4', id, 'abc', 3_001);
    await cache.save(3_001);
    expect((await HashCache.load(file)).get('/a.mp4', id)).toBe('abc');
  });

  it('lives in the state directory, and a save on the way out writes it synchronously', async () => {
    const state = path.join(dir, 'state', 'session');
    const cache = await HashCache.loadFromDir(state);
    expect(cache.path).toBe(path.join(state, 'hashes.json'));
    cache.set('/a.mp4', id, 'abc', 10_000);
    cache.saveSync(10_000);
    expect((await HashCache.loadFromDir(state)).get('/a.mp4', id)).toBe('abc');
    expect((await stat(cache.path)).mode & 0o777).toBe(0o600);
    expect(await readdir(state)).toEqual(['hashes.json']);
  });

  it('starts empty from a damaged file, and drops entries unused for 90 days', async () => {
    const file = path.join(dir, 'hashes.json');
    await writeFile(file, '{not json');
    const cache = await HashCache.load(file);
    expect(cache.size).toBe(0);
    const day = 24 * 3600 * 1000;
    cache.set('/old.mp4', id, 'old', 10_000);
    cache.set('/new.mp4', id, 'new', 80 * day);
    await cache.save(100 * day);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(saved.entries)).toEqual([HashCache.key('/new.mp4', id)]);
  });
});
