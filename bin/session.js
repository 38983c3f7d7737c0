#!/usr/bin/env node
// Launcher: answers --version without loading anything, then hands over to the bundle.
// CommonJS (bin/package.json): on Node 20 an ES module entry costs ~5 ms more to start.
'use strict';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = require('node:fs');
  const { join } = require('node:path');
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
  process.stdout.write(`session ${pkg.version}\n`);
} else {
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
