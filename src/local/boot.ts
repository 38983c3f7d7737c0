// Brings one local backend instance up in this process: PostgreSQL from the data directory, the
// platform objects, pending migrations, the seed on first start, then the HTTP server.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  applyMigrations,
  applyPlatform,
  applySeed,
  databaseUrl,
  isInitialised,
  migrationDrift,
  packageRoot,
  runningPid,
  seedFile,
  setRolePasswords,
  startPostgres,
  stopPostgresInDataDir,
  type RunningPostgres,
} from './postgres.js';
import { deriveApiKeys, type ApiKeys } from './keys.js';
import { startBackend, type RunningBackend } from './server.js';
import { replacePublishedSeedPasswords } from './seed-passwords.js';
import {
  backendPid,
  freePort,
  isPortFree,
  loadOrCreateSecrets,
  preparePrivateDir,
  paths,
  projectAuthSettings,
  writeState,
  type InstanceState,
  type Secrets,
} from './instance.js';

export class LocalStartError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface LocalBackend {
  state: InstanceState;
  keys: ApiKeys;
  /** Stops the HTTP server and PostgreSQL and removes the state and pid files. */
  stop(): Promise<void>;
}

export interface RunOptions {
  dataDir: string;
  port: number;
  /** Browser origins besides the backend's own allowed to call it (`--cors-origin`). */
  corsOrigins?: string[];
  /** Progress lines (what is being done). */
  log: (line: string) => void;
  /** Server error lines. */
  serverLog?: (line: string) => void;
}

export async function runLocalBackend(options: RunOptions): Promise<LocalBackend> {
  const dir = path.resolve(options.dataDir);
  const files = paths(dir);
  preparePrivateDir(dir);
  const other = backendPid(dir);
  if (other !== null && other !== process.pid) {
    throw new LocalStartError(`a local backend (pid ${other}) already runs from ${dir}`, 'run `session local status` or `session local stop`', 'already_running');
  }
  if (!(await isPortFree(options.port))) {
    throw new LocalStartError(`port ${options.port} on 127.0.0.1 is already in use`, 'pass --port with a free port', 'port_in_use');
  }
  writeFileSync(files.pid, `${process.pid}\n`, { mode: 0o600 });
  const original = { log: options.log, serverLog: options.serverLog ?? options.log };
  let redact = (line: string) => line;
  options = { ...options, log: (line) => original.log(redact(line)), serverLog: (line) => original.serverLog(redact(line)) };

  let pg: RunningPostgres | null = null;
  let backend: RunningBackend | null = null;
  try {
    const secrets = loadOrCreateSecrets(dir);
    redact = await redactor(secrets);
    // A PostgreSQL left behind by a killed backend would hold the data directory.
    if (runningPid(files.pg) !== null) {
      options.log('stopping a PostgreSQL left running from an earlier start');
      await stopPostgresInDataDir(files.pg);
    }
    const dbPort = (await isPortFree(options.port + 1)) ? options.port + 1 : await freePort();
    const firstStart = !isInitialised(files.pg);
    options.log(firstStart ? `initialising PostgreSQL 17 in ${files.pg}` : `starting PostgreSQL 17 from ${files.pg}`);
    pg = await startPostgres({ dataDir: files.pg, port: dbPort, superuserPassword: secrets.superuser_password });
    const superuserUrl = pg.superuserUrl('postgres');
    const postgresUrl = databaseUrl({ port: dbPort, user: 'postgres', password: secrets.role_password });
    await applyPlatform(superuserUrl);
    await setRolePasswords(superuserUrl, {
      postgres: secrets.role_password,
      authenticator: secrets.role_password,
      supabase_auth_admin: secrets.role_password,
      supabase_storage_admin: secrets.role_password,
    });
    const applied = await applyMigrations(postgresUrl);
    if (applied.length > 0) options.log(`applied ${applied.length} migration${applied.length === 1 ? '' : 's'}: ${applied.join(', ')}`);
    const drift = (await migrationDrift(postgresUrl)).map((d) =>
      d.problem === 'changed' ? `${d.version}_${d.name}.sql changed after it was applied` : `${d.version}_${d.name ?? ''}.sql was applied but is gone`,
    );
    if (!existsSync(files.seeded)) {
      if (existsSync(seedFile())) {
        await applySeed(postgresUrl);
        options.log('loaded supabase/seed.sql');
      }
      writeFileSync(files.seeded, `${new Date().toISOString()}\n`);
    }
    // Published seed passwords never stay on a backend any web page can reach.
    await replacePublishedSeedPasswords(superuserUrl, { demo_password: secrets.demo_password, operator_password: secrets.operator_password });
    const projectRoot = packageRoot();
    const auth = projectAuthSettings(projectRoot);
    backend = await startBackend({
      databaseUrl: superuserUrl,
      authenticatorPassword: secrets.role_password,
      port: options.port,
      jwtSecret: secrets.jwt_secret,
      dataDir: dir,
      projectRoot,
      jwtExpiry: auth.jwtExpiry,
      refreshTokenReuseInterval: auth.refreshTokenReuseInterval,
      minimumPasswordLength: auth.minimumPasswordLength,
      siteUrl: auth.siteUrl,
      maxRows: auth.maxRows,
      rateLimits: auth.rateLimits,
      corsOrigins: options.corsOrigins ?? [],
      log: options.serverLog ?? options.log,
    });
    const state: InstanceState = {
      pid: process.pid,
      port: options.port,
      db_port: dbPort,
      api_url: backend.url,
      db_url: postgresUrl,
      data_dir: dir,
      started_at: new Date().toISOString(),
      ...(drift.length > 0 ? { migration_drift: drift } : {}),
    };
    writeState(dir, state);
    const running = { pg, backend };
    let stopping: Promise<void> | null = null;
    return {
      state,
      keys: await deriveApiKeys(secrets.jwt_secret),
      stop() {
        stopping ??= (async () => {
          await running.backend.close().catch(() => undefined);
          await running.pg.stop().catch(() => undefined);
          rmSync(files.state, { force: true });
          rmSync(files.pid, { force: true });
        })();
        return stopping;
      },
    };
  } catch (err) {
    await backend?.close().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    rmSync(files.pid, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new LocalStartError(`port ${options.port} on 127.0.0.1 is already in use`, 'pass --port with a free port', 'port_in_use');
    }
    throw err;
  }
}

/** Masks every secret of the instance (and the keys derived from it) in a log line: backend.log is a plain file. */
export async function redactor(secrets: Secrets): Promise<(line: string) => string> {
  const keys = await deriveApiKeys(secrets.jwt_secret);
  const hidden = [
    secrets.jwt_secret,
    secrets.superuser_password,
    secrets.role_password,
    secrets.demo_password,
    secrets.operator_password,
    keys.serviceRoleKey,
    keys.secretKey,
    encodeURIComponent(secrets.role_password),
    encodeURIComponent(secrets.superuser_password),
  ].filter((s): s is string => typeof s === 'string' && s.length >= 8);
  return (line) => {
    let out = line;
    for (const secret of hidden) out = out.split(secret).join('[redacted]');
    return out;
  };
}
