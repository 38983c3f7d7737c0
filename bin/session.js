#!/usr/bin/env node
// Launcher: answers --version without loading anything, then hands over to the bundle.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`session ${pkg.version}\n`);
} else {
  let cli;
  try {
    cli = await import('../dist/cli.js');
  } catch (err) {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
      process.stderr.write('session: the CLI is not built yet\nhint: run `npm run build` in the package folder\n');
      process.exit(1);
    }
    throw err;
  }
  await cli.main(process.argv);
}
