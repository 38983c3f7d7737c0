// `session login`, `logout`, `whoami`, `status` as a user runs them: the built CLI in its own
// process, against the local backend, with its own config directory.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';
import { ensureBuilt, removeSnapshot, runCli, userEnv, waitForCode } from './login-support.js';

let backend: TestBackend;
let ada: SignedInUser;

beforeAll(async () => {
  // No reuse window: two processes refreshing with the same token would revoke the session.
  [backend] = await Promise.all([startTestBackend({ refreshTokenReuseInterval: 0, functionEnv: { DEVICE_AUTH_INTERVAL: '1' } }), ensureBuilt()]);
  ada = await backend.signedInUser();
}, 180_000);

afterAll(async () => {
  await backend?.close();
  await removeSnapshot();
});

function credentialsFile(env: { XDG_CONFIG_HOME: string }): string {
  return join(env.XDG_CONFIG_HOME, 'session', 'credentials-default.json');
}

async function readStored(env: { XDG_CONFIG_HOME: string }): Promise<Record<string, any>> {
  return JSON.parse(await readFile(credentialsFile(env), 'utf8')) as Record<string, any>;
}

async function decide(userCode: string, action: 'approve' | 'deny', token = ada.session.access_token): Promise<Response> {
  return fetch(`${backend.url}/functions/v1/device-auth/${action}`, {
    method: 'POST',
    headers: { apikey: backend.anonKey, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_code: userCode }),
  });
}

