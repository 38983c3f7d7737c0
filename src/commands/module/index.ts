import type { Command } from 'commander';
import { action, examples, parsePosition } from '../runner.js';
import type { AddOptions } from './add.js';
import type { MoveOptions } from './move.js';

/** `session module add|ls|move|rename|rm`. */
export function registerModuleCommands(program: Command): void {
  const module = program.command('module').helpGroup('content').description('Add, list, reorder, rename and delete the modules of a session');

  module
    .command('add')
    .description('Add a module to a session: at the end, or at a position')
    .argument('[session]', 'session id, id prefix, name or key')
    .argument('[name]', 'the module name')
    .option('--at <position>', 'insert at this position (1 is first); default: last', (v) => parsePosition(v, '--at'))
    .option('-k, --key <key>', 'a stable key for imports, unique in the session')
    .addHelpText('after', examples(['session module add "Intro to SQL" "Setup"', 'session module add intro-sql "Welcome" --at 1', 'session module add 3f2a "Joins" --json']))
    .action(
      action(async (ctx, session: string | undefined, name: string | undefined, opts: Omit<AddOptions, 'session' | 'name'>) =>
        (await import('./add.js')).run({ ...opts, session, name }, ctx),
      ),
    );

  module
    .command('ls')
    .alias('list')
    .description("List a session's modules in order")
    .argument('[session]', 'session id, id prefix, name or key')
    .addHelpText('after', examples(['session module ls "Intro to SQL"', 'session module ls 3f2a --json | jq -r ".[].id"']))
    .action(action(async (ctx, session: string | undefined) => (await import('./ls.js')).run({ session }, ctx)));

  module
    .command('move')
    .alias('mv')
    .description('Move a module within its session, in one atomic step')
    .argument('[session]', 'session id, id prefix, name or key')
    .argument('[module]', 'module id, id prefix, or its name in that session')
    .option('--to <position>', 'to this position (1 is first)', (v) => parsePosition(v, '--to'))
    .option('--before <module>', 'just before this module')
    .option('--after <module>', 'just after this module')
    .option('--first', 'to the first position')
    .option('--last', 'to the last position')
    .addHelpText(
      'after',
      examples(['session module move "Intro to SQL" Setup --first', 'session module move intro-sql 9c1e --to 3', 'session module move intro-sql Joins --after Filtering']),
    )
    .action(
      action(async (ctx, session: string | undefined, moduleRef: string | undefined, opts: Omit<MoveOptions, 'session' | 'module'>) =>
        (await import('./move.js')).run({ ...opts, session, module: moduleRef }, ctx),
      ),
    );

  module
    .command('rename')
    .description('Rename a module')
    .argument('[module]', 'module id or id prefix (see `session module ls <session>`)')
    .argument('[name]', 'the new name')
    .addHelpText('after', examples(['session module rename 9c1e "Getting set up"', 'session module rename 9c1e0b7a-… "Joins" --json']))
    .action(action(async (ctx, moduleRef: string | undefined, name: string | undefined) => (await import('./rename.js')).run({ module: moduleRef, name }, ctx)));

  module
    .command('rm')
    .alias('delete')
    .description('Delete a module with its videos; the modules after it move up')
    .argument('[module]', 'module id or id prefix (see `session module ls <session>`)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples(['session module rm 9c1e', 'session module rm 9c1e --yes --json']))
    .action(action(async (ctx, moduleRef: string | undefined, opts: { yes?: boolean }) => (await import('./rm.js')).run({ module: moduleRef, yes: opts.yes }, ctx)));
}
