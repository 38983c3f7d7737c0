import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli.js';
import { COMMAND_GROUPS } from '../../src/commands/help.js';

function helpOf(path: string[]): string {
  const program = buildProgram('1.2.3');
  let cmd: Command = program;
  for (const name of path) cmd = cmd.commands.find((c) => c.name() === name)!;
  let text = '';
  program.configureOutput({ writeOut: (s) => (text += s) });
  cmd.configureOutput({ writeOut: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

describe("help in gh's shape", () => {
  it('the top level: description, USAGE, grouped commands, FLAGS, examples and LEARN MORE, in that order', () => {
    const text = helpOf([]);
    const order = ['Build educational sessions', 'USAGE', 'CORE COMMANDS', 'CONTENT COMMANDS', 'ACCOUNT COMMANDS', 'LOCAL COMMANDS', 'ADDITIONAL COMMANDS', 'FLAGS', 'GETTING STARTED', 'EXIT CODES', 'LEARN MORE'];
    const at = order.map((s) => text.indexOf(s));
    expect(at.every((i) => i >= 0), text).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const section = (heading: string) => text.slice(text.indexOf(heading)).split('\n\n')[0]!;
    expect(section('CORE COMMANDS')).toMatch(/\n {2}create:[\s\S]*\n {2}ls, list:[\s\S]*\n {2}import:/);
    expect(section('CONTENT COMMANDS')).toMatch(/module:[\s\S]*video:/);
    expect(section('ACCOUNT COMMANDS')).toMatch(/login:[\s\S]*whoami:/);
    expect(section('LOCAL COMMANDS')).toMatch(/local:/);
    expect(section('ADDITIONAL COMMANDS')).toMatch(/gc:[\s\S]*completion:[\s\S]*version:/);
  });

  it('a command without a group lands under ADDITIONAL COMMANDS; a known group under its heading', () => {
    const program = buildProgram('1');
    program.command('frobnicate').description('Do something ungrouped');
    program.command('provision').helpGroup('account').description('Provision something');
    let text = '';
    program.configureOutput({ writeOut: (s) => (text += s) });
    program.outputHelp();
    const additional = text.slice(text.indexOf('ADDITIONAL COMMANDS')).split('\n\n')[0]!;
    const account = text.slice(text.indexOf('ACCOUNT COMMANDS')).split('\n\n')[0]!;
    expect(additional).toContain('frobnicate:');
    expect(account).toContain('provision:');
    expect(Object.keys(COMMAND_GROUPS)).toEqual(['core', 'content', 'account', 'local']);
  });

  it('a subcommand lists its own FLAGS, the global ones as INHERITED FLAGS, its arguments and examples', () => {
    const text = helpOf(['module', 'add']);
    expect(text).toMatch(/^Add a module to a session/);
    expect(text).toContain('USAGE\n  session module add [<session>] [<name>] [flags]');
    const flags = text.slice(text.indexOf('FLAGS'), text.indexOf('INHERITED FLAGS'));
    expect(flags).toContain('--at <position>');
    expect(flags).not.toContain('--json');
    const inherited = text.slice(text.indexOf('INHERITED FLAGS'), text.indexOf('ARGUMENTS'));
    for (const flag of ['--json', '--quiet', '--profile <name>', '--no-input', '--debug', '--no-color', '--help']) expect(inherited).toContain(flag);
    expect(text).toMatch(/EXAMPLES\n {2}\$ session module add/);
    expect(text.trimEnd()).toMatch(/LEARN MORE\n {2}Use `session <command> --help`[\s\S]*$/);
  });

  it('every description starts with a capital, built-ins included, and defaults are not quoted', () => {
    for (const path of [[], ['ls'], ['video', 'upload'], ['local', 'start'], ['module']]) {
      const text = helpOf(path);
      for (const line of text.split('\n')) {
        // "  -x, --flag <v>  Description" and "  name:  Description"
        const m = /^ {2}(?:-\w, )?(?:--[\w-]+(?: <[^>]+>)?|<[\w-]+>(?:\.\.\.)?|[\w, ]+:) {2,}(\S)/.exec(line);
        if (m) expect(m[1], `${path.join(' ')}: ${line}`).toMatch(/[A-Z0-9`$(]/);
      }
      expect(text, path.join(' ')).not.toMatch(/\(default: "/);
      expect(text).not.toMatch(/display help for command|output the version number/);
    }
    expect(helpOf(['ls'])).toContain('(default: 50)');
  });

  it('wraps to 80 columns when not on a terminal', () => {
    for (const path of [[], ['import'], ['video', 'upload']]) {
      for (const line of helpOf(path).split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    }
    for (const line of helpOf([]).split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('`session version` prints what `session --version` prints', async () => {
    const program = buildProgram('1.2.3');
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      out += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'session', 'version']);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toBe('session 1.2.3\n');
  });
});
