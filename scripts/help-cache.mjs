// Writes dist/help.cjs.cache, the V8 code cache of the help bundle (run by scripts/build.mjs in
// a process of its own, with its output discarded). The bundle is loaded by the launcher's own
// loader, so the compiled source is byte for byte what `session --help` compiles, and the cache
// is made after several helps have run, so the functions V8 compiles lazily for them are in it.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { loadHelpBundle, HELP_BUNDLE } = require('../bin/session.js');

const { exports: help, script } = loadHelpBundle({ cache: false });
const runs = [['--help'], ['video', '--help'], ['video', 'upload', '--help'], ['help', 'module', 'add'], []];
for (const args of runs) {
  if (!(await help.helpOnly(['node', 'session', ...args]))) throw new Error(`session ${args.join(' ')}: the help path handed over`);
}
process.exitCode = 0;
writeFileSync(`${HELP_BUNDLE}.cache`, script.createCachedData());
