import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, reportError, throwParseErrors } from '../../src/cli.js';
import { CliError } from '../../src/base/errors.js';
import { parseLimit } from '../../src/commands/session/ls.js';

/**
 * The real command tree, parsed in-process: bad input must fail with its own error code
 * before the command asks for a project or a token (no settings exist here, so reaching
 * that point would fail differently, with `no_project`).
 */
async function parseError(args: string[]): Promise<CliError> {
  const program = buildProgram('test');
  const walk = (c: typeof program): void => {
    c.exitOverride();
    c.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
    c.commands.forEach(walk);
  };
  walk(program);
  try {
    await program.parseAsync(['node', 'session', ...args]);
  } catch (err) {
    if (err instanceof CliError) return err;
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = reportError(err, { json: false, debug: false, noColor: true });
    return new CliError(String((err as Error).message), { code: 'commander', exitCode: exit as 2 });
  }
  throw new Error(`expected ${args.join(' ')} to fail`);
}

afterEach(() => {
  vi.restoreAllMocks();
});

const long = 'x'.repeat(300);
const cases: Array<[string, string[], number, string]> = [
  ['blank session name', ['create', '  '], 2, 'invalid_name'],
  ['300-character session name', ['create', long], 2, 'invalid_name'],
  ['missing name without a terminal', ['create', '--no-input'], 2, 'missing_argument'],
  ['blank key', ['create', 'x', '--key', ' '], 2, 'invalid_key'],
  ['blank module name', ['module', 'add', 'intro', ''], 2, 'invalid_name'],
  ['300-character module name', ['module', 'add', 'intro', long], 2, 'invalid_name'],
  ['--at 0', ['module', 'add', 'intro', 'Setup', '--at', '0'], 2, 'position_out_of_range'],
  ['--at not a number', ['module', 'add', 'intro', 'Setup', '--at', 'two'], 2, 'invalid_position'],
  ['--to 0', ['module', 'move', 'intro', 'Setup', '--to', '0'], 2, 'position_out_of_range'],
  ['no destination', ['module', 'move', 'intro', 'Setup'], 2, 'invalid_move'],
  ['two destinations', ['module', 'move', 'intro', 'Setup', '--first', '--last'], 2, 'invalid_move'],
  ['blank rename', ['rename', 'intro', ' '], 2, 'invalid_name'],
  ['module rename to 300 characters', ['module', 'rename', '3f2a9c10', long], 2, 'invalid_name'],
  ['module given by name where an id is needed', ['module', 'rename', 'Setup', 'New'], 2, 'invalid_ref'],
  ['3-character module prefix', ['module', 'rm', '3f2', '--yes'], 2, 'ref_too_short'],
  ['rm without --yes and without a terminal', ['rm', 'intro'], 2, 'confirmation_required'],
  ['module rm without --yes and without a terminal', ['module', 'rm', '3f2a9c10'], 2, 'confirmation_required'],
  ['--limit 0', ['ls', '--limit', '0'], 2, 'invalid_limit'],
  ['--limit 1001', ['ls', '--limit', '1001'], 2, 'invalid_limit'],
  ['--everyone with --owner', ['ls', '--everyone', '--owner', 'a@b.c'], 2, 'invalid_flags'],
  ['unknown shell', ['completion', 'tcsh'], 2, 'invalid_shell'],
];

describe('bad input fails before any request', () => {
  for (const [label, args, exit, code] of cases) {
    it(`${label}: exit ${exit} (${code})`, async () => {
      const err = await parseError(args);
      expect(err.code).toBe(code);
      expect(err.exitCode).toBe(exit);
      expect(err.message).not.toContain('\n');
    });
  }

  it('an unknown flag is a usage error (exit 2)', async () => {
    const err = await parseError(['ls', '--nope']);
    expect(err.exitCode).toBe(2);
  });

  it("commander's errors are one line, with a hint naming the command's own --help", async () => {
    const stderrOf = async (args: string[]): Promise<string> => {
      const program = buildProgram('test');
      throwParseErrors(program);
      program.configureOutput({ writeOut: () => {}, writeErr: () => {} });
      let text = '';
      try {
        await program.parseAsync(['node', 'session', ...args]);
      } catch (err) {
        vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
          text += String(chunk);
          return true;
        });
        expect(reportError(err, { json: false, debug: false, noColor: true })).toBe(2);
        vi.restoreAllMocks();
      }
      return text;
    };
    expect(await stderrOf(['video', 'upload', '9c1e'])).toBe('error: no files given\nhint: pass one or more video files after the module\n');
    expect(await stderrOf(['module', 'ad'])).toBe("error: unknown command 'ad' (did you mean add?)\nhint: see `session module --help`\n");
    expect(await stderrOf(['ls', '--jsn'])).toBe("error: unknown option '--jsn' (did you mean --json?)\nhint: see `session ls --help`\n");
    expect(await stderrOf(['shwo'])).toBe("error: unknown command 'shwo' (did you mean show?)\nhint: see `session --help` or `session <command> --help`\n");
  });
});

describe('parseLimit', () => {
  it('defaults to 50 and takes 1..1000', () => {
    expect(parseLimit(undefined)).toBe(50);
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit('1000')).toBe(1000);
    for (const bad of ['0', '-1', '1.5', 'ten', '1001']) expect(() => parseLimit(bad)).toThrow(CliError);
  });
});

describe('help', () => {
  const commands = [['create'], ['ls'], ['show'], ['rename'], ['rm'], ['module', 'add'], ['module', 'ls'], ['module', 'move'], ['module', 'rename'], ['module', 'rm'], ['completion']];
  for (const path of commands) {
    it(`session ${path.join(' ')} --help has examples`, () => {
      const program = buildProgram('test');
      let cmd = program;
      for (const name of path) cmd = cmd.commands.find((c) => c.name() === name)!;
      let text = '';
      cmd.configureOutput({ writeOut: (s) => (text += s) });
      cmd.outputHelp();
      expect(text).toMatch(/EXAMPLES\n {2}\$ session /);
    });
  }
});
