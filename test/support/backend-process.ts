// The local backend in a process of its own, for tests that kill it (SIGKILL) and start it again on
// the same database and port. Started by `spawnBackendProcess` below, bundled with esbuild (the
// script imports TypeScript sources). Prints one JSON line {url, anonKey, serviceRoleKey} when ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface BackendProcessConfig {
  databaseUrl: string;
  authenticatorPassword: string;
  port: number;
  jwtSecret: string;
  dataDir: string;
}

export interface BackendProcess {
  url: string;
  port: number;
  anonKey: string;
  serviceRoleKey: string;
  child: ChildProcess;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');

/** Starts the backend in a child process; resolves once it listens. */
export async function spawnBackendProcess(config: BackendProcessConfig): Promise<BackendProcess> {
  const { build } = await import('esbuild');
  // Under node_modules/.cache so the bundle's external packages resolve from the repo's node_modules.
  const outfile = join(repo, 'node_modules', '.cache', 'session-tests', 'backend-process.mjs');
  await build({ entryPoints: [fileURLToPath(import.meta.url)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  const child = spawn(process.execPath, [outfile, JSON.stringify({ ...config, projectRoot: repo })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const line = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout! }).once('line', ok);
    child.once('exit', (code) => fail(new Error(`the backend process exited (${code}) before it was ready`)));
  });
  const info = JSON.parse(line) as { url: string; anonKey: string; serviceRoleKey: string };
  return {
    ...info,
    port: Number(new URL(info.url).port),
    child,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]!) as BackendProcessConfig & { projectRoot: string };
  const { startBackend } = await import('../../src/local/server.js');
  const backend = await startBackend(config);
  process.stdout.write(`${JSON.stringify({ url: backend.url, anonKey: backend.anonKey, serviceRoleKey: backend.serviceRoleKey })}\n`);
}

// Run as the bundled script (not when a test imports this file).
if (process.argv[1]?.endsWith('backend-process.mjs')) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
