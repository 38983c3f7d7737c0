import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, utimes, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  credentialsPath,
  freshCredentials,
  parseCredentials,
  readCredentials,
  toStored,
  writeCredentials,
  type StoredCredentials,
} from '../../src/config/credentials.js';
import { acquireLock, withFileLock } from '../../src/config/lock.js';
import { CliError } from '../../src/base/errors.js';
import type { AuthSession } from '../../src/core/session-auth.js';
import { maskSecrets } from '../../src/base/mask.js';

const URL_A = 'http://127.0.0.1:54321';
const now = () => Math.floor(Date.now() / 1000);

function session(n: number, expiresIn = 3600): AuthSession {
  return {
    access_token: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLSR7bn0ifQ.sig${n}`,
    refresh_token: `refresh-${n}`,
    expires_at: now() + expiresIn,
    user: { id: '00000000-0000-4000-8000-000000000001', email: 'ada@example.com' },
  };
}

/** A stand-in for Auth's refresh grant with rotation and no reuse window: each token works once. */
function rotatingIssuer(first: string) {
  let valid = first;
  let issued = 0;
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async refresh(token: string): Promise<AuthSession> {
      calls += 1;
      await new Promise((r) => setTimeout(r, 40));
      if (token !== valid) throw new CliError('your sign-in has expired or was revoked', { code: 'session_expired', exitCode: 3 });
      issued += 1;
      const next = session(100 + issued);
      valid = next.refresh_token;
      return next;
    },
  };
}

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'session-creds-'));
  file = credentialsPath('default', { XDG_CONFIG_HOME: dir });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('credential file', () => {
  it('lives in $XDG_CONFIG_HOME/session, one file per profile', () => {
    expect(credentialsPath('default', { XDG_CONFIG_HOME: '/x' })).toBe('/x/session/credentials-default.json');
    expect(credentialsPath('ci', { XDG_CONFIG_HOME: '/x' })).toBe('/x/session/credentials-ci.json');
    expect(credentialsPath('default', { HOME: '/home/u' })).toMatch(/\.config\/session\/credentials-default\.json$/);
  });

  it('is written 0600 in a 0700 directory, atomically, and reads back', async () => {
    const creds = toStored(URL_A, session(1), 'device');
    await writeCredentials(file, creds);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'session'))).mode & 0o777).toBe(0o700);
    expect(await readCredentials(file)).toEqual(creds);
    const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(saved).sort()).toEqual(['access_token', 'expires_at', 'method', 'refresh_token', 'saved_at', 'url', 'user']);
    // No temp file left behind.
    expect(await readdir(join(dir, 'session'))).toEqual(['credentials-default.json']);
  });

  it('tightens a config directory that already exists with a wider mode', async () => {
    await mkdir(join(dir, 'session'), { mode: 0o755 });
    await chmod(join(dir, 'session'), 0o755);
    await writeCredentials(file, toStored(URL_A, session(1), 'device'));
    expect((await stat(join(dir, 'session'))).mode & 0o777).toBe(0o700);
  });

  it('replaces the old file in one step: a reader sees the old or the new content, never a mix', async () => {
    await writeCredentials(file, toStored(URL_A, session(1), 'device'));
    const writes = Array.from({ length: 20 }, (_, i) => writeCredentials(file, toStored(URL_A, session(i + 2), 'device')));
    const reads = Array.from({ length: 20 }, () => readCredentials(file));
    await Promise.all(writes);
    for (const creds of await Promise.all(reads)) expect(creds?.refresh_token).toMatch(/^refresh-\d+$/);
  });

  it('is absent → null; damaged → exit 3 with a way out', async () => {
    expect(await readCredentials(file)).toBeNull();
    await mkdir(join(dir, 'session'), { recursive: true });
    await writeFile(file, '{"url": 1');
    await expect(readCredentials(file)).rejects.toMatchObject({ exitCode: 3, code: 'credentials_damaged' });
    expect(parseCredentials('{"url":"x","access_token":"a"}')).toBeNull();
  });
});

describe('freshCredentials', () => {
  it('returns a token with more than a minute left without refreshing', async () => {
    const creds = toStored(URL_A, session(1), 'device');
    await writeCredentials(file, creds);
    const issuer = rotatingIssuer('refresh-1');
    const got = await freshCredentials(file, null, { url: URL_A, refresh: (t) => issuer.refresh(t) });
    expect(got.access_token).toBe(creds.access_token);
    expect(issuer.calls).toBe(0);
  });

  it('refreshes within 60 s of expiry and writes the rotated tokens', async () => {
    await writeCredentials(file, toStored(URL_A, session(1, 30), 'device'));
    const issuer = rotatingIssuer('refresh-1');
    const got = await freshCredentials(file, null, { url: URL_A, refresh: (t) => issuer.refresh(t) });
    expect(got.refresh_token).toBe('refresh-101');
    expect((await readCredentials(file))?.refresh_token).toBe('refresh-101');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'session'))).toEqual(['credentials-default.json']);
  });

  it('refuses tokens stored for another project URL (exit 3, with a hint)', async () => {
    await writeCredentials(file, toStored('https://other.supabase.co', session(1), 'device'));
    const err = await freshCredentials(file, null, { url: URL_A, refresh: async () => session(2) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({ exitCode: 3, code: 'wrong_project' });
    expect((err as CliError).hint).toContain('session login');
  });

  it('for the local backend on another port, the hint says how to get the old port back', async () => {
    await writeCredentials(file, toStored('http://127.0.0.1:54421', session(1), 'device'));
    const err = await freshCredentials(file, null, { url: 'http://127.0.0.1:54321', refresh: async () => session(2) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 3, code: 'wrong_project' });
    expect((err as CliError).hint).toBe('the local backend now runs on port 54321; run `session local stop && session local start --port 54421`, or `session login` to sign in on 54321');
    // Same port, another host name: not a restart, the usual hint.
    const host = await freshCredentials(file, null, { url: 'http://localhost:54421', refresh: async () => session(2) }).catch((e: unknown) => e);
    expect((host as CliError).hint).toMatch(/^run `session login` to sign in to http:\/\/localhost:54421/);
  });

  it('not signed in → exit 3 naming `session login`', async () => {
    const err = await freshCredentials(file, null, { url: URL_A, refresh: async () => session(2) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 3, code: 'not_signed_in' });
    expect((err as CliError).hint).toContain('run `session login`');
    // Another profile: the hint names it, since `session login` signs in the default one.
    const staging = join(dirname(file), 'credentials-staging.json');
    const other = await freshCredentials(staging, null, { url: URL_A, refresh: async () => session(2) }).catch((e: unknown) => e);
    expect((other as CliError).hint).toContain('run `session --profile staging login`');
  });

  it('many concurrent refreshers (each with its own stale copy) refresh once and all end with the new token', async () => {
    await writeCredentials(file, toStored(URL_A, session(1, 10), 'device'));
    const issuer = rotatingIssuer('refresh-1');
    const stale = (await readCredentials(file))!;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => freshCredentials(file, { ...stale }, { url: URL_A, refresh: (t) => issuer.refresh(t) })),
    );
    expect(issuer.calls).toBe(1);
    for (const r of results) expect(r.refresh_token).toBe('refresh-101');
    expect(await readdir(join(dir, 'session'))).toEqual(['credentials-default.json']);
  });

  it('a failed refresh releases the lock and surfaces exit 3', async () => {
    await writeCredentials(file, toStored(URL_A, session(1, 10), 'device'));
    const issuer = rotatingIssuer('some-other-token');
    await expect(freshCredentials(file, null, { url: URL_A, refresh: (t) => issuer.refresh(t) })).rejects.toMatchObject({ exitCode: 3 });
    expect(await readdir(join(dir, 'session'))).toEqual(['credentials-default.json']);
  });
});

describe('lock file', () => {
  it('excludes: the second holder waits for the first', async () => {
    const lock = join(dir, 'x.lock');
    const order: string[] = [];
    let aInside: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => {
      aInside = resolve;
    });
    await Promise.all([
      withFileLock(lock, async () => {
        order.push('a-in');
        aInside();
        await new Promise((r) => setTimeout(r, 100));
        order.push('a-out');
      }),
      (async () => {
        // b asks only once a holds the lock, whatever the machine's load.
        await inside;
        await withFileLock(lock, async () => {
          order.push('b-in');
        });
      })(),
    ]);
    expect(order).toEqual(['a-in', 'a-out', 'b-in']);
  });

  it('breaks a lock left by a process that is gone', async () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    const { hostname } = await import('node:os');
    const lock = join(dir, 'dead.lock');
    await writeFile(lock, JSON.stringify({ pid: deadPid, host: hostname(), nonce: 'x', created: Date.now() }));
    // Fresh (created now) and far from stale: only the dead owner can explain getting it at all.
    const release = await acquireLock(lock, { timeoutMs: 2_000, staleMs: 3_600_000 });
    await release();
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('never breaks the lock of a live process on this host, however old', async () => {
    const { hostname } = await import('node:os');
    const lock = join(dir, 'old.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'x', created: 0 }));
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    await expect(acquireLock(lock, { timeoutMs: 300, staleMs: 30_000 })).rejects.toMatchObject({ code: 'locked' });
    expect(JSON.parse(await readFile(lock, 'utf8'))).toMatchObject({ pid: process.pid, nonce: 'x' });
  });

  it("breaks another host's lock only when its holder stopped touching it", async () => {
    const lock = join(dir, 'remote.lock');
    await writeFile(lock, JSON.stringify({ pid: 1, host: 'elsewhere.example', nonce: 'x', created: 0 }));
    await expect(acquireLock(lock, { timeoutMs: 300, staleMs: 30_000 })).rejects.toMatchObject({ code: 'locked' });
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    const release = await acquireLock(lock, { timeoutMs: 2_000, staleMs: 30_000 });
    await release();
  });

  it('the holder touches its lock while it holds it', async () => {
    const lock = join(dir, 'touched.lock');
    const release = await acquireLock(lock, { staleMs: 300 });
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    await vi.waitFor(async () => expect(Date.now() - (await stat(lock)).mtimeMs).toBeLessThan(60_000), { timeout: 5_000, interval: 50 });
    await release();
  });

  it('gives up on a live, fresh lock after the timeout (exit 1, code locked)', async () => {
    const lock = join(dir, 'held.lock');
    const release = await acquireLock(lock);
    await expect(acquireLock(lock, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'locked', exitCode: 1 });
    await release();
  });

  it('release leaves a lock that is no longer its own', async () => {
    const lock = join(dir, 'mine.lock');
    const release = await acquireLock(lock);
    await writeFile(lock, 'someone else');
    await release();
    expect(await readFile(lock, 'utf8')).toBe('someone else');
  });
});

describe('secrets in logs', () => {
  it('the debug mask hides every token the file holds', () => {
    const creds: StoredCredentials = toStored(URL_A, { ...session(1), refresh_token: 'v1a2b3c4d5e6' }, 'device');
    const text = maskSecrets(`saved ${JSON.stringify(creds)} Authorization: Bearer ${creds.access_token}`);
    expect(text).not.toContain(creds.access_token);
    expect(text).not.toContain('v1a2b3c4d5e6');
    expect(text).toContain('ada@example.com');
  });
});
