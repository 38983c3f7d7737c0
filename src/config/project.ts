import { usageError } from '../base/errors.js';
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../base/constants.js';

/** Which Supabase project a command talks to, and as which profile. */
export interface ProjectConfig {
  /** Base URL of the project, without a trailing slash (`https://xyz.supabase.co`). */
  url: string;
  /** Anon (legacy JWT) or publishable key. */
  anonKey: string;
  /** Names the credential file; `default` unless `--profile` or `SESSION_PROFILE`. */
  profile: string;
  /** Where the settings came from, for `session status`. */
  source: 'env' | 'file' | 'local';
  file: string | null;
  /** Default files uploaded at once (`concurrency` in `.sessionrc`); flags win; null when unset. */
  concurrency: number | null;
}

/** The shape of `.sessionrc` (JSON or YAML). Every key is documented in `.sessionrc.example`. */
export interface SessionRc {
  url?: string;
  anon_key?: string;
  profile?: string;
  concurrency?: number;
  profiles?: Record<string, { url?: string; anon_key?: string; concurrency?: number }>;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** `--profile`. */
  profile?: string | undefined;
  /** Reads the local backend's state when nothing else is configured. */
  localFallback?: () => Promise<{ url: string; anonKey: string } | null>;
}

/** Finds `.sessionrc` in the working folder or any parent (cosmiconfig's default search stops at once). */
export async function findRcFile(cwd: string): Promise<{ config: SessionRc; file: string } | null> {
  // A CommonJS package imported from a split ESM bundle arrives as `default` only.
  const mod = await import('cosmiconfig');
  const cosmiconfig = mod.cosmiconfig ?? (mod as unknown as { default: typeof mod }).default.cosmiconfig;
  const explorer = cosmiconfig('session', {
    searchStrategy: 'global',
    searchPlaces: ['.sessionrc', '.sessionrc.json', '.sessionrc.yaml', '.sessionrc.yml', 'session.config.json'],
  });
  const found = await explorer.search(cwd);
  if (!found || found.isEmpty) return null;
  if (typeof found.config !== 'object' || found.config === null || Array.isArray(found.config)) {
    throw usageError(`${found.filepath} is not a settings object`, 'see .sessionrc.example for its keys', 'bad_config');
  }
  return { config: found.config as SessionRc, file: found.filepath };
}

/**
 * Project settings, in this order: `SUPABASE_URL` and `SUPABASE_ANON_KEY` (or
 * `SUPABASE_PUBLISHABLE_KEY`) from the environment; else `.sessionrc` (the selected
 * profile, then its top level); else the local backend if it is running.
 */
export async function loadProjectConfig(opts: LoadConfigOptions = {}): Promise<ProjectConfig> {
  const env = opts.env ?? process.env;
  const envUrl = env.SUPABASE_URL?.trim();
  const envKey = (env.SUPABASE_ANON_KEY ?? env.SUPABASE_PUBLISHABLE_KEY)?.trim();
  const rc = await findRcFile(opts.cwd ?? process.cwd());
  const profile = opts.profile ?? env.SESSION_PROFILE ?? rc?.config.profile ?? 'default';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(profile)) {
    throw usageError(`invalid profile name "${profile}"`, 'use letters, digits, ".", "_" or "-"', 'bad_profile');
  }

  const section = rc?.config.profiles?.[profile];
  const concurrency = rc ? rcConcurrency(section?.concurrency ?? rc.config.concurrency, rc.file) : null;
  if (envUrl && envKey) return { url: normalizeUrl(envUrl), anonKey: envKey, profile, source: 'env', file: null, concurrency };

  if (rc) {
    if (opts.profile && profile !== 'default' && rc.config.profiles && !section) {
      throw usageError(`no profile "${profile}" in ${rc.file}`, `add it under "profiles", or use one of: ${Object.keys(rc.config.profiles).join(', ')}`, 'unknown_profile');
    }
    const url = envUrl ?? section?.url ?? rc.config.url;
    const anonKey = envKey ?? section?.anon_key ?? rc.config.anon_key;
    if (url && anonKey) return { url: normalizeUrl(url), anonKey, profile, source: 'file', file: rc.file, concurrency };
    if (url || anonKey) {
      throw usageError(`${rc.file} sets ${url ? 'url' : 'anon_key'} but not ${url ? 'anon_key' : 'url'}`, 'set both, or SUPABASE_URL and SUPABASE_ANON_KEY', 'bad_config');
    }
  }

  const local = opts.localFallback ? await opts.localFallback() : null;
  if (local) return { url: normalizeUrl(local.url), anonKey: local.anonKey, profile, source: 'local', file: null, concurrency };

  throw usageError(
    'no Supabase project configured',
    'set SUPABASE_URL and SUPABASE_ANON_KEY, add a .sessionrc, or run `session local start`',
    'no_project',
  );
}

/** `concurrency` from `.sessionrc`: a whole number from 1 to MAX_CONCURRENCY, as `--concurrency` takes. */
function rcConcurrency(value: unknown, file: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw usageError(`${file}: concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`, `fix it, or remove it to use the default (${DEFAULT_CONCURRENCY})`, 'bad_config');
  }
  return value;
}

export function normalizeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`invalid project URL "${url}"`, 'use the form https://<ref>.supabase.co', 'bad_url');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw usageError(`invalid project URL "${url}"`, 'use an http(s) URL', 'bad_url');
  }
  return parsed.toString().replace(/\/+$/, '');
}
