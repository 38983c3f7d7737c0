// Running the built CLI as a user would: `node bin/session.js` through execa, with its own HOME
// and XDG_CONFIG_HOME, against a local backend.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { withFileLock } from '../../src/config/lock.js';

export const repoRoot = resolve(import.meta.dirname, '../..');
/** The launcher of this file's snapshot of the built CLI (see ensureBuilt). */
export let launcher = join(repoRoot, 'bin', 'session.js');
let snapshot: string | null = null;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than src/ (the run's global setup does it once, first). */
export function buildIfStale(): void {
  const built = join(repoRoot, 'dist', 'cli.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newestMtime(join(repoRoot, 'src'))) {
    execSync('npm run build', { cwd: repoRoot, stdio: 'ignore' });
  }
}

/**
 * Builds dist/ when it is missing or older than src/ (under a lock: test files run in parallel),
 * then runs a private copy of bin/ and dist/, so a rebuild started elsewhere while this file's
 * tests run (dist/ is emptied first, chunk names change) cannot pull the files from under them.
 */
export async function ensureBuilt(): Promise<void> {
  await withFileLock(
    join(tmpdir(), 'session-cli-build.lock'),
    async () => {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        buildIfStale();
        const dir = await mkdtemp(join(tmpdir(), 'session-cli-'));
        try {
          await cp(join(repoRoot, 'bin'), join(dir, 'bin'), { recursive: true });
          await cp(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
          await cp(join(repoRoot, 'package.json'), join(dir, 'package.json'));
          await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
          // What the published package ships beside dist/: migrations, functions, the device page.
          await symlink(join(repoRoot, 'supabase'), join(dir, 'supabase'));
          await symlink(join(repoRoot, 'web'), join(dir, 'web'));
          if (complete(join(dir, 'dist'))) {
            snapshot = dir;
            launcher = join(dir, 'bin', 'session.js');
            return;
          }
        } catch {
          // copied while a build was rewriting dist/: try again
        }
        await rm(dir, { recursive: true, force: true });
        await new Promise((r) => setTimeout(r, 1_000));
      }
      throw new Error('could not take a complete copy of dist/ (a build kept rewriting it)');
    },
    { timeoutMs: 180_000, staleMs: 180_000 },
  );
}

/** Every chunk the copied bundle refers to is there. */
function complete(dist: string): boolean {
  if (!existsSync(join(dist, 'cli.js'))) return false;
  const files = readdirSync(dist, { recursive: true }) as string[];
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(dist, file), 'utf8');
    for (const m of text.matchAll(/["'](\.{1,2}\/(?:chunks\/)?[\w.-]+\.js)["']/g)) {
      const target = resolve(join(dist, file, '..'), m[1]!);
      if (!existsSync(target)) return false;
    }
  }
  return true;
}

export async function removeSnapshot(): Promise<void> {
  if (snapshot) await rm(snapshot, { recursive: true, force: true });
  snapshot = null;
}

export interface CliEnv {
  [name: string]: string | undefined;
}

/** A fresh HOME with its own config directory, and the project settings of `backend`. */
export async function userEnv(backend: { url: string; anonKey: string }, extra: CliEnv = {}): Promise<CliEnv & { HOME: string; XDG_CONFIG_HOME: string }> {
  const home = await mkdtemp(join(tmpdir(), 'session-home-'));
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    SUPABASE_URL: backend.url,
    SUPABASE_ANON_KEY: backend.anonKey,
    NO_COLOR: '1',
    ...extra,
  };
}

export function runCli(args: string[], env: CliEnv, options: { cwd?: string } = {}): ResultPromise<{ reject: false; extendEnv: false }> {
  return execa('node', [launcher, ...args], {
    env: env as Record<string, string>,
    extendEnv: false,
    reject: false,
    cwd: options.cwd ?? (env.HOME as string),
    stdin: 'ignore',
  }) as never;
}

/** Waits until the running CLI has printed its one-time code and approval URL on stderr. */
export function waitForCode(child: ResultPromise, timeoutMs = 15_000): Promise<{ userCode: string; url: string }> {
  return new Promise((resolvePromise, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no code on stderr after ${timeoutMs} ms:\n${text}`)), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const code = /one-time code: ([A-Z]{4}-[A-Z]{4})/.exec(text);
      const url = /approve this sign-in at (\S+)/.exec(text);
      if (code && url) {
        clearTimeout(timer);
        resolvePromise({ userCode: code[1]!, url: url[1]! });
      }
    });
    void child.then((res) => {
      clearTimeout(timer);
      reject(new Error(`the CLI ended (exit ${res.exitCode}) before showing a code:\n${res.stderr}`));
    });
  });
}
