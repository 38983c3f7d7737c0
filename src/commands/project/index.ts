import type { Command } from 'commander';
import { action, examples } from '../runner.js';
import type { SetupCommandOptions } from './setup.js';

/** `session setup` and `session doctor`: a hosted Supabase project, set up and checked. */
export function registerProjectCommands(program: Command): void {
  program
    .command('setup')
    .description('Set up a Supabase project for this tool: migrations, device-auth function, page, settings (plan, then apply)')
    .option('--project-ref <ref>', 'the hosted project to link, deploy to and read keys from')
    .option('--db-url <url>', 'push the migrations to this database instead (the password better in SUPABASE_DB_PASSWORD than in the URL)')
    .option('--page-url <url>', 'where the device-login page (web/device/) will be served; needed with --project-ref')
    .option('--page-dir <dir>', 'folder to write the page and its config.js to (default: ./device-page)')
    .option('--url <url>', 'the project API URL (default: https://<ref>.supabase.co)')
    .option('--anon-key <key>', 'the anon or publishable key (default: read with `supabase projects api-keys`)')
    .option('--no-sessionrc', 'do not write .sessionrc in this folder')
    .option('--dry-run', 'print the plan and the exact commands; run nothing')
    .option('-y, --yes', 'apply the plan without asking')
    .addHelpText(
      'after',
      `
Runs the real Supabase CLI (this package's node_modules/.bin/supabase, else the one
on PATH) with this repository's supabase/ folder as its workdir. The plan shows each
step, what is already done and the exact command; steps already done are skipped, so
running it again resumes. The database password reaches the CLI in its environment
only (SUPABASE_DB_PASSWORD, or PGPASSWORD with --db-url) and is never printed or
stored. Management steps need \`supabase login\` or SUPABASE_ACCESS_TOKEN.
${examples([
  'SUPABASE_DB_PASSWORD=… session setup --project-ref abcdefghijklmnopqrst --page-url https://example.org/device',
  'session setup --project-ref abcdefghijklmnopqrst --page-url https://example.org/device --dry-run',
  'session setup --db-url postgresql://postgres@db.abcdefghijklmnopqrst.supabase.co:5432/postgres --yes',
])}`,
    )
    .action(action(async (ctx, opts: SetupCommandOptions) => (await import('./setup.js')).run(opts, ctx)));

  program
    .command('doctor')
    .description('Check the configured project without changing it: API, migrations, bucket, device login, token, clock')
    .addHelpText(
      'after',
      `
One line per check, ✓ or ✗ with what to do. Exit 0 when every check passes, 1 when
any fails. --json prints {"checks": [{"name", "ok", "detail", "fix"}]}.
${examples(['session doctor', 'session doctor --json | jq -r \'.checks[] | select(.ok | not) | .fix\''])}`,
    )
    .action(action(async (ctx) => (await import('./doctor.js')).run({}, ctx)));
}
