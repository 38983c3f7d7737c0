// Bundling and running the TypeScript side of a benchmark in its own process.
//
// bench/<name>.server.ts is bundled by esbuild into bench/results/tmp/ (dependencies stay external,
// resolved from the repo's node_modules) and started with one JSON argument {workDir, repoRoot}.
// It talks JSON lines: it prints one line when ready, then one line per request written to its
// stdin, and exits when stdin closes.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Bundles `entry` (relative to the repo) into bench/results/tmp/<name>.mjs; returns the file. */
export async function bundle(entry, name) {
  const outfile = join(repoRoot, 'bench/results/tmp', `${name}.mjs`);
  await mkdir(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(repoRoot, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}

/** Bundles and imports `entry` in this process. */
export async function importBundled(entry, name) {
  return import(pathToFileURL(await bundle(entry, name)).href);
}

/**
 * Starts bench/<name>.server.ts; resolves with its first line (parsed) once it is ready.
 * `request(line)` writes a line and resolves with the answer; `stop()` closes stdin and waits for the exit.
 */
export async function startServer(name, workDir, extra = {}) {
  const outfile = await bundle(`bench/${name}.server.ts`, `${name}.server`);
  const child = spawn(process.execPath, [outfile, JSON.stringify({ ...extra, workDir, repoRoot })], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = [];
  let exited = false;
  createInterface({ input: child.stdout }).on('line', (line) => pending.shift()?.resolve(JSON.parse(line)));
  const next = () => new Promise((resolveLine, reject) => pending.push({ resolve: resolveLine, reject }));
  child.once('exit', (code) => {
    exited = true;
    for (const p of pending.splice(0)) p.reject(new Error(`bench server ${name} exited with ${code}`));
  });
  const info = await next();
  return {
    info,
    child,
    request(line) {
      child.stdin.write(`${line}\n`);
      return next();
    },
    stop() {
      if (exited) return Promise.resolve();
      const done = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      return done;
    },
  };
}
