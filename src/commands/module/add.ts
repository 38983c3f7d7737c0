import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { action, examples, parsePosition } from '../runner.js';
import { askText } from '../../ui/prompt.js';
import { checkKey, checkName, nameProblem } from '../../core/names.js';
import { checkRef } from '../../core/refs.js';
import { checkPosition, checkPositive } from '../../core/positions.js';
import { CliError, ExitCode } from '../../core/errors.js';
import { addModule, listModules, resolveRef } from '../../core/content.js';
import { moduleView } from './views.js';

export interface AddOptions {
  session?: string | undefined;
  name?: string | undefined;
  at?: number | undefined;
  key?: string | undefined;
}

export function define(parent: Command): Command {
  return parent
    .command('add')
    .description('Add a module to a session: at the end, or at a position')
    .argument('[session]', 'session id, id prefix, name or key')
    .argument('[name]', 'the module name')
    .option('--at <position>', 'insert at this position (1 is first); default: last', (v) => parsePosition(v, '--at'))
    .option('-k, --key <key>', 'a stable key for imports, unique in the session')
    .addHelpText('after', examples(['session module add "Intro to SQL" "Setup"', 'session module add intro-sql "Welcome" --at 1', 'session module add 3f2a "Joins" --json']))
    .action(action((ctx, session: string | undefined, name: string | undefined, opts: Omit<AddOptions, 'session' | 'name'>) => run({ ...opts, session, name }, ctx)));
}

export async function run(opts: AddOptions, ctx: Context): Promise<View> {
  const ref = checkRef('session', opts.session ?? (await askText(ctx.io, { message: 'Session (id, name or key)', flag: '<session>' })));
  const name = checkName(opts.name ?? (await askText(ctx.io, { message: 'Module name', flag: '<name>', validate: (v) => nameProblem(v, 'module') })), 'module');
  const key = checkKey(opts.key);
  // The lower bound needs no request; the upper one is the database's to check.
  if (opts.at !== undefined) checkPositive(opts.at, '--at');
  const api = await ctx.api();
  const session = await resolveRef(api, 'session', ref);
  try {
    const entry = await addModule(api, session.id, name, { orderIndex: opts.at === undefined ? undefined : opts.at - 1, key });
    return moduleView(ctx.io, entry);
  } catch (err) {
    // A rejected position: count the modules (only on this path) to say which range is valid.
    if (opts.at !== undefined && err instanceof CliError && err.exitCode === ExitCode.usage) {
      checkPosition(opts.at, (await listModules(api, session.id)).length, 'insert', '--at');
    }
    throw err;
  }
}
