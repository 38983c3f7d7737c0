// A backend killed during the row phase of `session import` leaves every row or none, and the same
// import then converges. The test holds an advisory lock that a trigger on modules waits for, so it
// kills the backend at a point it observes (import_session waiting in pg_stat_activity), not at a guess.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { startTestBackend, supabaseClient, type TestBackend } from '../support/backend.js';
import { spawnBackendProcess, type BackendProcess } from '../support/backend-process.js';
import { freshDatabase, type FreshDatabase } from '../support/db.js';
import { writeVideo } from '../support/media.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.SESSION_TEST_BIN ?? path.join(root, 'bin', 'session.js');
const LOCK = 7_741_117;

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'import-kill-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function course(name: string): Promise<string> {
  const dir = path.join(work, name);
  for (const [folder, files] of [['01-intro', ['a.mp4', 'b.mp4']], ['02-more', ['c.mp4', 'd.mp4']], ['03-end', ['e.mp4']]] as const) {
    await mkdir(path.join(dir, folder), { recursive: true });
    for (const [i, file] of files.entries()) await writeVideo(path.join(dir, folder, file), 1200 + i * 10 + folder.length);
  }
  return dir;
}

/** Makes every insert into modules wait for the advisory lock that `holder` takes. */
async function gateModules(superuser: pg.Pool): Promise<pg.PoolClient> {
  await superuser.query(`
    create function public.test_wait_for_gate() returns trigger language plpgsql set search_path = '' as $$
    begin
      perform pg_advisory_xact_lock(${LOCK});
      return new;
    end $$;
    create trigger test_wait_for_gate before insert on public.modules for each row execute function public.test_wait_for_gate();`);
  const holder = await superuser.connect();
  await holder.query('select pg_advisory_lock($1)', [LOCK]);
  return holder;
}

async function ungate(superuser: pg.Pool): Promise<void> {
  await superuser.query('drop trigger if exists test_wait_for_gate on public.modules; drop function if exists public.test_wait_for_gate();');
}

