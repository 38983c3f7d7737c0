import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from './database.types.js';
import type { IO } from '../base/io.js';
import type { ProjectConfig } from '../config/project.js';
import { CliError, ExitCode, authError, conflictError, networkError, notFoundError, usageError } from '../base/errors.js';
import { debugFetch } from './debug-fetch.js';
import { resolveIdentity, type Identity } from './identity.js';

/** The database functions the API exposes, with their arguments and results (src/core/database.types.ts). */
export type DbFunctions = Database['public']['Functions'];

/** supabase-js typed by the migrated schema. */
export type DbClient = SupabaseClient<Database>;

/** The signed-in view of a project: a supabase-js client that sends a fresh token on every request. */
export interface Api {
  client: DbClient;
  config: ProjectConfig;
  identity: Identity;
  /** Calls `/rest/v1/rpc/<fn>` with the arguments and result its SQL declares; PostgREST errors become CliErrors with the documented exit codes. */
  rpc<Fn extends keyof DbFunctions>(fn: Fn, args?: DbFunctions[Fn]['Args']): Promise<DbFunctions[Fn]['Returns']>;
  /** The same, for a `jsonb` result whose shape the caller names (the SQL declares only `Json`). */
  rpc<T>(fn: keyof DbFunctions, args?: Record<string, unknown>): Promise<T>;
}

export async function createApi(io: IO, config: ProjectConfig): Promise<Api> {
  const identity = await resolveIdentity(io, config);
  const client = await createSupabaseClient(io, config, { accessToken: () => identity.accessToken() });
  return {
    client,
    config,
    identity,
    async rpc(fn: keyof DbFunctions, args: Record<string, unknown> = {}): Promise<unknown> {
      const { data, error } = await client.rpc(fn, args as never);
      if (error) throw fromPostgrestError(error);
      return data;
    },
  };
}

export interface ClientOptions {
  /** Third-party-auth style token source: supabase-js asks for it before each request. */
  accessToken?: () => Promise<string>;
}

/** supabase-js for a CLI on Node 20: no session persistence, `ws` for realtime, requests logged under --debug. */
export async function createSupabaseClient(io: IO, config: ProjectConfig, opts: ClientOptions = {}): Promise<DbClient> {
  const [{ createClient }, { default: ws }] = await Promise.all([import('@supabase/supabase-js'), import('ws')]);
  const options: Parameters<typeof createClient>[2] = {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: ws as never },
    global: { fetch: debugFetch(io), headers: { 'x-client-info': 'session-cli' } },
  };
  if (opts.accessToken) options.accessToken = opts.accessToken;
  return createClient<Database>(config.url, config.anonKey, options);
}

export interface PostgrestLikeError {
  code?: string;
  message: string;
  details?: string | null;
  hint?: string | null;
}

/** PostgREST / database errors → exit codes (DESIGN.md section 2). RLS hides rows, so denial reads as "not found". */
export function fromPostgrestError(error: PostgrestLikeError): CliError {
  const code = error.code ?? '';
  const message = error.message || 'request failed';
  if (error instanceof CliError) return error;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof CliError) return cause;
  if (/fetch failed|ECONNREFUSED|cannot reach/i.test(message) && code === '') return networkError(message, error);
  switch (code) {
    case 'PGRST301':
    case 'PGRST302':
    case 'PGRST303':
      return authError('your session was rejected by the server', 'run `session login`', 'token_rejected');
    case '42501':
      return notFoundError('not found, or not yours', 'check the id with `session ls`', 'not_found');
    case 'PT404':
    case 'PGRST116':
      return notFoundError('not found, or not yours', 'check the id with `session ls`', 'not_found');
    case 'PT409':
      return conflictError(message, error.hint ?? undefined, 'conflict');
    case '23505': {
      const keyTaken = KEY_CONFLICTS[/unique constraint "([^"]+)"/.exec(error.message ?? '')?.[1] ?? ''];
      return conflictError(describeConflict(error), keyTaken ? 'choose another key' : 'choose another name or key', 'conflict');
    }
    case '23503':
      return notFoundError('the parent row does not exist, or is not yours', undefined, 'not_found');
    case 'PGRST202':
      return new CliError(`the server lacks function: ${message}`, {
        code: 'schema_mismatch',
        hint: 'apply this tool\'s migrations to the project (supabase db push)',
        exitCode: ExitCode.failure,
      });
    default:
      if (code.startsWith('22') || code.startsWith('23') || code === 'P0001') {
        return usageError(message, error.hint ?? undefined, 'invalid_input');
      }
      return new CliError(message, { code: code ? `db_${code}` : 'server_error', hint: error.hint ?? 'run again with --debug for details', exitCode: ExitCode.failure });
  }
}

/** The unique keys a person can run into, by constraint name (PostgreSQL names them in the message). */
const KEY_CONFLICTS: Record<string, string> = {
  sessions_user_id_key_key: 'you already have a session with',
  modules_session_id_key_key: 'this session already has a module with',
  videos_module_id_key_key: 'this module already has a video with',
};

/**
 * Under row-level security PostgreSQL leaves out the `Key (…)=(…)` detail, so for the
 * authenticated role the constraint name in the message is all there is to go on.
 */
function describeConflict(error: PostgrestLikeError): string {
  const match = /Key \(([^)]+)\)=\(([^)]*)\)/.exec(error.details ?? '');
  const known = KEY_CONFLICTS[/unique constraint "([^"]+)"/.exec(error.message ?? '')?.[1] ?? ''];
  if (known) return match ? `${known} the key "${match[2]!.split(', ').pop()}"` : `${known} this key`;
  if (match) return `${match[1]} "${match[2]}" already exists`;
  return 'it already exists';
}
