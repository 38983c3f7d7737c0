import type { IO } from '../base/io.js';
import type { ProjectConfig } from '../config/project.js';
import type { Api } from './api.js';

/** Options every command accepts (commander's global flags). */
export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  profile?: string;
  /** commander's `--no-input` sets `input: false`. */
  input?: boolean;
  debug?: boolean;
  /** commander's `--no-color` sets `color: false`. */
  color?: boolean;
}

/**
 * What a command runs with. `config()` and `api()` are built on first use, so a command
 * that needs neither (help, completion, local) never loads supabase-js or reads files.
 */
export interface Context {
  io: IO;
  config(): Promise<ProjectConfig>;
  api(): Promise<Api>;
}

export interface ContextOverrides {
  config?: () => Promise<ProjectConfig>;
  api?: () => Promise<Api>;
  cwd?: string;
  profile?: string | undefined;
  /** The running local backend's URL and key, used when nothing else is configured (the command layer supplies it). */
  localProject?: () => Promise<{ url: string; anonKey: string } | null>;
}

export function createContext(io: IO, overrides: ContextOverrides = {}): Context {
  let config: Promise<ProjectConfig> | undefined;
  let api: Promise<Api> | undefined;
  const ctx: Context = {
    io,
    config() {
      config ??= overrides.config
        ? overrides.config()
        : import('../config/project.js').then(({ loadProjectConfig }) =>
            loadProjectConfig({
              env: io.env,
              cwd: overrides.cwd ?? process.cwd(),
              profile: overrides.profile,
              localFallback: overrides.localProject,
            }),
          );
      return config;
    },
    api() {
      api ??= overrides.api ? overrides.api() : Promise.all([import('./api.js'), ctx.config()]).then(([{ createApi }, config]) => createApi(io, config));
      return api;
    },
  };
  return ctx;
}
