// `session setup` at the built CLI, with the real Supabase CLI: against a PostgreSQL this file starts
// (platform objects only, as a new Supabase project has them) it pushes the migrations with
// `supabase db push --db-url`; --dry-run prints the exact commands; a failing step stops the run
// with its output and the command to resume. The database password is never printed.
import { mkdtempSync, chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { applyPlatform, listMigrations, setRolePasswords, startPostgres, type RunningPostgres } from '../../src/local/postgres.js';
import { freePort } from '../support/global-setup.js';
import { ensureBuilt, launcher, runCli, type CliEnv } from './login-support.js';

interface Result {
  exitCode: number;
  stdout: string;
  stderr: string;
}

let server: RunningPostgres;
let parent: string;
let password: string;
let home: string;
/** The package root of the CLI under test: the Supabase CLI's --workdir. */
let workdir: string;

async function setup(args: string[], extra: CliEnv = {}): Promise<Result> {
  const env: CliEnv = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), NO_COLOR: '1', ...extra };
  const res = await runCli(['setup', ...args], env);
  return { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr) };
}

function dbUrl(withPassword: boolean, pw = password): string {
  return `postgresql://postgres${withPassword ? `:${pw}` : ''}@127.0.0.1:${server.port}/postgres?sslmode=disable`;
}

async function appliedVersions(): Promise<string[]> {
  const client = new pg.Client({ connectionString: server.superuserUrl('postgres') });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>(
      "select version from supabase_migrations.schema_migrations where to_regclass('supabase_migrations.schema_migrations') is not null order by version",
    ).catch(() => ({ rows: [] as Array<{ version: string }> }));
    return rows.map((r) => r.version);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await ensureBuilt();
  workdir = dirname(dirname(launcher));
  parent = mkdtempSync(join(tmpdir(), 'session-setup-pg-'));
  chmodSync(parent, 0o755);
  password = `pw-${randomBytes(9).toString('hex')}`;
  server = await startPostgres({ dataDir: join(parent, 'data'), port: await freePort(), superuserPassword: randomBytes(12).toString('hex'), ephemeral: true });
  // A new project's database: the platform objects and a password for `postgres`, nothing of ours.
  await applyPlatform(server.superuserUrl('postgres'));
  await setRolePasswords(server.superuserUrl('postgres'), { postgres: password });
  home = mkdtempSync(join(tmpdir(), 'session-setup-home-'));
}, 180_000);

