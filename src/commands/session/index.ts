import type { Command } from 'commander';
import { action, examples } from '../runner.js';
import { DEFAULT_SESSION_TYPE, MAX_PAGE, SESSION_TYPES } from '../../base/constants.js';
import type { CreateOptions } from './create.js';
import type { ListOptions } from './ls.js';

/** Sessions are the top-level noun: `session create`, `session ls` (also `sessions ls`)… */
export function registerSessionCommands(program: Command): void {
  program
    .command('create')
    .helpGroup('core')
    .description('Create a session')
    .argument('[name]', 'the session name (asked for on a terminal)')
    .option('-t, --type <type>', `session type: ${SESSION_TYPES.join(', ')} (default: ${DEFAULT_SESSION_TYPE})`)
    .option('-k, --key <key>', 'a stable key for imports, unique among your sessions')
    .addHelpText('after', examples(['session create "Intro to SQL"', 'session create "Intro to SQL" --key intro-sql --type self-paced --json', 'id=$(session create "Week 1")']))
    .action(action(async (ctx, name: string | undefined, opts: CreateOptions) => (await import('./create.js')).run({ ...opts, name }, ctx)));

  program
    .command('ls')
    .helpGroup('core')
    .alias('list')
    .description('List your sessions, most recently updated first')
    .option('-L, --limit <n>', `sessions per page, 1..${MAX_PAGE}`, '50')
    .option('--after <cursor>', 'start after this cursor (from the previous page)')
    .option('--all-pages', 'fetch every page')
    .option('--everyone', "operators: every author's sessions (read-only)")
    .option('--owner <email>', "operators: one author's sessions (read-only)")
    .addHelpText(
      'after',
      examples(['session ls', 'sessions ls --all-pages --json | jq ".sessions[].name"', 'session ls --limit 10 --after "$cursor"   # $cursor: next_cursor of the previous page', 'sessions ls --everyone']),
    )
    .action(action(async (ctx, opts: ListOptions) => (await import('./ls.js')).run(opts, ctx)));

  program
    .command('show')
    .helpGroup('core')
    .description('Show a session: its modules in order, with their videos in order')
    .argument('[session]', 'session id, id prefix, name or key')
    .addHelpText('after', examples(['session show "Intro to SQL"', 'session show 3f2a --json | jq ".modules[].name"']))
    .action(action(async (ctx, session: string | undefined) => (await import('./show.js')).run({ session }, ctx)));

  program
    .command('rename')
    .helpGroup('core')
    .description('Rename a session')
    .argument('[session]', 'session id, id prefix, name or key')
    .argument('[name]', 'the new name')
    .addHelpText('after', examples(['session rename "Intro to SQL" "SQL basics"', 'session rename 3f2a "SQL basics" --json']))
    .action(action(async (ctx, session: string | undefined, name: string | undefined) => (await import('./rename.js')).run({ session, name }, ctx)));

  program
    .command('rm')
    .helpGroup('core')
    .alias('delete')
    .description('Delete a session with its modules, videos and video files')
    .argument('[session]', 'session id, id prefix, name or key')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples(['session rm "Intro to SQL"', 'session rm 3f2a --yes']))
    .action(action(async (ctx, session: string | undefined, opts: { yes?: boolean }) => (await import('./rm.js')).run({ session, yes: opts.yes }, ctx)));
}
