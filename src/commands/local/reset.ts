import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { confirmOrYes, assertCanConfirm } from '../../ui/prompt.js';
import { none } from '../../ui/printer.js';
import { dataDirOf, parsePort, type DataDirOption } from './shared.js';
import { run as start } from './start.js';
import { stopInstance } from './stop.js';

export interface ResetOptions extends DataDirOption {
  yes?: boolean | undefined;
  port?: string | undefined;
}

export async function run(opts: ResetOptions, ctx: Context): Promise<View> {
  const dir = await dataDirOf(ctx.io, opts);
  assertCanConfirm(ctx.io, opts.yes);
  const instance = await import('../../local/instance.js');
  const previous = (await instance.instanceStatus(dir)).state;
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
