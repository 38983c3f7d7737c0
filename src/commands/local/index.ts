import type { Command } from 'commander';
import { action, examples } from '../runner.js';
import type { DataDirOption } from './shared.js';
import type { StartOptions } from './start.js';
import type { ResetOptions } from './reset.js';

const DATA_DIR_HELP = 'data directory (default: $SESSION_LOCAL_DIR, else $XDG_DATA_HOME/session/local; /var/tmp/session-local as root)';

/** `session local start|stop|status|reset`: the local Supabase-compatible backend (DESIGN.md section 6). */
export function registerLocalCommands(program: Command): void {
  const local = program
    .command('local')
    .helpGroup('local')
    .description('Run a local Supabase-compatible backend (PostgreSQL 17 + Auth, REST, Storage, Functions), no Docker needed');

  local
    .command('start')
    .description('Start the local backend in the background (first start: PostgreSQL, migrations, seed)')
    .option('-p, --port <port>', 'API port on 127.0.0.1 (PostgreSQL uses the next one when free)', '54321')
    .option('-d, --data-dir <dir>', DATA_DIR_HELP)
    .option('--foreground', 'run in this terminal until Ctrl-C instead of detaching')
    .option(
      '--cors-origin <origin>',
      'also let this browser origin (scheme://host[:port]) call the API; repeatable. By default only the backend\'s own origin may',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .addHelpText('after', examples(['session local start', 'session local start --port 55321 --data-dir ./.local-backend', 'session local start --foreground', 'session local start --cors-origin http://localhost:5173']))
    .action(action(async (ctx, opts: StartOptions) => (await import('./start.js')).run(opts, ctx)));

  local
    .command('stop')
    .description('Stop the local backend and its PostgreSQL (the data is kept)')
    .option('-d, --data-dir <dir>', DATA_DIR_HELP)
    .action(action(async (ctx, opts: DataDirOption) => (await import('./stop.js')).run(opts, ctx)));

  local
    .command('status')
    .description('Show the local backend URL, API keys, database URL and the seed users\' logins (like `supabase status`)')
    .option('-d, --data-dir <dir>', DATA_DIR_HELP)
    .addHelpText('after', examples(['session local status', 'session local status --json | jq -r .anon_key']))
    .action(action(async (ctx, opts: DataDirOption) => (await import('./status.js')).run(opts, ctx)));

  local
    .command('reset')
    .description('Wipe the local database and stored files, then start again: platform, every migration, seed (like `supabase db reset`)')
    .option('-d, --data-dir <dir>', DATA_DIR_HELP)
    .option('-p, --port <port>', 'API port (default: the port it ran on, else 54321)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples(['session local reset --yes']))
    .action(action(async (ctx, opts: ResetOptions) => (await import('./reset.js')).run(opts, ctx)));
}
