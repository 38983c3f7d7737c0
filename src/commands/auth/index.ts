import type { Command } from 'commander';
import { action, examples } from '../runner.js';
import type { LoginOptions } from './login.js';

/** `session login`, `logout`, `whoami`, `status`: top-level verbs, as people type them. */
export function registerAuthCommands(program: Command): void {
  program
    .command('login')
    .helpGroup('account')
    .description('Sign in: approve a one-time code in the browser (or --with-password)')
    .option('--no-browser', 'print the approval URL; do not open a browser')
    .option('--with-password', 'sign in with email and password (prompts, or reads SESSION_EMAIL and SESSION_PASSWORD)')
    .addHelpText(
      'after',
      examples([
        'session login',
        'session login --no-browser                 # on a machine without a browser',
        'SESSION_EMAIL=me@example.com SESSION_PASSWORD=… session login --with-password',
      ]),
    )
    .action(action(async (ctx, opts: LoginOptions) => (await import('./login.js')).run(opts, ctx)));

  program
    .command('logout')
    .helpGroup('account')
    .description('Revoke the session on the server, then delete the stored credentials')
    .action(action(async (ctx) => (await import('./logout.js')).run({}, ctx)));

  program
    .command('whoami')
    .helpGroup('account')
    .description('Show the signed-in user (email and id), as the server sees the token')
    .action(action(async (ctx) => (await import('./whoami.js')).run({}, ctx)));

  program
    .command('status')
    .helpGroup('account')
    .description('Show the user, project URL, profile, token expiry and where the credentials come from')
    .action(action(async (ctx) => (await import('./status.js')).run({}, ctx)));
}