async function refreshWith(refreshToken: string): Promise<Response> {
  return fetch(`${backend.url}/auth/v1/token?grant_type=refresh_token`, {
    method: 'POST',
    headers: { apikey: backend.anonKey, 'Content-Type': 'application/json', 'X-Supabase-Api-Version': '2024-01-01' },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
}

/** A signed-in config directory, by the device flow approved through the function. */
async function deviceLogin(): Promise<Awaited<ReturnType<typeof userEnv>>> {
  const env = await userEnv(backend);
  const child = runCli(['login', '--no-browser'], env);
  const { userCode } = await waitForCode(child);
  expect((await decide(userCode, 'approve')).status).toBe(200);
  const res = await child;
  expect(res.exitCode, res.stderr).toBe(0);
  return env;
}

describe('session login (device code)', () => {
  it('prints a code on stderr, finishes once approved, and stores 0600 credentials bound to the project', async () => {
    const env = await userEnv(backend);
    const child = runCli(['login', '--no-browser'], env);
    const { userCode, url } = await waitForCode(child);
    expect(url).toBe(`${backend.url}/device?code=${userCode}`);

    const approve = await decide(userCode, 'approve');
    expect(approve.status).toBe(200);
    const res = await child;
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`Logged in to ${backend.url} as ${ada.email}`);

    const file = credentialsFile(env);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(file))).mode & 0o777).toBe(0o700);
    const stored = await readStored(env);
    expect(stored.url).toBe(backend.url);
    expect(stored.user).toEqual({ id: ada.id, email: ada.email });
    expect(stored.method).toBe('device');
    // A session of its own, not the browser's.
    expect(stored.refresh_token).not.toBe(ada.session.refresh_token);

    const who = await runCli(['whoami'], env);
    expect(who.exitCode, who.stderr).toBe(0);
    expect(who.stdout).toContain(ada.email);
    expect(who.stdout).toContain(ada.id);
    const whoJson = await runCli(['whoami', '--json'], env);
    expect(JSON.parse(whoJson.stdout)).toEqual({ id: ada.id, email: ada.email });
  });

  it('opens the approval URL with the browser command (SESSION_BROWSER), detached', async () => {
    const env = await userEnv(backend);
    const opener = join(env.HOME, 'open-browser.sh');
    await writeFile(opener, '#!/bin/sh\nprintf "%s" "$1" > "$HOME/opened-url"\n', { mode: 0o755 });
    const child = runCli(['login'], { ...env, SESSION_BROWSER: opener });
    const { url } = await waitForCode(child);
    let opened = '';
    for (let i = 0; i < 50 && !opened; i += 1) {
      opened = await readFile(join(env.HOME, 'opened-url'), 'utf8').catch(() => '');
      if (!opened) await new Promise((r) => setTimeout(r, 100));
    }
    expect(opened).toBe(url);
    expect((await decide(new URL(url).searchParams.get('code')!, 'approve')).status).toBe(200);
    const res = await child;
    expect(res.exitCode, res.stderr).toBe(0);
  });

  it('an expired code ends with its message and exit 3', async () => {
    const env = await userEnv(backend);
    const child = runCli(['login', '--no-browser'], env);
    const { userCode } = await waitForCode(child);
    await backend.db.pool.query(
      "update device_auth.codes set created_at = now() - interval '20 minutes', expires_at = now() - interval '1 second' where user_code = $1",
      [userCode.replace('-', '')],
    );
    const res = await child;
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toMatch(/error: the login code expired before it was approved/);
    expect(res.stderr).toMatch(/hint: run `session login` again/);
    await expect(stat(credentialsFile(env))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a denied code ends with its message and exit 3', async () => {
    const env = await userEnv(backend);
    const child = runCli(['login', '--no-browser', '--json'], env);
    const { userCode } = await waitForCode(child);
    expect((await decide(userCode, 'deny')).status).toBe(200);
    const res = await child;
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toMatch(/error: the login was denied in the browser/);
    expect(res.stderr).toContain('"code":"login_denied"');
    await expect(stat(credentialsFile(env))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('session login --with-password', () => {
  it('signs in from SESSION_EMAIL and SESSION_PASSWORD with no terminal', async () => {
    const env = await userEnv(backend, { SESSION_EMAIL: ada.email, SESSION_PASSWORD: ada.password });
    const res = await runCli(['login', '--with-password', '--json'], env);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ user: { id: ada.id, email: ada.email }, url: backend.url, profile: 'default', method: 'password' });
    expect((await readStored(env)).method).toBe('password');
    const who = await runCli(['whoami'], { ...env, SESSION_EMAIL: undefined, SESSION_PASSWORD: undefined });
    expect(who.exitCode, who.stderr).toBe(0);
    expect(who.stdout).toContain(ada.email);
  });

  it('without the variables and with --no-input: exit 2, never a hang', async () => {
    const env = await userEnv(backend);
    const res = await runCli(['login', '--with-password', '--no-input'], env);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/missing SESSION_EMAIL/);
  });

  it('a wrong password is exit 3', async () => {
    const env = await userEnv(backend, { SESSION_EMAIL: ada.email, SESSION_PASSWORD: 'not-the-password' });
    const res = await runCli(['login', '--with-password'], env);
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toMatch(/wrong email or password/);
  });
});

describe('stored credentials in use', () => {
  it('with nothing stored, SESSION_EMAIL and SESSION_PASSWORD sign in once and are stored', async () => {
    const env = await userEnv(backend, { SESSION_EMAIL: ada.email, SESSION_PASSWORD: ada.password });
    const res = await runCli(['status', '--json'], env);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ credential_source: 'password', user: { email: ada.email } });
    const stored = await readStored(env);
    const again = await runCli(['status', '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ credential_source: 'stored' });
    expect((await readStored(env)).access_token).toBe(stored.access_token);
  });

  it('status shows user, project, profile, expiry and source', async () => {
    const env = await deviceLogin();
    const res = await runCli(['status', '--json'], env);
    expect(res.exitCode, res.stderr).toBe(0);
    const status = JSON.parse(res.stdout);
    expect(status).toMatchObject({
      user: { id: ada.id, email: ada.email },
      url: backend.url,
      profile: 'default',
      project_settings: 'env',
      credential_source: 'stored',
      credentials_file: credentialsFile(env),
      verified: true,
    });
    expect(Date.parse(status.expires_at)).toBeGreaterThan(Date.now());
    const text = await runCli(['status'], env);
    expect(text.stdout).toContain(`project\t${backend.url}`);
    expect(text.stdout).toContain(`credentials\t${credentialsFile(env)}`);
  });

  it('refuses tokens stored for another project URL: exit 3 with a hint', async () => {
    const env = await deviceLogin();
    const other = backend.url.replace('127.0.0.1', 'localhost');
    const res = await runCli(['whoami'], { ...env, SUPABASE_URL: other });
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain(`the stored sign-in is for ${backend.url}, not ${other}`);
    expect(res.stderr).toMatch(/hint: run `session login`/);
  });

  it('not signed in: exit 3 and "run `session login`"', async () => {
    const env = await userEnv(backend);
    const res = await runCli(['whoami'], env);
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toMatch(/not signed in/);
    expect(res.stderr).toMatch(/session login/);
  });

  it('a session revoked elsewhere: exit 3 and "run `session login`"', async () => {
    const env = await deviceLogin();
    const stored = await readStored(env);
    const out = await fetch(`${backend.url}/auth/v1/logout?scope=local`, {
      method: 'POST',
      headers: { apikey: backend.anonKey, Authorization: `Bearer ${stored.access_token}` },
    });
    expect(out.status).toBe(204);
    const res = await runCli(['whoami'], env);
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toMatch(/session login/);
    // And once the access token is near expiry, the refresh fails the same way.
    await writeFile(credentialsFile(env), JSON.stringify({ ...stored, expires_at: Math.floor(Date.now() / 1000) + 5 }));
    const again = await runCli(['whoami'], env);
    expect(again.exitCode).toBe(3);
    expect(again.stderr).toMatch(/expired or was revoked/);
  });

  it('two processes refreshing at once leave a working session', async () => {
    const env = await deviceLogin();
    const before = await readStored(env);
    // Within a minute of expiry: every command refreshes before its request.
    await writeFile(credentialsFile(env), JSON.stringify({ ...before, expires_at: Math.floor(Date.now() / 1000) + 20 }), { mode: 0o600 });
    const [a, b] = await Promise.all([runCli(['whoami'], env), runCli(['whoami'], env)]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    const after = await readStored(env);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.expires_at).toBeGreaterThan(Math.floor(Date.now() / 1000) + 600);
    expect((await stat(credentialsFile(env))).mode & 0o777).toBe(0o600);
    // The session survived: a third command works, and the new refresh token is the live one.
    const c = await runCli(['whoami'], env);
    expect(c.exitCode, c.stderr).toBe(0);
    // One refresh, not two: the lock made the second process use the first one's tokens.
    const { rows } = await backend.db.pool.query('select count(*)::int as n from auth.refresh_tokens where parent = $1', [before.refresh_token]);
    expect(rows[0].n).toBe(1);
  });

  it('tokens never appear in output, --debug included', async () => {
    const env = await userEnv(backend, { SESSION_EMAIL: ada.email, SESSION_PASSWORD: ada.password });
    const login = await runCli(['login', '--with-password', '--debug'], env);
    expect(login.exitCode, login.stderr).toBe(0);
    const stored = await readStored(env);
    await writeFile(credentialsFile(env), JSON.stringify({ ...stored, expires_at: Math.floor(Date.now() / 1000) + 5 }));
    const runs = [login, await runCli(['whoami', '--debug'], env), await runCli(['status', '--debug', '--json'], env)];
    const latest = await readStored(env);
    expect(runs[1]!.stderr).toContain('[debug]');
    for (const run of runs) {
      for (const secret of [stored.access_token, stored.refresh_token, latest.access_token, latest.refresh_token, ada.password]) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
    }
  });
});

describe('session logout', () => {
  it('revokes on the server, then deletes locally: the old refresh token fails', async () => {
    const env = await deviceLogin();
    const stored = await readStored(env);
    const res = await runCli(['logout'], env);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Logged out of ${backend.url} (${ada.email})`);
    await expect(stat(credentialsFile(env))).rejects.toMatchObject({ code: 'ENOENT' });
    const refresh = await refreshWith(stored.refresh_token);
    expect(refresh.status).toBe(400);
    const who = await runCli(['whoami'], env);
    expect(who.exitCode).toBe(3);
    // Logging out again is a no-op.
    const again = await runCli(['logout'], env);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toMatch(/Not signed in/);
  });

  it('still signs out locally when the server refuses or cannot be reached', async () => {
    const env2 = await deviceLogin();
    const stored = await readStored(env2);
    await writeFile(credentialsFile(env2), JSON.stringify({ ...stored, url: 'http://127.0.0.1:9' }));
    const res = await runCli(['logout'], { ...env2, SUPABASE_URL: 'http://127.0.0.1:9' });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/warning: the server did not confirm the sign-out/);
    await expect(stat(credentialsFile(env2))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