/** The pid of the database session running import_session while it waits at the gate. */
async function waitForImportAtGate(superuser: pg.Pool, cli: ResultPromise): Promise<number> {
  const until = Date.now() + 60_000;
  let exited = false;
  void cli.finally(() => (exited = true));
  while (Date.now() < until && !exited) {
    const { rows } = await superuser.query<{ pid: number }>(
      `select pid from pg_stat_activity where wait_event_type = 'Lock' and wait_event = 'advisory' and query ilike '%import_session%'`,
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import_session never waited at the gate${exited ? ` (the CLI exited: ${String((await cli).stderr)})` : ''}`);
}

async function rowsOf(superuser: pg.Pool, userId: string): Promise<{ sessions: number; modules: number; videos: number }> {
  const { rows } = await superuser.query<{ sessions: number; modules: number; videos: number }>(
    `select (select count(*)::int from public.sessions where user_id = $1) as sessions,
            (select count(*)::int from public.modules where user_id = $1) as modules,
            (select count(*)::int from public.videos where user_id = $1) as videos`,
    [userId],
  );
  return rows[0]!;
}

function importCommand(url: string, anonKey: string, token: string, state: string, args: string[]): ResultPromise {
  return execa('node', [bin, 'import', ...args], {
    cwd: work,
    reject: false,
    env: { PATH: process.env.PATH ?? '', SUPABASE_URL: url, SUPABASE_ANON_KEY: anonKey, SESSION_ACCESS_TOKEN: token, XDG_CONFIG_HOME: path.join(work, state, 'config'), XDG_STATE_HOME: path.join(work, state, 'state'), NO_COLOR: '1', CI: 'true' },
    extendEnv: false,
    timeout: 90_000,
  });
}

describe('a backend killed during the row phase', () => {
  let db: FreshDatabase;
  let api: BackendProcess | null = null;

  beforeAll(async () => {
    db = await freshDatabase();
  }, 60_000);
  afterAll(async () => {
    await api?.kill();
    await db?.cleanup();
  });

  it('API process killed (SIGKILL): no row written; after a restart the same import converges', async () => {
    const config = { databaseUrl: db.superuserUrl, authenticatorPassword: db.rolePassword, port: 0, jwtSecret: randomBytes(32).toString('hex'), dataDir: path.join(work, 'api-data') };
    await mkdir(config.dataDir, { recursive: true });
    api = await spawnBackendProcess(config);
    const admin = supabaseClient(api.url, api.serviceRoleKey);
    const email = `kill-${randomBytes(4).toString('hex')}@example.com`;
    const created = await admin.auth.admin.createUser({ email, password: 'pw-kill-test-1', email_confirm: true });
    const signedIn = await supabaseClient(api.url, api.anonKey).auth.signInWithPassword({ email, password: 'pw-kill-test-1' });
    const userId = created.data.user!.id;
    const token = signedIn.data.session!.access_token;
    const dir = await course('api-killed');
    const port = api.port;

    const holder = await gateModules(db.pool);
    let cli: ResultPromise;
    try {
      cli = importCommand(api.url, api.anonKey, token, 'api', [dir]);
      const pid = await waitForImportAtGate(db.pool, cli);
      await api.kill();
      api = null;
      // Let the transaction go on: it finds its client gone and rolls back.
      await holder.query('select pg_advisory_unlock($1)', [LOCK]);
      const until = Date.now() + 30_000;
      while (Date.now() < until && (await db.pool.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount) await new Promise((r) => setTimeout(r, 50));
    } finally {
      holder.release();
      await ungate(db.pool);
    }
    const failed = await cli;
    expect(failed.exitCode).not.toBe(0);
    expect(String(failed.stderr)).toContain('run the same import again');
    expect(await rowsOf(db.pool, userId)).toEqual({ sessions: 0, modules: 0, videos: 0 });

    // The same database and port: the CLI's project URL and token stay valid.
    api = await spawnBackendProcess({ ...config, port });
    const rerun = await importCommand(api.url, api.anonKey, token, 'api', [dir]);
    expect(rerun.exitCode, String(rerun.stderr)).toBe(0);
    expect(await rowsOf(db.pool, userId)).toEqual({ sessions: 1, modules: 3, videos: 5 });
    const again = await importCommand(api.url, api.anonKey, token, 'api', [dir]);
    expect(again.exitCode).toBe(0);
    expect(String(again.stderr)).toContain('No changes');
  }, 180_000);
});

describe('a PostgreSQL backend killed during the row phase', () => {
  let backend: TestBackend;

  beforeAll(async () => {
    backend = await startTestBackend();
  }, 120_000);
  afterAll(async () => {
    await backend?.close();
  });

  it('pg_terminate_backend on import_session: no row written; the same import then converges', async () => {
    const user = await backend.signedInUser();
    const token = user.session.access_token;
    const dir = await course('pg-killed');
    const holder = await gateModules(backend.db.pool);
    let cli: ResultPromise;
    try {
      cli = importCommand(backend.url, backend.anonKey, token, 'pg', [dir]);
      const pid = await waitForImportAtGate(backend.db.pool, cli);
      await backend.db.pool.query('select pg_terminate_backend($1)', [pid]);
    } finally {
      await holder.query('select pg_advisory_unlock($1)', [LOCK]).catch(() => undefined);
      holder.release();
      await ungate(backend.db.pool);
    }
    const failed = await cli;
    expect(failed.exitCode).not.toBe(0);
    expect(String(failed.stderr)).toContain('nothing was written');
    expect(await rowsOf(backend.db.pool, user.id)).toEqual({ sessions: 0, modules: 0, videos: 0 });

    const rerun = await importCommand(backend.url, backend.anonKey, token, 'pg', [dir]);
    expect(rerun.exitCode, String(rerun.stderr)).toBe(0);
    expect(await rowsOf(backend.db.pool, user.id)).toEqual({ sessions: 1, modules: 3, videos: 5 });
    const again = await importCommand(backend.url, backend.anonKey, token, 'pg', [dir]);
    expect(again.exitCode).toBe(0);
    expect(String(again.stderr)).toContain('No changes');
  }, 180_000);
});
