// What this tool's migrations (supabase/migrations) put into a project, read from the SQL itself:
// the public functions and who may call them, the public tables, and the `videos` bucket's
// settings. `session doctor` checks a project against it, so a new migration is checked without
// editing the doctor.

/** A parameter of a public function, as PostgREST matches it by name. */
export interface BundledParam {
  name: string;
  /** Lower-cased SQL type, e.g. `uuid`, `text[]`, `integer`. */
  type: string;
  hasDefault: boolean;
}

export interface BundledFunction {
  name: string;
  params: BundledParam[];
  /** Executable by `authenticated` (Supabase's default privileges grant it unless a migration revokes it). */
  forUsers: boolean;
}

export interface BucketSettings {
  id: string;
  public: boolean;
  fileSizeLimit: number | null;
  allowedMimeTypes: string[] | null;
}

export interface BundledObjects {
  functions: BundledFunction[];
  /** Tables in `public`. */
  tables: string[];
  /** The `videos` bucket as the last migration that sets it leaves it; null when none does. */
  bucket: BucketSettings | null;
}

/** Reads every migration file of this package, in version order. */
export async function readBundledObjects(): Promise<BundledObjects> {
  const [{ readFile }, { listMigrations, splitStatements }] = await Promise.all([import('node:fs/promises'), import('../../base/migration-files.js')]);
  const statements: string[] = [];
  for (const file of listMigrations()) statements.push(...splitStatements(await readFile(file.path, 'utf8')));
  return bundledObjectsFrom(statements);
}

