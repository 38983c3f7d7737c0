// The built CLI as a user runs it, against the local backend: one environment per signed-in user
// (its own state and config folders), JSON helpers, and what the storage bucket holds.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll } from 'vitest';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';

/** The built launcher; SESSION_TEST_BIN points the tests at another build (a snapshot of dist/). */
export const BIN = process.env.SESSION_TEST_BIN ?? resolve(import.meta.dirname, '../../bin/session.js');

export interface CliUser {
  user: SignedInUser;
  env: Record<string, string>;
  /** Runs `session <args>`; never rejects (check exitCode). */
  run(args: string[], opts?: { env?: Record<string, string>; cwd?: string }): Promise<CliResult>;
  /** Starts `session <args>` and returns the child, for tests that interrupt it. */
  spawn(args: string[]): ResultPromise;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `url`: the project URL the CLI uses (default the backend's; a proxy in front of it, say). */
export async function cliUser(backend: TestBackend, user: SignedInUser, url = backend.url): Promise<CliUser> {
  const home = await mkdtemp(join(tmpdir(), 'session-cli-home-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_STATE_HOME: join(home, 'state'),
    SUPABASE_URL: url,
    SUPABASE_ANON_KEY: backend.anonKey,
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
  };
  // Signed in as a user is: stored credentials from a password login, refreshed by the CLI.
  const login = await execa('node', [BIN, 'login', '--with-password'], {
    env: { ...env, SESSION_EMAIL: user.email, SESSION_PASSWORD: user.password },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
  if (login.exitCode !== 0) throw new Error(`login failed (exit ${login.exitCode}): ${String(login.stderr)}`);
  return {
    user,
    env,
    async run(args, opts = {}) {
      const result = await execa('node', [BIN, ...args], { env: { ...env, ...(opts.env ?? {}) }, extendEnv: false, reject: false, cwd: opts.cwd ?? home, stdin: 'ignore' });
      return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
    spawn(args) {
      return execa('node', [BIN, ...args], { env, extendEnv: false, reject: false, cwd: home, stdin: 'ignore', buffer: true });
    },
  };
}

export function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.exitCode}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
}

/** A session with one module, made through the CLI; returns their ids. */
export async function sessionWithModule(cli: CliUser, name = 'Course'): Promise<{ sessionId: string; moduleId: string }> {
  const session = json<{ id: string }>(await cli.run(['create', name, '--json']));
  const module = json<{ id: string }>(await cli.run(['module', 'add', session.id, 'Module 1', '--json']));
  return { sessionId: session.id, moduleId: module.id };
}

/** Object names in the videos bucket (all users), straight from the database. */
export async function objectNames(backend: TestBackend, prefix = ''): Promise<string[]> {
  const { rows } = await backend.db.pool.query<{ name: string }>(
    "select name from storage.objects where bucket_id = 'videos' and name like $1 order by name",
    [`${prefix}%`],
  );
  return rows.map((r) => r.name);
}

export interface UploadJson {
  files: Array<{ file: string; status: string; video_id: string | null; bytes_sent: number; error: string | null }>;
}

export interface TwoUsers {
  backend: TestBackend;
  alice: CliUser;
  bob: CliUser;
  /** A scratch folder for generated files. */
  dir: string;
}

/** Registers beforeAll/afterAll for a file: a backend, two signed-in CLI users, a scratch folder. */
export function twoUsers(name: string): TwoUsers {
  const fixture = {} as TwoUsers;
  beforeAll(async () => {
    fixture.backend = await startTestBackend();
    fixture.alice = await cliUser(fixture.backend, await fixture.backend.signedInUser());
    fixture.bob = await cliUser(fixture.backend, await fixture.backend.signedInUser());
    fixture.dir = await mkdtemp(join(tmpdir(), `${name}-`));
  });
  afterAll(async () => {
    await fixture.backend?.close();
    if (fixture.dir) await rm(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}
