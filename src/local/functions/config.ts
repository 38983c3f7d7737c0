// The [functions.<name>] tables of supabase/config.toml that the runner honours.
import path from 'node:path';
import { readConfigToml, tableAt } from '../config-toml.js';

export interface FunctionConfig {
  enabled: boolean;
  /** Supabase default: true (a valid JWT is required in Authorization). */
  verifyJwt: boolean;
  /** Entry file relative to the project root; default supabase/functions/<name>/index.ts. */
  entrypoint: string | null;
}

/** Settings of one function; read on every call so edits apply without a restart. */
export function functionConfig(projectRoot: string, name: string): FunctionConfig {
  const table = tableAt(readConfigToml(projectRoot), 'functions', name);
  const entry = table?.entrypoint;
  return {
    enabled: table?.enabled !== false,
    verifyJwt: table?.verify_jwt !== false,
    entrypoint: typeof entry === 'string' ? path.join('supabase', entry) : null,
  };
}
