import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { dataDirOf, notRunning, statusView, type DataDirOption } from './shared.js';

export async function run(opts: DataDirOption, ctx: Context): Promise<View> {
  const dir = await dataDirOf(ctx.io, opts);
  const { instanceStatus, healthy } = await import('../../local/instance.js');
  const status = await instanceStatus(dir);
  if (!status.running || !status.state || !status.keys) throw notRunning(dir);
  if (!(await healthy(status.state.api_url))) ctx.io.warn(`the backend (pid ${status.state.pid}) does not answer at ${status.state.api_url}`);
  return statusView(status.state, status.keys, status.seedLogins);
}
