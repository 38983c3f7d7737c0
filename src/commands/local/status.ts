import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { action, examples } from '../runner.js';
import { DATA_DIR_HELP, dataDirOf, notRunning, statusView, type DataDirOption } from './shared.js';

export function define(local: Command): Command {
  return local
    .command('status')
    .description('Show the local backend URL, API keys and database URL (like `supabase status`)')
    .option('-d, --data-dir <dir>', DATA_DIR_HELP)
    .addHelpText('after', examples(['session local status', 'session local status --json | jq -r .anon_key']))
    .action(action((ctx, opts: DataDirOption) => run(opts, ctx)));
}

export async function run(opts: DataDirOption, ctx: Context): Promise<View> {
  const dir = await dataDirOf(ctx.io, opts);
  const { instanceStatus, healthy } = await import('../../local/instance.js');
  const status = instanceStatus(dir);
  if (!status.running || !status.state || !status.keys) throw notRunning(dir);
  if (!(await healthy(status.state.api_url))) ctx.io.warn(`the backend (pid ${status.state.pid}) does not answer at ${status.state.api_url}`);
  return statusView(status.state, status.keys);
}
