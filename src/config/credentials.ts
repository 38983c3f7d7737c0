// The credential store: one JSON file per profile in the config directory, 0600 in a 0700
// directory, written atomically (temp file + rename), bound to the project URL it was issued for.
// Refreshing takes a lock on the file, because refresh tokens rotate: two processes refreshing
// the same token past Supabase's reuse window would revoke the whole session.
import { chmod, mkdir, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError, ExitCode, authError } from '../base/errors.js';
import { configDir } from './paths.js';
import { withFileLock, type LockOptions } from './lock.js';
import { writeFileAtomic } from '../base/atomic-file.js';

/** What the credential store keeps of a Supabase session. */
export interface AuthSession {
  access_token: string;
  refresh_token: string;
  /** Unix seconds (the JWT's `exp`). */
  expires_at: number;
  user: { id: string; email: string | null };
}

/** The file's shape. Field names are snake_case, as Supabase's session JSON. */
export interface StoredCredentials extends AuthSession {
  /** The project the tokens belong to (no trailing slash). */
  url: string;
  /** How the session was obtained. */
  method: 'device' | 'password';
  /** When it was stored or last refreshed (ISO 8601). */
  saved_at: string;
}

/** Refresh when the access token has less than this left. */
export const REFRESH_MARGIN_SECONDS = 60;

export function credentialsPath(profile: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), `credentials-${profile}.json`);
}

function lockPathFor(file: string): string {
  return `${file}.lock`;
}

/** The stored credentials, or null when there are none. A damaged file is an error (exit 3) that says how to recover. */
export async function readCredentials(file: string): Promise<StoredCredentials | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, { code: 'credentials_unreadable', hint: 'check its permissions', exitCode: ExitCode.failure });
  }
  const creds = parseCredentials(text);
  if (!creds) throw authError(`the stored credentials in ${file} are damaged`, 'run `session logout`, then `session login`', 'credentials_damaged');
  return creds;
}

export function parseCredentials(text: string): StoredCredentials | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const c = raw as Partial<StoredCredentials> | null;
  if (
    !c ||
    typeof c.url !== 'string' ||
    typeof c.access_token !== 'string' ||
    typeof c.refresh_token !== 'string' ||
    typeof c.expires_at !== 'number' ||
    typeof c.user !== 'object' ||
    c.user === null ||
    typeof c.user.id !== 'string'
  ) {
    return null;
  }
  return {
    url: c.url,
    access_token: c.access_token,
    refresh_token: c.refresh_token,
    expires_at: c.expires_at,
    user: { id: c.user.id, email: typeof c.user.email === 'string' ? c.user.email : null },
    method: c.method === 'password' ? 'password' : 'device',
    saved_at: typeof c.saved_at === 'string' ? c.saved_at : new Date(0).toISOString(),
  };
}

/** Writes the file atomically: a 0600 temp file in the same 0700 directory, synced, renamed over the old one. */
export async function writeCredentials(file: string, creds: StoredCredentials): Promise<void> {
  await ensurePrivateDir(file);
  await writeFileAtomic(file, `${JSON.stringify(creds, null, 2)}\n`);
}

/** The file's directory, created 0700; one that predates us with a wider mode is tightened. */
async function ensurePrivateDir(file: string): Promise<string> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  return dir;
}

export async function deleteCredentials(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export function toStored(url: string, session: AuthSession, method: StoredCredentials['method']): StoredCredentials {
  return { url, ...session, method, saved_at: new Date().toISOString() };
}

export function wrongProjectError(stored: string, wanted: string): CliError {
  const before = localPort(stored);
  const now = localPort(wanted);
  // The local backend restarted on another port (`session local start` takes 54321 unless told).
  const hint =
    before && now && before !== now
      ? `the local backend now runs on port ${now}; run \`session local stop && session local start --port ${before}\`, or \`session login\` to sign in on ${now}`
      : `run \`session login\` to sign in to ${wanted}, or use the --profile that belongs to it`;
  return authError(`the stored sign-in is for ${stored}, not ${wanted}`, hint, 'wrong_project');
}

function localPort(url: string): string | null {
  const match = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)\/?$/.exec(url);
  return match ? match[1]! : null;
}

export function notSignedIn(file: string, url: string): CliError {
  // `session login` signs in the default profile; another profile needs its name.
  const profile = /^credentials-(.+)\.json$/.exec(basename(file))?.[1];
  const login = profile && profile !== 'default' ? `session --profile ${profile} login` : 'session login';
  return authError(`not signed in to ${url}`, `run \`${login}\` (or set SESSION_EMAIL and SESSION_PASSWORD)`, 'not_signed_in');
}

export interface FreshOptions {
  /** The project the caller is talking to: stored tokens for another URL are refused. */
  url: string;
  /** Exchanges a refresh token for a new session (Auth's refresh grant). */
  refresh: (refreshToken: string) => Promise<AuthSession>;
  now?: () => number;
  lock?: LockOptions;
}

/**
 * Credentials whose access token has at least a minute left. When it has less: take the lock,
 * re-read the file (another process may have refreshed while we waited), refresh only if still
 * needed, write, release.
 */
export async function freshCredentials(file: string, known: StoredCredentials | null, opts: FreshOptions): Promise<StoredCredentials> {
  const nowSeconds = () => Math.floor((opts.now ?? Date.now)() / 1000);
  const current = known ?? (await readCredentials(file));
  if (!current) throw notSignedIn(file, opts.url);
  if (current.url !== opts.url) throw wrongProjectError(current.url, opts.url);
  if (current.expires_at - nowSeconds() > REFRESH_MARGIN_SECONDS) return current;

  return withFileLock(
    lockPathFor(file),
    async () => {
      const latest = await readCredentials(file);
      if (!latest) throw authError(`signed out of ${opts.url} meanwhile`, 'run `session login`', 'not_signed_in');
      if (latest.url !== opts.url) throw wrongProjectError(latest.url, opts.url);
      if (latest.expires_at - nowSeconds() > REFRESH_MARGIN_SECONDS) return latest;
      const session = await opts.refresh(latest.refresh_token);
      const next: StoredCredentials = { ...latest, ...session, saved_at: new Date().toISOString() };
      await writeCredentials(file, next);
      return next;
    },
    opts.lock,
  );
}

/** Holds the lock while `fn` runs: logout uses it so it never races a refresh. */
export async function withCredentialsLock<T>(file: string, fn: () => Promise<T>, lock?: LockOptions): Promise<T> {
  await ensurePrivateDir(file);
  return withFileLock(lockPathFor(file), fn, lock);
}
