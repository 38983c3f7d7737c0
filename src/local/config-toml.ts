// supabase/config.toml, read with a full TOML parser (arrays, inline tables, dotted keys).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type TomlTable } from 'smol-toml';

export type { TomlTable };

/** The project's supabase/config.toml, or null when it is missing or not valid TOML (the backend then runs on defaults). */
export function readConfigToml(projectRoot: string): TomlTable | null {
  try {
    return parse(readFileSync(path.join(projectRoot, 'supabase', 'config.toml'), 'utf8'));
  } catch {
    return null;
  }
}

/** The table at a dotted path (`auth.rate_limit`, `functions.device-auth`), or undefined. */
export function tableAt(doc: TomlTable | null, ...keys: string[]): TomlTable | undefined {
  let table: unknown = doc;
  for (const key of keys) {
    if (table === null || typeof table !== 'object' || Array.isArray(table)) return undefined;
    table = (table as TomlTable)[key];
  }
  return table !== null && typeof table === 'object' && !Array.isArray(table) && !(table instanceof Date) ? (table as TomlTable) : undefined;
}
