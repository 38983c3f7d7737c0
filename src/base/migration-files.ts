// What the migration files are, shared by the CLI (doctor, setup) and the local backend: where
// the package and its supabase/migrations folder are, the files in version order, and their SQL
// split into statements as the Supabase CLI splits them. Node built-ins only: part of the base.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory holding this package's package.json (works from src/ and from the dist/ bundle). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'session-cli') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the session-cli package root');
    dir = parent;
  }
}

/** Folder of the migrations (supabase/migrations). */
export function migrationsDir(): string {
  return join(packageRoot(), 'supabase', 'migrations');
}

/** The `.sql` files of a folder, in name order. */
export function sqlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

const MIGRATION_FILE = /^([0-9]+)_(.*)\.sql$/u;

/** A migration file: version (timestamp prefix), name, path. */
export interface MigrationFile {
  version: string;
  name: string;
  path: string;
}

/** Migration files in version order, as the Supabase CLI names them (`<version>_<name>.sql`). */
export function listMigrations(dir = migrationsDir()): MigrationFile[] {
  return sqlFiles(dir)
    .map((file) => {
      const m = MIGRATION_FILE.exec(file);
      return m ? { version: m[1]!, name: m[2]!, path: join(dir, file) } : null;
    })
    .filter((m): m is MigrationFile => m !== null)
    .sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

/**
 * Splits a SQL file into statements the way the Supabase CLI records them in
 * supabase_migrations.schema_migrations.statements: split at top-level semicolons (quotes,
 * dollar quotes and comments respected), trailing semicolons removed, trimmed, empty ones dropped.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  const push = (end: number) => {
    const text = sql.slice(start, end).replace(/;+$/u, '').trim();
    if (text.length > 0) out.push(text);
    start = end;
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') { depth++; i += 2; }
        else if (sql[i] === '*' && sql[i + 1] === '/') { depth--; i += 2; }
        else i++;
      }
    } else if (c === "'" || c === '"') {
      i++;
      while (i < n) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) { i += 2; continue; }
          i++;
          break;
        }
        i++;
      }
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/u.exec(sql.slice(i));
      if (m && !/[A-Za-z0-9_]/u.test(sql[i - 1] ?? '')) {
        const tag = m[0];
        const close = sql.indexOf(tag, i + tag.length);
        i = close === -1 ? n : close + tag.length;
      } else i++;
    } else if (c === ';') {
      i++;
      push(i);
    } else i++;
  }
  push(n);
  return out;
}
