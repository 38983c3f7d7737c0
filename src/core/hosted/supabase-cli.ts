// Runs the real Supabase CLI: the one the `supabase` npm package put in this package's
// node_modules/.bin, else `supabase` on PATH. Secrets reach it through its environment only, and
// everything it prints is masked before anyone sees it.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CliError, ExitCode } from '../../base/errors.js';
import { maskSecrets } from '../../base/mask.js';

/** One Supabase CLI run: its arguments (shown as they are) and secret environment values (never shown). */
export interface SupabaseCommand {
  args: string[];
  /** e.g. `{ PGPASSWORD: '…' }`: passed to the child, shown by name only. */
  secretEnv?: Record<string, string>;
}

export interface SupabaseResult {
  exitCode: number;
  /** stdout, unmasked: callers parse it (and never print it whole). */
  stdout: string;
  /** stdout and stderr as they came, masked. */
  output: string;
}

export interface SupabaseCli {
  /** What to show for the binary in printed commands: `supabase` (it may live in node_modules/.bin). */
  path: string;
  run(command: SupabaseCommand, opts?: { timeoutMs?: number }): Promise<SupabaseResult>;
}

/** Environment values the child may see and print, never shown. */
const SECRET_ENV = ['SUPABASE_ACCESS_TOKEN', 'SUPABASE_DB_PASSWORD', 'PGPASSWORD', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_SECRET_KEY'];

/** Finds the Supabase CLI; a missing one is an error that says how to get it. */
export async function findSupabaseCli(env: NodeJS.ProcessEnv, root: string): Promise<SupabaseCli> {
  const local = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'supabase.cmd' : 'supabase');
  const path = existsSync(local) ? local : onPath(env);
  if (!path) {
    throw new CliError('the Supabase CLI was not found', {
      code: 'supabase_cli_missing',
      hint: 'run `npm ci` in this repository (it installs supabase 2.117.0), or install the Supabase CLI (https://supabase.com/docs/guides/cli)',
      exitCode: ExitCode.failure,
    });
  }
  return {
    path,
    async run(command, opts = {}) {
      const { execa } = await import('execa');
      const secrets = [...Object.values(command.secretEnv ?? {}), ...SECRET_ENV.map((name) => env[name] ?? '')];
      const result = await execa(path, command.args, {
        env: { ...env, ...command.secretEnv, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', NO_COLOR: '1' },
        extendEnv: false,
        reject: false,
        all: true,
        stdin: 'ignore',
        timeout: opts.timeoutMs ?? 10 * 60_000,
        maxBuffer: 20 * 1024 * 1024,
      });
      const all = typeof result.all === 'string' ? result.all : '';
      const failure = result.failed && result.exitCode === undefined ? `${result.shortMessage}\n` : '';
      return {
        exitCode: result.exitCode ?? 1,
        stdout: typeof result.stdout === 'string' ? result.stdout : '',
        output: maskValues(failure + all, secrets),
      };
    },
  };
}

function onPath(env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of process.platform === 'win32' ? ['supabase.exe', 'supabase.cmd'] : ['supabase']) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

/** Masks known secret values (a password has no shape to recognise), then every token-shaped string. */
export function maskValues(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) {
      out = out.split(secret).join('[masked]');
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join('[masked]');
    }
  }
  return maskSecrets(out);
}
