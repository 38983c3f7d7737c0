import path from 'node:path';
import type { Context } from '../../core/context.js';
import { CliError, ExitCode, usageError } from '../../base/errors.js';
import { none, type View } from '../../ui/printer.js';
import { visibleControls } from '../../base/visible.js';
import { dataDirOf, parsePort, statusView, type DataDirOption } from './shared.js';

export interface StartOptions extends DataDirOption {
  port?: string | undefined;
  foreground?: boolean | undefined;
  corsOrigin?: string[] | undefined;
}

/** How long a detached start may take (first start initialises PostgreSQL and applies everything). */
const START_TIMEOUT_MS = 180_000;

export async function run(opts: StartOptions, ctx: Context): Promise<View> {
  const dir = await dataDirOf(ctx.io, opts);
  const port = parsePort(opts.port, 54321);
  const reset = opts.dataDir?.trim() ? `session local reset --data-dir ${dir}` : 'session local reset';
  const corsOrigins = await parseCorsOrigins(opts.corsOrigin);
  const instance = await import('../../local/instance.js');
  const status = await instance.instanceStatus(dir);
  if (status.running && status.state && status.keys) {
    ctx.io.info(`The local backend is already running at ${status.state.api_url} (data directory ${dir}).`);
    return statusView(status.state, status.keys, status.seedLogins);
  }
  if (opts.foreground) return runForeground(ctx, dir, port, reset, corsOrigins);

  const starting = instance.backendPid(dir);
  if (starting !== null) {
    ctx.io.info(`The local backend (pid ${starting}) is starting; waiting for it.`);
  } else {
    const { packageRoot } = await import('../../base/migration-files.js');
    ctx.io.info(`Starting the local backend (data directory ${dir}, log ${instance.paths(dir).log})…`);
    const extra = corsOrigins.flatMap((origin) => ['--cors-origin', origin]);
    const child = instance.spawnDetached(path.join(packageRoot(), 'bin', 'session.js'), dir, port, extra);
    let exitCode: number | null | undefined;
    void child.exited.then((code) => {
      exitCode = code;
    });
    await waitUntilServing(dir, child.pid, () => exitCode, instance);
  }
  const ready = await instance.instanceStatus(dir);
  if (!ready.running || !ready.state || !ready.keys) {
    throw new CliError('the local backend stopped while starting', {
      code: 'start_failed',
      hint: `see ${instance.paths(dir).log}`,
      exitCode: ExitCode.failure,
    });
  }
  ctx.io.success(`Local backend running at ${ready.state.api_url}`);
  warnMigrationDrift(ctx, ready.state.migration_drift, reset);
  return statusView(ready.state, ready.keys, ready.seedLogins);
}

/** `--cors-origin` values as origins (`https://app.example.com`); anything else is exit 2. */
async function parseCorsOrigins(values: string[] | undefined): Promise<string[]> {
  const { normaliseOrigin } = await import('../../local/gateway.js');
  return (values ?? []).map((value) => {
    if (value.trim() === '*') {
      throw usageError('--cors-origin "*" would let every web page call the local backend', 'name each origin, e.g. --cors-origin http://localhost:5173', 'invalid_origin');
    }
    try {
      return normaliseOrigin(value);
    } catch (err) {
      throw usageError(`--cors-origin: ${(err as Error).message}`, 'use --cors-origin http://localhost:5173', 'invalid_origin');
    }
  });
}

async function waitUntilServing(
  dir: string,
  pid: number,
  exitCode: () => number | null | undefined,
  instance: typeof import('../../local/instance.js'),
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const code = exitCode();
    if (code !== undefined) {
      const tail = instance.logTail(dir);
      throw new CliError(`the local backend exited while starting (exit code ${code})${tail ? `:\n${tail}` : ''}`, {
        code: 'start_failed',
        hint: `see ${instance.paths(dir).log}`,
        exitCode: ExitCode.failure,
      });
    }
    const state = instance.readState(dir);
    if (state && state.pid === pid && (await instance.healthy(state.api_url))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new CliError(`the local backend did not answer within ${START_TIMEOUT_MS / 1000} s`, {
    code: 'start_timeout',
    hint: `see ${instance.paths(dir).log}; stop it with \`session local stop\``,
    exitCode: ExitCode.failure,
  });
}

async function runForeground(ctx: Context, dir: string, port: number, reset: string, corsOrigins: string[]): Promise<View> {
  const { runLocalBackend, LocalStartError } = await import('../../local/boot.js');
  const stamp = () => new Date().toISOString();
  let backend;
  try {
    backend = await runLocalBackend({
      dataDir: dir,
      port,
      corsOrigins,
      log: (line) => ctx.io.info(`${stamp()} ${line}`),
      serverLog: (line) => ctx.io.stderr.write(`${stamp()} ${visibleControls(line)}\n`),
    });
  } catch (err) {
    if (err instanceof LocalStartError) throw new CliError(err.message, { code: err.code, hint: err.hint, exitCode: ExitCode.failure });
    throw err;
  }
  const { render } = await import('../../ui/printer.js');
  ctx.io.success(`Local backend running at ${backend.state.api_url} (Ctrl-C stops it)`);
  warnMigrationDrift(ctx, backend.state.migration_drift, reset);
  // Detached, stdout is backend.log: keys, passwords and the DB URL stay out of it (`local status` prints them).
  if (ctx.io.env.SESSION_LOCAL_DETACHED !== '1') {
    const { instanceStatus } = await import('../../local/instance.js');
    await render(ctx.io, statusView(backend.state, backend.keys, (await instanceStatus(dir)).seedLogins));
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      ctx.io.info(`${stamp()} ${signal}: stopping`);
      void backend.stop().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  ctx.io.info(`${stamp()} stopped`);
  return none();
}

/** The database keeps the SQL it ran: changed or removed migration files need a reset to take effect. */
function warnMigrationDrift(ctx: Context, drift: string[] | undefined, reset: string): void {
  if (!drift?.length) return;
  for (const line of drift) ctx.io.warn(`migration ${line}`);
  ctx.io.warn(`this data directory's database differs from the migration files; run \`${reset}\` to rebuild it (its data is deleted)`);
}
