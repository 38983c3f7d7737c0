// `session doctor` at the built CLI against the local backend: every check passes on a project set
// up as the README says, and each broken part fails the check that names it (exit 1).
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/local/postgres.js';
import { startTestBackend, type TestBackend } from '../support/backend.js';
import { runCli, userEnv } from './login-support.js';
import { signedInAuthor, type Author, type Result } from './sessions-support.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix: string | null;
}

const CHECKS = ['project', 'api', 'clock', 'token', 'migrations', 'bucket', 'device_auth', 'verification_page'];

function checksOf(res: Result): Check[] {
  return (JSON.parse(res.stdout) as { checks: Check[] }).checks;
}

function check(res: Result, name: string): Check {
  const found = checksOf(res).find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name} in ${res.stdout}`);
  return found;
}

/** Failing checks: exit 1, the report on stdout, one error line naming the failed checks. */
function expectFailed(res: Result, names: string[]): void {
  expect(res.exitCode, res.stderr).toBe(1);
  expect(checksOf(res).filter((c) => !c.ok).map((c) => c.name)).toEqual(names);
  expect(res.stderr).toMatch(new RegExp(`^error: ${names.length} of ${CHECKS.length} checks failed: ${names.join(', ')}$`, 'm'));
  for (const c of checksOf(res).filter((x) => !x.ok)) expect(c.fix, c.name).toMatch(/\S/);
}

describe('session doctor on a healthy local backend', () => {
  let backend: TestBackend;
  let author: Author;
  beforeAll(async () => {
    backend = await startTestBackend();
    author = await signedInAuthor(backend);
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('passes every check, in order, and exits 0', async () => {
    const res = await author.run(['doctor', '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const checks = checksOf(res);
    expect(checks.map((c) => c.name)).toEqual(CHECKS);
    for (const c of checks) expect({ name: c.name, ok: c.ok, fix: c.fix }).toEqual({ name: c.name, ok: true, fix: null });
    expect(check(res, 'token').detail).toContain(author.user.email);
    expect(check(res, 'token').detail).toMatch(/expires in \d+ min \(tokens live 60 min/);
    expect(check(res, 'clock').detail).toMatch(/in step with the server|this machine is \d+ s/);
    expect(check(res, 'migrations').detail).toMatch(/^all \d+ functions and 4 tables/);
    expect(check(res, 'bucket').detail).toBe('videos: private, 50.0 GiB per file, 6 video types, as the migrations set it');
    expect(check(res, 'device_auth').detail).toBe(`answers code; it sends people to ${backend.url}/device`);
    expect(check(res, 'verification_page').detail).toBe(`${backend.url}/device answers; its settings name this project`);
  });

  it('prints one line per check when piped: ✓, name, result, fix', async () => {
    const res = await author.run(['doctor']);
    expect(res.exitCode, res.stderr).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual(CHECKS.map((name) => `✓ ${name}`));
    expect(res.stderr).toBe('');
  });

  it('never shows the anon key or the token under --debug', async () => {
    const res = await author.run(['doctor', '--debug']);
    expect(res.exitCode, res.stderr).toBe(0);
    const token = JSON.parse(readFileSync(join(author.env.XDG_CONFIG_HOME as string, 'session', 'credentials-default.json'), 'utf8')).access_token as string;
    expect(res.stderr).toContain('[debug] POST');
    expect(res.stderr + res.stdout).not.toContain(backend.anonKey);
    expect(res.stderr + res.stdout).not.toContain(token);
  });

  it('fails the api check on a key the project does not know, and does not go on without it', async () => {
    const env = await userEnv({ url: backend.url, anonKey: 'sb_publishable_notThisProjectsKey00' });
    const res = await runCli(['doctor', '--json'], env);
    const result = { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr) };
    expectFailed(result, CHECKS.slice(1));
    expect(check(result, 'api').detail).toMatch(/^the project refused the publishable key \(401: Invalid API key\)$/);
    expect(check(result, 'api').fix).toContain('Project Settings → API Keys');
    expect(check(result, 'migrations')).toEqual({ name: 'migrations', ok: false, detail: 'not checked: the api check failed', fix: 'fix the api check first' });
    expect(result.stderr).not.toContain('notThisProjectsKey');
  });

  it('fails the api check when nothing answers at the project URL', async () => {
    const env = await userEnv({ url: 'http://127.0.0.1:9', anonKey: backend.anonKey });
    const res = await runCli(['doctor', '--json'], env);
    const result = { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr) };
    expectFailed(result, CHECKS.slice(1));
    expect(check(result, 'api').detail).toBe('cannot reach http://127.0.0.1:9');
  });

  it('fails the project check when no project is configured', async () => {
    const env = await userEnv(backend);
    delete env.SUPABASE_URL;
    delete env.SUPABASE_ANON_KEY;
    const res = await runCli(['doctor', '--json'], { ...env, SESSION_LOCAL_DIR: join(env.HOME, 'no-backend') });
    const result = { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr) };
    expectFailed(result, CHECKS);
    expect(check(result, 'project')).toEqual({ name: 'project', ok: false, detail: 'no Supabase project configured', fix: 'set SUPABASE_URL and SUPABASE_ANON_KEY, add a .sessionrc, or run `session local start`' });
    expect(check(result, 'api').detail).toBe('not checked: the project check failed');
  });

  it('fails the token check (and what needs it) when nobody is signed in', async () => {
    const env = await userEnv(backend);
    const res = await runCli(['doctor', '--json'], env);
    const result = { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr) };
    expectFailed(result, ['token', 'migrations', 'bucket']);
    expect(check(result, 'token').fix).toContain('session login');
    expect(check(result, 'migrations').detail).toBe('not checked: needs a signed-in user');
  });
});

describe('session doctor on a broken project', () => {
  let backend: TestBackend;
  let author: Author;
  beforeAll(async () => {
    backend = await startTestBackend();
    author = await signedInAuthor(backend);
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('names the migrations check when a function was dropped', async () => {
    await backend.db.pool.query('drop function public.upload_limits()');
    try {
      const res = await author.run(['doctor', '--json']);
      expectFailed(res, ['migrations']);
      expect(check(res, 'migrations').detail).toBe('missing: upload_limits()');
      expect(check(res, 'migrations').fix).toContain('supabase db push');
    } finally {
      await backend.db.pool.query(readFunction('upload_limits'));
    }
  });

  it('names the migrations check when the signed-in user may not run a function', async () => {
    await backend.db.pool.query('revoke execute on function public.session_tree(uuid) from authenticated');
    try {
      const res = await author.run(['doctor', '--json']);
      expectFailed(res, ['migrations']);
      expect(check(res, 'migrations').detail).toBe('not allowed to the signed-in user: session_tree()');
    } finally {
      await backend.db.pool.query('grant execute on function public.session_tree(uuid) to authenticated');
    }
  });

  it('names the bucket check when its limits differ from the migrations', async () => {
    await backend.db.pool.query("update storage.buckets set file_size_limit = 1048576, allowed_mime_types = array['video/mp4'] where id = 'videos'");
    try {
      const res = await author.run(['doctor', '--json']);
      expectFailed(res, ['bucket']);
      expect(check(res, 'bucket').detail).toMatch(/^videos: size limit is 1\.0 MiB, the migrations say 50\.0 GiB; MIME types are video\/mp4, the migrations say video\/mp4, video\/quicktime/);
    } finally {
      await backend.db.pool.query(
        "update storage.buckets set file_size_limit = 53687091200, allowed_mime_types = array['video/mp4', 'video/quicktime', 'video/webm', 'video/x-matroska', 'video/x-m4v', 'video/x-msvideo'] where id = 'videos'",
      );
    }
  });

  it('passes again once repaired', async () => {
    const res = await author.run(['doctor', '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
  });
});

describe('session doctor when the device-auth function is off', () => {
  let backend: TestBackend;
  let author: Author;
  let root: string;
  beforeAll(async () => {
    // The same project, but config.toml disables the function's route.
    root = mkdtempSync(join(tmpdir(), 'session-doctor-root-'));
    mkdirSync(join(root, 'supabase'));
    const toml = readFileSync(join(packageRoot(), 'supabase', 'config.toml'), 'utf8').replace(/(\[functions\.device-auth\]\s*\n)enabled = true/, '$1enabled = false');
    expect(toml).toContain('[functions.device-auth]\nenabled = false');
    writeFileSync(join(root, 'supabase', 'config.toml'), toml);
    symlinkSync(join(packageRoot(), 'supabase', 'functions'), join(root, 'supabase', 'functions'));
    cpSync(join(packageRoot(), 'web'), join(root, 'web'), { recursive: true });
    backend = await startTestBackend({ projectRoot: root });
    author = await signedInAuthor(backend);
  });
  afterAll(async () => {
    await backend?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('fails device_auth (and the page it would name), saying how to deploy', async () => {
    const res = await author.run(['doctor', '--json']);
    expectFailed(res, ['device_auth', 'verification_page']);
    expect(check(res, 'device_auth').detail).toMatch(/^the function is not deployed/);
    expect(check(res, 'device_auth').fix).toContain('supabase functions deploy device-auth --no-verify-jwt');
  });
});

describe('session doctor when the page is not hosted', () => {
  let backend: TestBackend;
  let author: Author;
  beforeAll(async () => {
    // The function sends people to a page that does not exist.
    backend = await startTestBackend({ functionEnv: { DEVICE_AUTH_VERIFICATION_URL: 'http://127.0.0.1:9/device' } });
    author = await signedInAuthor(backend);
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('fails verification_page with the URL and how to host it', async () => {
    const res = await author.run(['doctor', '--json']);
    expectFailed(res, ['verification_page']);
    expect(check(res, 'verification_page').detail).toMatch(/^http:\/\/127\.0\.0\.1:9\/device: cannot reach/);
    expect(check(res, 'verification_page').fix).toContain('DEVICE_AUTH_VERIFICATION_URL');
  });
});

/** The `create function public.<name>` statement of the migrations, to put a dropped function back. */
function readFunction(name: string): string {
  const text = readFileSync(join(packageRoot(), 'supabase', 'migrations', '20260101000700_upload_functions.sql'), 'utf8');
  const start = text.indexOf(`create function public.${name}(`);
  const end = text.indexOf('$$;', text.indexOf('as $$', start)) + 3;
  return `${text.slice(start, end)}\ngrant execute on function public.${name}() to authenticated`;
}
