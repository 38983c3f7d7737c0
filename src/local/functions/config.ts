// The [functions.<name>] tables of supabase/config.toml that the runner honours.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseTomlTables, type TomlValue } from '../toml.js';

export interface FunctionConfig {
  enabled: boolean;
  /** Supabase default: true (a valid JWT is required in Authorization). */
  verifyJwt: boolean;
  /** Entry file relative to the project root; default supabase/functions/<name>/index.ts. */
  entrypoint: string | null;
}

/** Settings of one function; read on every call so edits apply without a restart. */
export function functionConfig(projectRoot: string, name: string): FunctionConfig {
  let table: Map<string, TomlValue> | undefined;
  try {
    const text = readFileSync(path.join(projectRoot, 'supabase', 'config.toml'), 'utf8');
    table = parseTomlTables(text).get(`functions.${name}`);
  } catch {
    table = undefined;
  }
  const entry = table?.get('entrypoint');
  return {
    enabled: table?.get('enabled') !== false,
    verifyJwt: table?.get('verify_jwt') !== false,
    entrypoint: typeof entry === 'string' ? path.join('supabase', entry) : null,
  };
}
