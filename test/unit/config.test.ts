import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadProjectConfig } from '../../src/config/project.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sessionrc-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const rc = {
  url: 'https://top.supabase.co/',
  anon_key: 'top-key',
  profiles: { staging: { url: 'https://staging.supabase.co', anon_key: 'staging-key' } },
};

describe('.sessionrc discovery', () => {
  it('finds the file in a parent folder, several levels up', async () => {
    await writeFile(path.join(root, '.sessionrc'), JSON.stringify(rc));
    const deep = path.join(root, 'course', 'week-1', 'videos');
    await mkdir(deep, { recursive: true });
    const config = await loadProjectConfig({ env: {}, cwd: deep });
    expect(config).toEqual({ url: 'https://top.supabase.co', anonKey: 'top-key', profile: 'default', source: 'file', file: path.join(root, '.sessionrc'), concurrency: null });
  });

  it('prefers the nearest file', async () => {
    await writeFile(path.join(root, '.sessionrc'), JSON.stringify(rc));
    const inner = path.join(root, 'inner');
    await mkdir(inner);
    await writeFile(path.join(inner, '.sessionrc.yaml'), 'url: https://inner.supabase.co\nanon_key: inner-key\n');
    expect((await loadProjectConfig({ env: {}, cwd: inner })).url).toBe('https://inner.supabase.co');
  });

  it('--profile selects a profile section; SESSION_PROFILE does too; the flag wins', async () => {
    await writeFile(path.join(root, '.sessionrc'), JSON.stringify(rc));
    expect(await loadProjectConfig({ env: {}, cwd: root, profile: 'staging' })).toMatchObject({ url: 'https://staging.supabase.co', anonKey: 'staging-key', profile: 'staging' });
    expect(await loadProjectConfig({ env: { SESSION_PROFILE: 'staging' }, cwd: root })).toMatchObject({ profile: 'staging' });
    expect(await loadProjectConfig({ env: { SESSION_PROFILE: 'staging' }, cwd: root, profile: 'default' })).toMatchObject({ profile: 'default', url: 'https://top.supabase.co' });
  });

  it('an unknown profile is exit 2 listing the known ones', async () => {
    await writeFile(path.join(root, '.sessionrc'), JSON.stringify(rc));
    await expect(loadProjectConfig({ env: {}, cwd: root, profile: 'prod' })).rejects.toMatchObject({ exitCode: 2, hint: expect.stringContaining('staging') });
  });

  it('SUPABASE_URL and SUPABASE_ANON_KEY beat the file', async () => {
    await writeFile(path.join(root, '.sessionrc'), JSON.stringify(rc));
    const config = await loadProjectConfig({ env: { SUPABASE_URL: 'http://127.0.0.1:54321', SUPABASE_ANON_KEY: 'env-key' }, cwd: root });
    expect(config).toMatchObject({ url: 'http://127.0.0.1:54321', anonKey: 'env-key', source: 'env' });
  });

  it('concurrency comes from the profile, then the top level, also when the project is set by the environment', async () => {
    await writeFile(path.join(root, '.sessionrc'), JSON.stringify({ ...rc, concurrency: 5, profiles: { staging: { ...rc.profiles.staging, concurrency: 2 } } }));
    expect((await loadProjectConfig({ env: {}, cwd: root })).concurrency).toBe(5);
    expect((await loadProjectConfig({ env: {}, cwd: root, profile: 'staging' })).concurrency).toBe(2);
    expect((await loadProjectConfig({ env: { SUPABASE_URL: 'http://127.0.0.1:54321', SUPABASE_ANON_KEY: 'k' }, cwd: root })).concurrency).toBe(5);
  });

  it('a concurrency outside 1..16 is exit 2 naming the file', async () => {
    await writeFile(path.join(root, '.sessionrc'), JSON.stringify({ ...rc, concurrency: 0 }));
    await expect(loadProjectConfig({ env: {}, cwd: root })).rejects.toMatchObject({ exitCode: 2, code: 'bad_config', message: expect.stringContaining('.sessionrc: concurrency') });
  });

  it('without any settings it is exit 2 saying how to configure', async () => {
    await expect(loadProjectConfig({ env: {}, cwd: root })).rejects.toMatchObject({ exitCode: 2, code: 'no_project' });
  });
});
