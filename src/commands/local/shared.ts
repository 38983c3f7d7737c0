import path from 'node:path';
import type { IO } from '../../base/io.js';
import { record, type View } from '../../ui/printer.js';
import { CliError, ExitCode, usageError } from '../../base/errors.js';
import type { ApiKeys } from '../../local/keys.js';
import type { InstanceState, SeedLogin } from '../../local/instance.js';

export interface DataDirOption {
  dataDir?: string | undefined;
}

/** The data directory the command works on, absolute. */
export async function dataDirOf(io: IO, opts: DataDirOption): Promise<string> {
  if (opts.dataDir !== undefined && opts.dataDir.trim() !== '') return path.resolve(opts.dataDir);
  const { defaultDataDir } = await import('../../local/instance.js');
  return defaultDataDir(io.env);
}

export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || String(port) !== value.trim()) {
    throw usageError(`--port must be a TCP port (1-65535), got "${value}"`, 'use --port 54321', 'invalid_port');
  }
  return port;
}

/** What `start` and `status` print, like `supabase status`. */
export function statusView(state: InstanceState, keys: ApiKeys, seedLogins: SeedLogin[] = []): View {
  const demo = seedLogins.find((l) => l.email.startsWith('demo@'));
  const operator = seedLogins.find((l) => l.email.startsWith('operator@'));
  const loginRows: Array<[string, string]> = [];
  if (demo) loginRows.push(['demo login', `${demo.email} / ${demo.password}`]);
  if (operator) loginRows.push(['operator login', `${operator.email} / ${operator.password}`]);
  return record(
    [
      ['API URL', state.api_url],
      ['DB URL', state.db_url],
      ['anon key', keys.anonKey],
      ['service_role key', keys.serviceRoleKey],
      ['publishable key', keys.publishableKey],
      ['secret key', keys.secretKey],
      ...loginRows,
      ['data dir', state.data_dir],
      ['pid', state.pid],
    ],
    {
      api_url: state.api_url,
      anon_key: keys.anonKey,
      service_role_key: keys.serviceRoleKey,
      publishable_key: keys.publishableKey,
      secret_key: keys.secretKey,
      db_url: state.db_url,
      ...(demo ? { demo_email: demo.email, demo_password: demo.password } : {}),
      ...(operator ? { operator_email: operator.email, operator_password: operator.password } : {}),
      data_dir: state.data_dir,
      pid: state.pid,
      started_at: state.started_at,
    },
  );
}

export function notRunning(dir: string): CliError {
  return new CliError(`the local backend is not running (data directory ${dir})`, {
    code: 'not_running',
    hint: 'run `session local start`',
    exitCode: ExitCode.failure,
  });
}
