// One local backend instance, kept in a data directory:
//
//   <dir>/pg/            PostgreSQL 17 cluster
//   <dir>/secrets.json   JWT secret and role passwords (0600), made on first start
//   <dir>/state.json     written once the backend serves: pid, ports, URLs (removed on stop)
//   <dir>/backend.pid    pid of the backend process while it runs
//   <dir>/backend.log    output of the detached backend
//   <dir>/storage/       Storage objects
//   <dir>/seeded         marker: supabase/seed.sql was loaded (first start, reset)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import { writeFileAtomicSync } from '../base/atomic-file.js';
import { generateJwtSecret, deriveApiKeys, type ApiKeys } from './keys.js';
import { readConfigToml, tableAt } from './config-toml.js';
import { generateSeedPassword, SEED_USERS } from './seed-passwords.js';

const ROOT_DATA_DIR = '/var/tmp/session-local';

export interface Secrets {
  jwt_secret: string;
  superuser_password: string;
  role_password: string;
  /** Passwords of the seed's demo and operator users in this directory (seed-passwords.ts). */
  demo_password: string;
  operator_password: string;
}

export interface InstanceState {
  pid: number;
  port: number;
  db_port: number;
  api_url: string;
  db_url: string;
  data_dir: string;
  started_at: string;
  /** Applied migrations whose files changed or went away since (the database keeps the old SQL). */
  migration_drift?: string[];
}

export interface InstanceStatus {
  running: boolean;
  state: InstanceState | null;
  keys: ApiKeys | null;
  /** The seed users' sign-ins in this directory, once the seed was loaded. */
  seedLogins: SeedLogin[];
}

export interface SeedLogin {
  email: string;
  password: string;
}

/**
 * Where the local backend keeps its data unless --data-dir says otherwise: $SESSION_LOCAL_DIR, else
 * $XDG_DATA_HOME/session/local (~/.local/share/session/local). As root PostgreSQL runs as the OS user
 * `postgres`, which cannot enter /root, so root gets /var/tmp/session-local.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SESSION_LOCAL_DIR && env.SESSION_LOCAL_DIR.trim() !== '') return path.resolve(env.SESSION_LOCAL_DIR);
  if (typeof process.getuid === 'function' && process.getuid() === 0) return ROOT_DATA_DIR;
  const base = env.XDG_DATA_HOME && env.XDG_DATA_HOME.trim() !== '' ? env.XDG_DATA_HOME : path.join(homedir(), '.local', 'share');
  return path.join(base, 'session', 'local');
}

export const paths = (dir: string) => ({
  pg: path.join(dir, 'pg'),
  secrets: path.join(dir, 'secrets.json'),
  state: path.join(dir, 'state.json'),
  pid: path.join(dir, 'backend.pid'),
  log: path.join(dir, 'backend.log'),
  storage: path.join(dir, 'storage'),
  seeded: path.join(dir, 'seeded'),
});

/**
 * Creates the data directory (0700) or checks the one there: it must be a directory of the user running
 * the backend (one planted by another user, say at /var/tmp/session-local before root's first start, would
 * let them read or swap the secrets), and group and others lose read and write on it. Search permission
 * stays: as root, PostgreSQL runs as the OS user `postgres`, which must pass through it.
 */
export function preparePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = assertOwnDir(dir)!;
  if ((st.mode & 0o066) !== 0) chmodSync(dir, st.mode & 0o7711);
}

/** Throws unless `dir` is missing or a directory of the current user; its stat when it exists. */
export function assertOwnDir(dir: string): Stats | null {
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (!st.isDirectory()) throw new Error(`the data directory ${dir} is not a directory`);
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  if (uid !== null && st.uid !== uid) {
    throw new Error(
      `the data directory ${dir} belongs to another user (uid ${st.uid}); choose one of your own with --data-dir or SESSION_LOCAL_DIR`,
    );
  }
  return st;
}

/** The instance's secrets, created (0600) on first use. */
export function loadOrCreateSecrets(dir: string): Secrets {
  const file = paths(dir).secrets;
  preparePrivateDir(dir);
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets> & Pick<Secrets, 'jwt_secret' | 'superuser_password' | 'role_password'>;
    if (stored.demo_password && stored.operator_password) return stored as Secrets;
    // A directory made before the seed users had their own passwords: add them.
    const upgraded: Secrets = {
      ...stored,
      demo_password: stored.demo_password ?? generateSeedPassword(),
      operator_password: stored.operator_password ?? generateSeedPassword(),
    };
    writeFileAtomicSync(file, `${JSON.stringify(upgraded, null, 2)}\n`);
    return upgraded;
  }
  const secrets: Secrets = {
    jwt_secret: generateJwtSecret(),
    superuser_password: randomBytes(18).toString('hex'),
    role_password: randomBytes(18).toString('hex'),
    demo_password: generateSeedPassword(),
    operator_password: generateSeedPassword(),
  };
  writeFileAtomicSync(file, `${JSON.stringify(secrets, null, 2)}\n`);
  return secrets;
}

