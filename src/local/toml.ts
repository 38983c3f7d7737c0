// A TOML subset, enough for supabase/config.toml: [tables] and key = string / boolean / number.
// Arrays and inline tables are skipped.

export type TomlValue = string | boolean | number;

/** Parses `[table]` headers and `key = value` lines; arrays and inline tables are skipped. */
export function parseTomlTables(text: string): Map<string, Map<string, TomlValue>> {
  const tables = new Map<string, Map<string, TomlValue>>();
  let current = new Map<string, TomlValue>();
  tables.set('', current);
  for (const rawLine of text.split(/\r?\n/)) {
    const line = stripComment(rawLine).trim();
    if (line === '') continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      const name = header[1]!
        .split('.')
        .map((part) => part.trim().replace(/^"(.*)"$/, '$1'))
        .join('.');
      current = tables.get(name) ?? new Map();
      tables.set(name, current);
      continue;
    }
    const pair = /^("?[A-Za-z0-9_.-]+"?)\s*=\s*(.+)$/.exec(line);
    if (!pair) continue;
    const key = pair[1]!.replace(/^"(.*)"$/, '$1');
    const value = pair[2]!.trim();
    if (value === 'true' || value === 'false') current.set(key, value === 'true');
    else if (/^-?\d+(\.\d+)?$/.test(value)) current.set(key, Number(value));
    else if (/^"(.*)"$/.test(value)) current.set(key, JSON.parse(value) as string);
    else if (/^'(.*)'$/.test(value)) current.set(key, value.slice(1, -1));
  }
  return tables;
}

function stripComment(line: string): string {
  let quoted: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '\\' && quoted === '"') i++;
      else if (ch === quoted) quoted = null;
    } else if (ch === '"' || ch === "'") quoted = ch;
    else if (ch === '#') return line.slice(0, i);
  }
  return line;
}

