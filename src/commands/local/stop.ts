import type { Context } from '../../core/context.js';
import { message, type View } from '../../ui/printer.js';
import { dataDirOf, type DataDirOption } from './shared.js';

export async function run(opts: DataDirOption, ctx: Context): Promise<View> {
  const dir = await dataDirOf(ctx.io, opts);
  const stopped = await stopInstance(dir);
  const text = stopped ? `Stopped the local backend (data kept in ${dir}).` : `The local backend is not running (data directory ${dir}).`;
  return message(text, { stopped, data_dir: dir }, { check: stopped && ctx.io.stdoutIsTTY });
}

/** Stops the backend process (and a PostgreSQL it left behind); true when something was running. */
export async function stopInstance(dir: string): Promise<boolean> {
  const instance = await import('../../local/instance.js');
  const { runningPid, stopPostgresInDataDir } = await import('../../local/postgres.js');
  const files = instance.paths(dir);
  const pid = instance.backendPid(dir);
  let stopped = false;
  if (pid !== null) {
    process.kill(pid, 'SIGTERM');
    if (!(await instance.waitForExit(pid, 30_000))) {
      process.kill(pid, 'SIGKILL');
      await instance.waitForExit(pid, 5_000);
    }
    stopped = true;
  }
  if (runningPid(files.pg) !== null) {
    await stopPostgresInDataDir(files.pg);
    stopped = true;
  }
  const { rmSync } = await import('node:fs');
  rmSync(files.pid, { force: true });
  rmSync(files.state, { force: true });
  return stopped;
}
