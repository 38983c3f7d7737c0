#!/usr/bin/env node
// Launcher: answers --version without loading anything; sends an invocation that only asks for
// help to the help bundle (dist/help.cjs, the command tree as CommonJS, compiled from its V8 code
// cache); hands everything else, and any help invocation that turns out to run a command, to the
// CLI (dist/cli.js).
// CommonJS (bin/package.json): on Node 20 an ES module entry costs ~5 ms more to start.
'use strict';

const { join } = require('node:path');

/** The help bundle; its code cache is this path + `.cache` (both made by `npm run build`). */
const HELP_BUNDLE = join(__dirname, '..', 'dist', 'help.cjs');

if (require.main === module) launch(process.argv.slice(2));
module.exports = { HELP_BUNDLE, asksForHelp, loadHelpBundle };

function launch(args) {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    const { readFileSync } = require('node:fs');
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    process.stdout.write(`session ${pkg.version}\n`);
    return;
  }
  if (asksForHelp(args)) {
    let help = null;
    try {
      help = loadHelpBundle({ cache: true }).exports;
    } catch (err) {
      if (!err || err.code !== 'ENOENT') throw err;
    }
    // helpOnly resolves false when a command would run (`create --type --help`): nothing was
    // written, and the CLI starts over with the same arguments.
    if (help) help.helpOnly(process.argv).then((done) => done || runCli());
    else runCli();
    return;
  }
  runCli();
}

/** No arguments, `help …`, or -h / --help before any `--`. */
function asksForHelp(args) {
  if (args.length === 0 || args[0] === 'help') return true;
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '-h' || arg === '--help') return true;
  }
  return false;
}

/**
 * Compiles and runs dist/help.cjs as Node runs a CommonJS module, with its code cache when there
 * is one. The cache file starts with the bundle's first line (its build's stamp): one left from
 * another build is not used. V8 rejects a cache made by another Node version or with other flags;
 * the bundle then compiles from source, a few ms slower. `cache` says which happened: taken,
 * rejected, or none. Nothing is written here: the package folder may be read-only.
 */
function loadHelpBundle({ cache }) {
  const { readFileSync } = require('node:fs');
  const { dirname } = require('node:path');
  const { Script } = require('node:vm');
  const Module = require('node:module');
  const source = readFileSync(HELP_BUNDLE, 'utf8');
  const stamp = source.slice(0, source.indexOf('\n') + 1);
  let cachedData;
  if (cache) {
    try {
      const data = readFileSync(`${HELP_BUNDLE}.cache`);
      if (stamp.length > 1 && data.length > stamp.length && data.toString('latin1', 0, stamp.length) === stamp) cachedData = data.subarray(stamp.length);
    } catch {
      // no cache: compile from source
    }
  }
  const script = new Script(Module.wrap(source), { filename: HELP_BUNDLE, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(HELP_BUNDLE), mod, HELP_BUNDLE, dirname(HELP_BUNDLE));
  return { exports: mod.exports, script, stamp, cache: cachedData ? (script.cachedDataRejected ? 'rejected' : 'taken') : 'none' };
}

function runCli() {
  import('../dist/cli.js').then(
    (cli) => cli.main(process.argv),
    (err) => {
      if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
        process.stderr.write('session: the CLI is not built yet\nhint: run `npm run build` in the package folder\n');
        process.exit(1);
      }
      throw err;
    },
  );
}
