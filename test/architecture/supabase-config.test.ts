// supabase/config.toml as two readers see it: the Supabase CLI (pinned in devDependencies),
// which must load it without a warning, and the local backend, which reads it with smol-toml.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfigToml, tableAt } from '../../src/local/config-toml.js';
import { functionConfig } from '../../src/local/functions/config.js';
import { projectAuthSettings } from '../../src/local/instance.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SUPABASE = join(ROOT, 'node_modules/.bin/supabase');
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A project folder holding this config.toml, outside the repository. */
function projectWith(configToml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'session-config-'));
  dirs.push(dir);
  cpSync(join(ROOT, 'supabase'), join(dir, 'supabase'), { recursive: true });
  writeFileSync(join(dir, 'supabase/config.toml'), configToml);
  return dir;
}

/** `supabase gen signing-key` loads config.toml and needs no Docker or network; its warnings go to stderr. */
async function cliStderr(workdir: string): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(SUPABASE, ['gen', 'signing-key', '--workdir', workdir], {
    env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
    timeout: 60_000,
  });
  expect(JSON.parse(stdout.split('\n')[0]!)).toMatchObject({ alg: 'ES256' });
  return stderr;
}

const configText = readFileSync(join(ROOT, 'supabase/config.toml'), 'utf8');

describe('supabase/config.toml', () => {
  it('loads in the Supabase CLI without a warning', async () => {
    const stderr = await cliStderr(projectWith(configText));
    expect(stderr).not.toMatch(/WARN|deprecated/i);
  });

  it('the check sees a deprecated section', async () => {
    const old = configText.replace(/^\[local_smtp\]$/m, '[inbucket]');
    expect(old).not.toBe(configText);
    expect(await cliStderr(projectWith(old))).toMatch(/config section \[inbucket\] is deprecated/);
  });

  it('reads arrays, nested tables and the settings the local backend follows', () => {
    const doc = readConfigToml(ROOT);
    expect(tableAt(doc, 'api')?.schemas).toEqual(['public', 'graphql_public']);
    expect(tableAt(doc, 'storage', 'buckets', 'videos')?.public).toBe(false);
    expect(functionConfig(ROOT, 'device-auth')).toEqual({ enabled: true, verifyJwt: false, entrypoint: null });
    expect(functionConfig(ROOT, 'hello')).toEqual({ enabled: true, verifyJwt: true, entrypoint: null });
    expect(projectAuthSettings(ROOT)).toEqual({
      jwtExpiry: 3600,
      refreshTokenReuseInterval: 10,
      minimumPasswordLength: 8,
      siteUrl: 'http://127.0.0.1:54321',
      maxRows: 1000,
      rateLimits: { signIn: 30, tokenRefresh: 150, verify: 30 },
    });
  });

  it('falls back to defaults when the file is not valid TOML', () => {
    const dir = projectWith('[auth\njwt_expiry = 10\n');
    expect(readConfigToml(dir)).toBeNull();
    expect(projectAuthSettings(dir)).toEqual({ rateLimits: {} });
  });
});