afterAll(async () => {
  await server?.stop();
  if (parent) rmSync(parent, { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('session setup --dry-run', () => {
  it('prints the exact command for a database, and runs nothing', async () => {
    const res = await setup(['--db-url', dbUrl(false), '--dry-run'], { SUPABASE_DB_PASSWORD: password });
    expect(res.exitCode, res.stderr).toBe(0);
    const count = listMigrations().length;
    expect(res.stdout).toContain(`  1. Push the migrations: will run (${count} of ${count} migrations not applied)\n`);
    expect(res.stdout).toContain(`     $ PGPASSWORD=[masked] supabase db push --db-url '${dbUrl(false)}' --include-all --yes --workdir ${workdir}\n`);
    expect(res.stdout).toContain('  2. Deploy the device-auth function (verify_jwt off): skipped (needs --project-ref');
    expect(res.stdout + res.stderr).not.toContain(password);
    expect(await appliedVersions()).toEqual([]);
  }, 120_000);

  it('prints every command of the hosted path in order', async () => {
    const ref = 'abcdefghijklmnopqrst';
    const anonKey = 'sb_publishable_doctorTestKey0123';
    // No password is needed to see the plan.
    const res = await setup(['--project-ref', ref, '--page-url', 'https://example.org/device', '--anon-key', anonKey, '--dry-run']);
    expect(res.exitCode, res.stderr).toBe(0);
    const commands = res.stdout.split('\n').filter((l) => l.startsWith('     ')).map((l) => l.trim());
    expect(commands).toEqual([
      `$ SUPABASE_DB_PASSWORD=[masked] supabase link --project-ref ${ref} --workdir ${workdir}`,
      `$ SUPABASE_DB_PASSWORD=[masked] supabase db push --linked --include-all --yes --workdir ${workdir}`,
      `$ supabase functions deploy device-auth --project-ref ${ref} --no-verify-jwt --use-api --workdir ${workdir}`,
      `$ supabase secrets set DEVICE_AUTH_VERIFICATION_URL=https://example.org/device --project-ref ${ref} --workdir ${workdir}`,
      `$ copy web/device/ to device-page/ with a config.js for https://${ref}.supabase.co`,
      `$ write .sessionrc (url https://${ref}.supabase.co, anon_key)`,
      'serve device-page/ at https://example.org/device on any static host (with X-Frame-Options: DENY); for the e-mail link button, add that URL to Auth → URL Configuration → Redirect URLs',
      'session login && session doctor',
    ]);
    // Without an access token the management API cannot be read: the plan says so and runs the steps.
    expect(res.stdout).toMatch(/3\. Deploy the device-auth function \(verify_jwt off\): will run \(could not list functions: no access token \(run `supabase login`/);
    expect(res.stdout + res.stderr).not.toContain(password);
    expect(res.stdout + res.stderr).not.toContain(anonKey);
    expect(existsSync(join(home, 'device-page'))).toBe(false);
    expect(existsSync(join(home, '.sessionrc'))).toBe(false);
  }, 120_000);
});

describe('session setup', () => {
  it('refuses bad or missing flags with exit 2 before running anything', async () => {
    const none = await setup(['--yes']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/^error: nothing to set up: pass --project-ref/);
    const noPage = await setup(['--project-ref', 'abcdefghijklmnopqrst', '--yes']);
    expect(noPage.exitCode).toBe(2);
    expect(noPage.stderr).toMatch(/^error: --page-url is needed with --project-ref/);
    const badRef = await setup(['--project-ref', 'My-Project', '--page-url', 'https://example.org/device', '--yes']);
    expect(badRef.exitCode).toBe(2);
    expect(badRef.stderr).toMatch(/^error: --project-ref must be 20 lowercase letters and digits/);
    const noPassword = await setup(['--project-ref', 'abcdefghijklmnopqrst', '--page-url', 'https://example.org/device', '--yes']);
    expect(noPassword.exitCode).toBe(2);
    expect(noPassword.stderr).toMatch(/^error: the database password is needed to link the project and push the migrations\nhint: set SUPABASE_DB_PASSWORD/);
    const noYes = await setup(['--db-url', dbUrl(true)]);
    expect(noYes.exitCode).toBe(2);
    expect(noYes.stderr).toMatch(/^error: refusing to change the project without confirmation\nhint: pass --yes to apply, or --dry-run/);
    expect(noYes.stderr).not.toContain(password);
    expect(await appliedVersions()).toEqual([]);
  });

  it('stops at a failing step with its output and the command to resume', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const res = await setup(['--db-url', dbUrl(true, wrong), '--url', 'http://127.0.0.1:9', '--anon-key', 'sb_publishable_x1234', '--yes']);
    expect(res.exitCode, res.stderr).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^error: step 1 \(Push the migrations\) failed: .*password authentication failed/m);
    expect(res.stderr).toContain(`hint: fix it, then resume with \`session setup --db-url '${dbUrl(false)}' --url http://127.0.0.1:9 --anon-key "$SUPABASE_ANON_KEY" --yes\``);
    expect(res.stderr).toContain('--- output of the failed step ---');
    expect(res.stderr).not.toContain(wrong);
    // Nothing after the failed step ran.
    expect(existsSync(join(home, 'device-page'))).toBe(false);
    expect(existsSync(join(home, '.sessionrc'))).toBe(false);
    expect(await appliedVersions()).toEqual([]);
  }, 120_000);

  it('pushes the migrations with supabase db push, writes the page and .sessionrc, and never prints the password', async () => {
    const url = 'http://127.0.0.1:54399';
    const anonKey = 'sb_publishable_setupTestKey0123';
    const res = await setup(['--db-url', dbUrl(true), '--url', url, '--anon-key', anonKey, '--yes', '--debug']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toBe('Done: 3 steps applied. Next: session login && session doctor');
    expect(res.stderr).toContain(`→ 1. Push the migrations: PGPASSWORD=[masked] supabase db push --db-url '${dbUrl(false)}' --include-all --yes --workdir ${workdir}`);
    expect(res.stderr).toContain('[debug] supabase db push exited 0');
    expect(res.stdout + res.stderr).not.toContain(password);
    expect(res.stdout + res.stderr).not.toContain(anonKey);

    expect(await appliedVersions()).toEqual(listMigrations().map((m) => m.version));
    const client = new pg.Client({ connectionString: server.superuserUrl('postgres') });
    await client.connect();
    try {
      const { rows } = await client.query("select file_size_limit from storage.buckets where id = 'videos'");
      expect(rows).toEqual([{ file_size_limit: '53687091200' }]);
      const fn = await client.query("select to_regprocedure('public.upload_limits()') is not null as present");
      expect(fn.rows[0].present).toBe(true);
    } finally {
      await client.end();
    }

    const config = readFileSync(join(home, 'device-page', 'config.js'), 'utf8');
    expect(config).toContain(`"supabaseUrl": "${url}"`);
    expect(config).toContain(`"anonKey": "${anonKey}"`);
    expect(readFileSync(join(home, 'device-page', 'index.html'), 'utf8')).toBe(readFileSync(join(workdir, 'web', 'device', 'index.html'), 'utf8'));
    expect(existsSync(join(home, 'device-page', 'config.example.js'))).toBe(false);
    expect(JSON.parse(readFileSync(join(home, '.sessionrc'), 'utf8'))).toEqual({ url, anon_key: anonKey });
  }, 180_000);

  it('finds everything done on a second run', async () => {
    const res = await setup(['--db-url', dbUrl(false), '--url', 'http://127.0.0.1:54399', '--anon-key', 'sb_publishable_setupTestKey0123', '--yes'], { SUPABASE_DB_PASSWORD: password });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toContain(`1. Push the migrations: done (all ${listMigrations().length} migrations applied)`);
    expect(res.stderr).toContain('4. Write the device-login page with its settings: done (device-page/ is up to date)');
    expect(res.stderr).toContain('5. Save the project settings in .sessionrc: done (.sessionrc already names http://127.0.0.1:54399)');
    expect(res.stdout).toBe('Nothing to do: every step is done. Next: session login && session doctor');
  }, 120_000);

  it('updates a YAML .sessionrc in place, keeping its other keys', async () => {
    const dir = mkdtempSync(join(home, 'yaml-'));
    writeFileSync(join(dir, '.sessionrc'), 'concurrency: 4\nurl: http://127.0.0.1:1\nanon_key: sb_publishable_oldKey0000\n');
    const env: CliEnv = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), NO_COLOR: '1', SUPABASE_DB_PASSWORD: password };
    const res = await runCli(['setup', '--db-url', dbUrl(false), '--url', 'http://127.0.0.1:54398', '--anon-key', 'sb_publishable_newKey1111', '--page-dir', 'page', '--yes'], env, { cwd: dir });
    expect(res.exitCode, String(res.stderr)).toBe(0);
    expect(String(res.stderr)).toContain('5. Save the project settings in .sessionrc: will run (.sessionrc names http://127.0.0.1:1)');
    expect(readFileSync(join(dir, '.sessionrc'), 'utf8')).toBe('concurrency: 4\nurl: http://127.0.0.1:54398\nanon_key: sb_publishable_newKey1111\n');
    expect(readFileSync(join(dir, 'page', 'config.js'), 'utf8')).toContain('"supabaseUrl": "http://127.0.0.1:54398"');
  }, 120_000);

  it('--json prints the plan and what was applied', async () => {
    const res = await setup(['--db-url', dbUrl(false), '--no-sessionrc', '--dry-run', '--json'], { SUPABASE_DB_PASSWORD: password });
    expect(res.exitCode, res.stderr).toBe(0);
    const plan = JSON.parse(res.stdout) as { dry_run: boolean; applied: null; steps: Array<{ step: string; state: string; command: string }> };
    expect(plan.dry_run).toBe(true);
    expect(plan.applied).toBeNull();
    expect(plan.steps.map((s) => [s.step, s.state])).toEqual([
      ['migrations', 'done'],
      ['function', 'skipped'],
      ['secret', 'skipped'],
      ['page', 'skipped'],
      ['login', 'manual'],
    ]);
  }, 120_000);
});