/** The objects the statements leave behind, in the order they run. */
export function bundledObjectsFrom(statements: string[]): BundledObjects {
  const functions = new Map<string, BundledFunction>();
  const tables = new Set<string>();
  let bucket: BucketSettings | null = null;
  for (const raw of statements) {
    const sql = withoutComments(raw).trim();
    let m: RegExpExecArray | null;
    if ((m = /^create\s+(?:or\s+replace\s+)?function\s+public\.("?)(\w+)\1\s*\(/i.exec(sql))) {
      const name = m[2]!.toLowerCase();
      const params = parseParams(sql.slice(m[0].length, closingParen(sql, m[0].length)));
      // `create or replace` keeps the grants of the function it replaces.
      functions.set(name, { name, params, forUsers: functions.get(name)?.forUsers ?? true });
    } else if ((m = /^drop\s+function\s+(?:if\s+exists\s+)?([\s\S]+?)(?:\s+(?:cascade|restrict))?$/i.exec(sql))) {
      for (const name of publicNames(m[1]!)) functions.delete(name);
    } else if ((m = /^alter\s+function\s+(?:if\s+exists\s+)?public\.("?)(\w+)\1[\s\S]*?\s(rename\s+to|set\s+schema)\s+("?)(\w+)\4$/i.exec(sql))) {
      // A function renamed in public keeps its parameters and grants; one moved to another schema is gone from the API.
      const fn = functions.get(m[2]!.toLowerCase());
      functions.delete(m[2]!.toLowerCase());
      const target = m[5]!.toLowerCase();
      if (fn && /^rename/i.test(m[3]!)) functions.set(target, { ...fn, name: target });
      else if (fn && target === 'public') functions.set(fn.name, fn);
    } else if ((m = /^(grant|revoke)\s[\s\S]*?\bon\s+function\s+([\s\S]+?)\s+(?:to|from)\s+([\s\S]+)$/i.exec(sql))) {
      const grant = m[1]!.toLowerCase() === 'grant';
      const roles = m[3]!.toLowerCase().split(/[\s,]+/);
      if (!roles.includes('authenticated')) continue;
      for (const name of publicNames(m[2]!)) {
        const fn = functions.get(name);
        if (fn) fn.forUsers = grant;
      }
    } else if ((m = /^create\s+table\s+(?:if\s+not\s+exists\s+)?public\.("?)(\w+)\1/i.exec(sql))) {
      tables.add(m[2]!.toLowerCase());
    } else if ((m = /^drop\s+table\s+(?:if\s+exists\s+)?([\s\S]+?)(?:\s+(?:cascade|restrict))?$/i.exec(sql))) {
      for (const name of publicNames(m[1]!)) tables.delete(name);
    } else if (/^insert\s+into\s+storage\.buckets\b/i.test(sql)) {
      bucket = insertedBucket(sql) ?? bucket;
    } else if (/^update\s+storage\.buckets\b/i.test(sql) && /\bid\s*=\s*'videos'/i.test(sql) && bucket) {
      bucket = updatedBucket(sql, bucket);
    }
  }
  return { functions: [...functions.values()], tables: [...tables], bucket };
}

/** `-- …` comments out (statements carry the comment lines above them); quotes are respected. */
function withoutComments(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'") {
      const end = endOfQuote(sql, i);
      out += sql.slice(i, end);
      i = end - 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? sql.length : eol - 1;
    } else out += c;
  }
  return out;
}

function endOfQuote(sql: string, start: number): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === "'") {
      if (sql[i + 1] === "'") i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function closingParen(sql: string, from: number): number {
  let depth = 1;
  for (let i = from; i < sql.length; i++) {
    if (sql[i] === "'") i = endOfQuote(sql, i) - 1;
    else if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth === 0) return i;
  }
  return sql.length;
}

/** Splits at commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") i = endOfQuote(text, i) - 1;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

function parseParams(list: string): BundledParam[] {
  const params: BundledParam[] = [];
  for (const part of splitTopLevel(list)) {
    const m = /^(?:(in|out|inout|variadic)\s+)?("?)(\w+)\2\s+([\s\S]+?)(?:\s+(default)\s+[\s\S]+|\s*=\s*[\s\S]+)?$/i.exec(part);
    if (!m) continue;
    if (m[1] && m[1].toLowerCase() === 'out') continue;
    params.push({ name: m[3]!, type: m[4]!.trim().toLowerCase().replace(/\s+/g, ' '), hasDefault: m[5] !== undefined || /=/.test(part.slice(m[3]!.length)) });
  }
  return params;
}

/** `public.a(uuid), public.b()` → ['a', 'b']; names in other schemas are left out. */
function publicNames(list: string): string[] {
  return [...list.matchAll(/\bpublic\.("?)(\w+)\1/gi)].map((m) => m[2]!.toLowerCase());
}

function insertedBucket(sql: string): BucketSettings | null {
  const columns = /storage\.buckets\s*\(([^)]*)\)/i.exec(sql)?.[1];
  const valuesAt = sql.search(/\bvalues\s*\(/i);
  if (!columns || valuesAt < 0) return null;
  const open = sql.indexOf('(', valuesAt);
  const values = splitTopLevel(sql.slice(open + 1, closingParen(sql, open + 1)));
  const names = columns.split(',').map((c) => c.trim().toLowerCase());
  const get = (column: string): string | undefined => values[names.indexOf(column)];
  if (sqlText(get('id')) !== 'videos') return null;
  return {
    id: 'videos',
    public: /^true$/i.test(get('public') ?? 'false'),
    fileSizeLimit: sqlNumber(get('file_size_limit')),
    allowedMimeTypes: sqlTextArray(get('allowed_mime_types')),
  };
}

function updatedBucket(sql: string, bucket: BucketSettings): BucketSettings {
  const set = /\bset\s+([\s\S]+?)\s+where\b/i.exec(sql)?.[1];
  if (!set) return bucket;
  const next = { ...bucket };
  for (const assignment of splitTopLevel(set)) {
    const m = /^(\w+)\s*=\s*([\s\S]+)$/.exec(assignment);
    if (!m) continue;
    const column = m[1]!.toLowerCase();
    if (column === 'public') next.public = /^true$/i.test(m[2]!.trim());
    if (column === 'file_size_limit') next.fileSizeLimit = sqlNumber(m[2]);
    if (column === 'allowed_mime_types') next.allowedMimeTypes = sqlTextArray(m[2]);
  }
  return next;
}

function sqlText(value: string | undefined): string | null {
  const m = /^'((?:[^']|'')*)'$/.exec(value?.trim() ?? '');
  return m ? m[1]!.replace(/''/g, "'") : null;
}

function sqlNumber(value: string | undefined): number | null {
  const text = value?.trim() ?? '';
  return /^\d+$/.test(text) ? Number(text) : null;
}

function sqlTextArray(value: string | undefined): string[] | null {
  const m = /^array\s*\[([\s\S]*)\]/i.exec(value?.trim() ?? '');
  if (!m) return null;
  return splitTopLevel(m[1]!).map((v) => sqlText(v.replace(/::\w+$/, '')) ?? v);
}