export function readSecrets(dir: string): Secrets | null {
  try {
    return JSON.parse(readFileSync(paths(dir).secrets, 'utf8')) as Secrets;
  } catch {
    return null;
  }
}

export function readState(dir: string): InstanceState | null {
  try {
    return JSON.parse(readFileSync(paths(dir).state, 'utf8')) as InstanceState;
  } catch {
    return null;
  }
}

export function writeState(dir: string, state: InstanceState): void {
  writeFileAtomicSync(paths(dir).state, `${JSON.stringify(state, null, 2)}\n`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** pid of the running backend process, or null; a stale pid file is removed. */
export function backendPid(dir: string): number | null {
  const file = paths(dir).pid;
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  } catch {
    return null;
  }
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
  rmSync(file, { force: true });
  rmSync(paths(dir).state, { force: true });
  return null;
}

export async function instanceStatus(dir: string): Promise<InstanceStatus> {
  // Its state and secrets are trusted only in a directory of our own.
  assertOwnDir(dir);
  const pid = backendPid(dir);
  const state = pid === null ? null : readState(dir);
  const secrets = readSecrets(dir);
  return {
    running: pid !== null && state !== null && state.pid === pid,
    state: state && state.pid === pid ? state : null,
    keys: secrets ? await deriveApiKeys(secrets.jwt_secret) : null,
    seedLogins: secrets && existsSync(paths(dir).seeded) ? seedLogins(secrets) : [],
  };
}

function seedLogins(secrets: Partial<Secrets>): SeedLogin[] {
  return SEED_USERS.flatMap((user) => (secrets[user.secret] ? [{ email: user.email, password: secrets[user.secret]! }] : []));
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Auth settings of supabase/config.toml that the local backend follows. */
export function projectAuthSettings(projectRoot: string): {
  jwtExpiry?: number;
  refreshTokenReuseInterval?: number;
  minimumPasswordLength?: number;
  siteUrl?: string;
  maxRows?: number;
  rateLimits: { signIn?: number; tokenRefresh?: number; verify?: number };
} {
  const doc = readConfigToml(projectRoot);
  if (!doc) return { rateLimits: {} };
  const num = (table: string, key: string) => {
    const v = tableAt(doc, ...table.split('.'))?.[key];
    return typeof v === 'number' ? v : undefined;
  };
  const str = (table: string, key: string) => {
    const v = tableAt(doc, ...table.split('.'))?.[key];
    return typeof v === 'string' ? v : undefined;
  };
  return {
    jwtExpiry: num('auth', 'jwt_expiry'),
    refreshTokenReuseInterval: num('auth', 'refresh_token_reuse_interval'),
    minimumPasswordLength: num('auth', 'minimum_password_length'),
    siteUrl: str('auth', 'site_url'),
    maxRows: num('api', 'max_rows'),
    rateLimits: {
      signIn: num('auth.rate_limit', 'sign_in_sign_ups'),
      tokenRefresh: num('auth.rate_limit', 'token_refresh'),
      verify: num('auth.rate_limit', 'token_verifications'),
    },
  };
}

/** Starts `node <launcher> local start --foreground ...` detached, its output appended to backend.log. */
export function spawnDetached(launcher: string, dir: string, port: number, extraArgs: string[] = []): { pid: number; exited: Promise<number | null> } {
  preparePrivateDir(dir);
  const log = openSync(paths(dir).log, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [launcher, 'local', 'start', '--foreground', '--data-dir', dir, '--port', String(port), ...extraArgs], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, SESSION_NO_INPUT: '1', NO_COLOR: '1', SESSION_LOCAL_DETACHED: '1' },
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.unref();
    return { pid: child.pid ?? -1, exited };
  } finally {
    closeSync(log);
  }
}

/** The last lines of backend.log, for an error message. */
export function logTail(dir: string, lines = 15): string {
  try {
    const text = readFileSync(paths(dir).log, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Waits for the process to exit; true when it did. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

export async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}
