// Authors and operators at the built CLI, signed in as a person would be: `session login
// --with-password` once, then every command on the stored credentials.
import { expect } from 'vitest';
import type { CreatedUser, NewUserOptions, TestBackend } from '../support/backend.js';
import { ensureBuilt, runCli, userEnv, type CliEnv } from './login-support.js';

export interface Result {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Author {
  user: CreatedUser;
  env: CliEnv;
  /** `session <args>`; never rejects. */
  run(args: string[], extraEnv?: CliEnv): Promise<Result>;
  /** `session <args> --json`, which must succeed; the parsed stdout. */
  json<T>(args: string[]): Promise<T>;
}

export async function signedInAuthor(backend: TestBackend, options: NewUserOptions = {}): Promise<Author> {
  await ensureBuilt();
  const user = await backend.createUser(options);
  const env = await userEnv(backend);
  const run = async (args: string[], extraEnv: CliEnv = {}): Promise<Result> => {
    const res = await runCli(args, { ...env, ...extraEnv });
    return { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr) };
  };
  const login = await run(['login', '--with-password'], { SESSION_EMAIL: user.email, SESSION_PASSWORD: user.password });
  expect(login.exitCode, login.stderr).toBe(0);
  return {
    user,
    env,
    run,
    async json<T>(args: string[]): Promise<T> {
      const res = await run([...args, '--json']);
      expect(res.exitCode, `session ${args.join(' ')}\n${res.stderr}`).toBe(0);
      return JSON.parse(res.stdout) as T;
    },
  };
}

/** What a failed command must look like: its exit code, one error line (plus a hint), nothing on stdout. */
export function expectFailure(res: Result, exitCode: number, message?: RegExp): void {
  expect(res.exitCode, res.stderr).toBe(exitCode);
  expect(res.stdout).toBe('');
  const lines = res.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^error: /);
  expect(lines.length).toBeLessThanOrEqual(2);
  if (lines[1] !== undefined) expect(lines[1]).toMatch(/^hint: /);
  if (message) expect(lines[0]).toMatch(message);
}

/** A fingerprint of every content row, to show a command wrote nothing. */
export async function contentSnapshot(backend: TestBackend): Promise<string> {
  const { rows } = await backend.db.pool.query<{ snapshot: string }>(`
    select coalesce(jsonb_agg(x order by x.kind, x.id)::text, '[]') as snapshot from (
      select 'session' as kind, id, name, updated_at::text as stamp, null::int as order_index from public.sessions
      union all
      select 'module', id, name, updated_at::text, order_index from public.modules
      union all
      select 'video', id, file_name, updated_at::text, order_index from public.videos
    ) x`);
  return rows[0]!.snapshot;
}

export interface ModuleJson {
  id: string;
  session_id: string;
  name: string;
  key: string | null;
  position: number;
  order_index: number;
}

export interface SessionJson {
  id: string;
  user_id: string;
  name: string;
  session_type: string;
  key: string | null;
}

export interface TreeJson {
  id: string;
  name: string;
  session_type: string;
  key: string | null;
  modules: Array<{ id: string; name: string; key: string | null; order_index: number; videos: Array<{ id: string; file_name: string; order_index: number }> }>;
}

export interface ListJson {
  sessions: Array<{ id: string; name: string; session_type: string; key: string | null; module_count: number; video_count: number; total_bytes: number; owner_email: string | null; updated_at: string }>;
  next_cursor: string | null;
}
