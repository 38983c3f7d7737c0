import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { confirmOrYes, assertCanConfirm } from '../../ui/prompt.js';
import { none } from '../../ui/printer.js';
import { action, examples } from '../runner.js';
import { DATA_DIR_HELP, dataDirOf, parsePort, type DataDirOption } from './shared.js';
import { run as start } from './start.js';
import { stopInstance } from './stop.js';

export interface ResetOptions extends DataDirOption {
  yes?: boolean | undefined;
  port?: string | undefined;
}

export function define(local: Command): Command {
  return local
    .command('reset')
    .description('Wipe the local database and stored files, then start again: platform, every migration, seed (like `supabase db reset`)')
    .option('-d, --data-dir <dir>', DATA_DIR_HELP)
    .option('-p, --port <port>', 'API port (default: the port it ran on, else 54321)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples(['session local reset --yes']))
    .action(action((ctx, opts: ResetOptions) => run(opts, ctx)));
}

export async function run(opts: ResetOptions, ctx: Context): Promise<View> {
  const dir = await dataDirOf(ctx.io, opts);
  assertCanConfirm(ctx.io, opts.yes);
  const instance = await import('../../local/instance.js');
  const previous = instance.instanceStatus(dir).state;
  if (!(await confirmOrYes(ctx.io, { message: `Delete every row and stored file of the local backend in ${dir}?`, yes: opts.yes }))) {
    ctx.io.info('Nothing reset.');
    return none();
  }
  const port = parsePort(opts.port, previous?.port ?? 54321);
  await stopInstance(dir);
  const { rmSync } = await import('node:fs');
  const files = instance.paths(dir);
  // The secrets stay, so the API keys printed before remain valid.
  for (const target of [files.pg, files.storage, files.seeded, files.state]) rmSync(target, { recursive: true, force: true });
  ctx.io.info(`Wiped the database and stored files in ${dir}.`);
  return start({ dataDir: dir, port: String(port) }, ctx);
}
