// The launcher answers help-only invocations (`--help`, `help …`, no arguments) from the help
// bundle (dist/help.cjs) and everything else from the full CLI (dist/cli.js). Both must print the
// same bytes with the same exit code: every command's --help, on terminals of two widths and
// piped, and the invocations that look like help but run a command (`create --type --help`: the
// help path hands over to the full CLI before the action).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { runInPty } from '../support/pty.js';
import { ensureBuilt, launcher, removeSnapshot } from './login-support.js';

let home: string;
let fullCli: string;

beforeAll(async () => {
  await ensureBuilt();
  home = await mkdtemp(join(tmpdir(), 'help-path-'));
  // The full CLI for any arguments, as the launcher runs it when it does not take the help path.
  fullCli = join(home, 'full-cli.mjs');
  const dist = pathToFileURL(join(launcher, '..', '..', 'dist', 'cli.js')).href;
  await writeFile(fullCli, `const { main } = await import(${JSON.stringify(dist)});\nawait main([process.argv[0], ${JSON.stringify(launcher)}, ...process.argv.slice(2)]);\n`);
});

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  await removeSnapshot();
});

/** Every command's path in the tree, hidden ones included (`[]` is the top level). */
function commandPaths(): string[][] {
  const paths: string[][] = [];
  const walk = (cmd: Command, path: string[]) => {
    paths.push(path);
    for (const sub of cmd.commands) walk(sub, [...path, sub.name()]);
  };
  walk(buildProgram('test'), []);
  return paths;
}

const env = { PATH: process.env.PATH, HOME: '', LANG: 'C.UTF-8', NODE_OPTIONS: '' };

/** Runs `argsList` through both paths, a few at a time; returns the differences. */
async function compare(argsList: string[][], run: (entry: string, args: string[]) => Promise<{ out: string; code: number | undefined }>) {
  const differences: Array<{ args: string; help: unknown; full: unknown }> = [];
  const queue = [...argsList];
  const worker = async () => {
    for (let args = queue.shift(); args; args = queue.shift()) {
      const [help, full] = await Promise.all([run(launcher, args), run(fullCli, args)]);
      expect(help.out.length, args.join(' ')).toBeGreaterThan(0);
      if (help.out !== full.out || help.code !== full.code) differences.push({ args: args.join(' '), help, full });
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return differences;
}

describe('the help path prints what the full CLI prints', () => {
  it('is there to compare: the launcher loads dist/help.cjs and takes its code cache', async () => {
    const probe = `const { loadHelpBundle } = require(${JSON.stringify(launcher)}); process.stdout.write(loadHelpBundle({ cache: true }).cache);`;
    expect((await execa('node', ['-e', probe], { env: { ...env, HOME: home }, extendEnv: false })).stdout).toBe('taken');
  });

  const helpArgs = () => [...commandPaths().map((path) => [...path, '--help']), [], ['-h'], ['help'], ['help', 'video', 'upload'], ['help', 'local'], ['nope', '--help'], ['--json', 'module', '--help']];

  for (const cols of [60, 120]) {
    it(`on a terminal ${cols} columns wide: every command's --help, help <command>, no arguments`, async () => {
      const ptyRun = async (entry: string, args: string[]) => {
        const run = runInPty('node', [entry, ...args], { cols, env: { ...env, HOME: home }, cwd: home });
        const { exitCode } = await run.exited;
        return { out: run.raw, code: exitCode };
      };
      const args = helpArgs();
      expect(args.length).toBeGreaterThan(30);
      expect(await compare(args, ptyRun)).toEqual([]);
    });
  }

  it('piped: every command\'s --help, and invocations that turn out to run a command or fail to parse', async () => {
    const piped = async (entry: string, args: string[]) => {
      const res = await execa('node', [entry, ...args], { env: { ...env, HOME: home }, extendEnv: false, cwd: home, reject: false, stdin: 'ignore' });
      return { out: `${res.stdout}\n--- stderr\n${res.stderr}`, code: res.exitCode };
    };
    const runsACommand = [
      ['create', '--type', '--help'],
      ['--json', 'create', '-k', '-h'],
      ['ls', '--limit', '--help'],
      ['video', 'url', '--expires', '--help'],
      ['video', 'url', '--expires', '5x', '--help'],
    ];
    const differences = await compare([...helpArgs(), ...runsACommand], piped);
    expect(differences).toEqual([]);
    // The first of those ran `create` (through the full CLI): no name and no terminal.
    expect((await piped(launcher, runsACommand[0]!)).code).toBe(2);
  });
});
