import { Command, CommanderError, Option } from 'commander';
import { CliError, ExitCode, toCliError } from './base/errors.js';
import { maskSecrets } from './base/mask.js';
import { visibleControls } from './base/visible.js';
import { registerCommands } from './commands/index.js';
import { commandPath, formatHelp, learnMore, paragraph } from './commands/help.js';

declare const __VERSION__: string | undefined;

/**
 * The command tree. `commands/index.ts` and each noun's `index.ts` declare the commands (arguments,
 * flags, help) with no value imports beyond `commands/runner.ts`, `base/errors.ts` and
 * `base/constants.ts`; an action imports its command module (`run`) when it runs. So `--help`
 * loads commander and these definitions only.
 */
export function buildProgram(version = 'dev'): Command {
  const program = new Command('session')
    .description('Build educational sessions (ordered modules of videos) in a Supabase project.')
    .version(version, '-V, --version', 'Show the version')
    .helpOption('-h, --help', 'Show help for command')
    .helpCommand('help [command]', 'Show help for a command')
    .option('--json', 'Print machine-readable JSON on stdout')
    .option('-q, --quiet', 'Print nothing but errors')
    .option('--profile <name>', 'Credentials and settings profile (env: SESSION_PROFILE)')
    .option('--no-input', 'Never prompt; a missing value is an error')
    .option('--debug', 'Log requests to stderr (tokens and keys masked)')
    .option('--no-color', 'Disable colour (also NO_COLOR)')
    .addOption(new Option('--trace', 'print stack traces').hideHelp())
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false, formatHelp })
    .addHelpText('after', (context) => {
      const block = (text: string) => paragraph(text, helpWidth(context.error));
      return [
        '',
        'GETTING STARTED',
        '  $ session local start          # a local Supabase-compatible backend',
        '  $ session login --with-password',
        '  $ session create "Intro to SQL"',
        '',
        'ENVIRONMENT',
        block('SUPABASE_URL, SUPABASE_ANON_KEY, SESSION_PROFILE, SESSION_ACCESS_TOKEN, SESSION_EMAIL, SESSION_PASSWORD, NO_COLOR.'),
        '',
        'EXIT CODES',
        block('0 ok, 1 failure, 2 bad input, 3 not signed in or not allowed, 4 not found, 5 conflict, 6 partial failure, 130 interrupted.'),
      ].join('\n');
    })
    .addHelpText('afterAll', (context) => learnMore(helpWidth(context.error)));
  registerCommands(program);
  return program;
}

/** The width commander wraps help to: the terminal's, else 80. */
function helpWidth(error: boolean): number {
  const stream = error ? process.stderr : process.stdout;
  return (stream.isTTY && stream.columns) || 80;
}

function applyToAll(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) applyToAll(sub, fn);
}

/**
 * Commander's errors are thrown (not printed, no process.exit) for `reportError`, each carrying
 * the path of the command that raised it (`session video upload`), so its hint can name that
 * command's --help.
 */
export function throwParseErrors(program: Command): void {
  applyToAll(program, (c) => {
    const where = commandPath(c);
    c.exitOverride((err) => {
      throw Object.assign(err, { commandPath: where });
    });
    c.configureOutput({ outputError: () => {} });
  });
}

export async function main(argv: string[] = process.argv): Promise<void> {
  await parseAndRun(argv, false);
}

/**
 * The help path's entry: `bin/session.js` sends an invocation that only asks for help (`--help`,
 * `help …`, no arguments) to `dist/help.cjs`, this file bundled as CommonJS with a V8 code cache,
 * which starts faster than the ES module bundle. It parses exactly as `main` does and prints the
 * same help and errors; should a command's action be about to run after all (`create --type
 * --help`: --help is the value of --type), it stops before the action, having written nothing,
 * and returns false, and the launcher hands the same argv to `main` of the full CLI.
 */
export async function helpOnly(argv: string[] = process.argv): Promise<boolean> {
  return parseAndRun(argv, true);
}

/** Thrown by the help path's preAction hook: a command would run, so the full CLI takes over. */
const HAND_OVER = Symbol('hand over to the full CLI');

async function parseAndRun(argv: string[], helpPath: boolean): Promise<boolean> {
  const version = typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';
  const program = buildProgram(version);
  const wantsJson = argv.includes('--json');
  const debug = argv.includes('--debug') || argv.includes('--trace');
  // A reader that goes away (`session ls | head`) ends the command quietly, as it does for gh and git.
  const onStreamError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  };
  for (const stream of [process.stdout, process.stderr]) stream.on('error', onStreamError);
  throwParseErrors(program);
  // Commander calls preAction hooks after parsing and the arguments' own checks, right before
  // the action: nothing has been written or started yet.
  if (helpPath) {
    program.hook('preAction', () => {
      throw HAND_OVER;
    });
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err === HAND_OVER) {
      for (const stream of [process.stdout, process.stderr]) stream.off('error', onStreamError);
      return false;
    }
    process.exitCode = reportError(err, { json: wantsJson, debug, noColor: argv.includes('--no-color') });
  }
  return true;
}

/** Prints one line of error and one of hint on stderr (plus JSON with --json); returns the exit code. */
export function reportError(err: unknown, opts: { json: boolean; debug: boolean; noColor: boolean }): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.exitCode === 0) return 0;
    // One line: commander puts its suggestion on a line of its own.
    const message = err.message.replace(/^error:\s*/, '').replace(/\s*\n\(Did you mean (.*)\?\)\s*$/, ' (did you mean $1?)');
    const where = (err as { commandPath?: string }).commandPath;
    const hint = where && where.includes(' ') ? `see \`${where} --help\`` : 'see `session --help` or `session <command> --help`';
    err = new CliError(message, { code: 'usage', hint, exitCode: ExitCode.usage });
  }
  const cliErr = toCliError(err);
  const color = !opts.noColor && !process.env.NO_COLOR && Boolean(process.stderr.isTTY);
  const red = (s: string) => (color ? `\u001b[31m${s}\u001b[39m` : s);
  const dim = (s: string) => (color ? `\u001b[2m${s}\u001b[22m` : s);
  // Messages carry names other people chose (an ambiguous ref lists candidates): escaped before styling.
  let text = `${red('error:')} ${visibleControls(cliErr.message)}\n`;
  if (cliErr.hint) text += `${dim('hint:')} ${visibleControls(cliErr.hint)}\n`;
  if (opts.debug && cliErr.exitCode === ExitCode.failure) {
    const cause = (cliErr as { cause?: unknown }).cause;
    const stack = cause instanceof Error ? cause.stack : cliErr.stack;
    if (stack) {
      // Masked like every other debug line.
      text += `${visibleControls(stack)}\n`;
    }
  }
  if (opts.json) text += `${JSON.stringify(cliErr.toJSON())}\n`;
  // Tokens never reach a terminal or a CI log, whatever an error message carries.
  process.stderr.write(maskSecrets(text));
  return cliErr.exitCode;
}

