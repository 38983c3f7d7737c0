// The query-string grammar PostgREST understands and postgrest-js writes: select, filters (also inside
// or=/and=), order, limit/offset, columns, and the Prefer header.
import { restErrors } from './errors.js';

export type SelectItem =
  | { kind: 'star' }
  | { kind: 'column'; name: string; alias: string | null; cast: string | null; jsonPath: JsonPathStep[] }
  | { kind: 'count'; alias: string | null }
  | { kind: 'embed'; relation: string; alias: string | null; hint: string | null; inner: boolean; items: SelectItem[] };

export interface JsonPathStep {
  arrow: '->' | '->>';
  key: string;
}

export type FilterOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike' | 'match' | 'imatch' | 'is' | 'in' | 'cs' | 'cd' | 'ov';

export interface Condition {
  kind: 'condition';
  column: string;
  jsonPath: JsonPathStep[];
  negate: boolean;
  op: FilterOp;
  /** Raw value; for `in` the parsed list. */
  value: string | string[];
}

export interface Logic {
  kind: 'logic';
  op: 'and' | 'or';
  negate: boolean;
  children: Filter[];
}

export type Filter = Condition | Logic;

export interface OrderTerm {
  column: string;
  jsonPath: JsonPathStep[];
  direction: 'asc' | 'desc' | null;
  nulls: 'first' | 'last' | null;
}

const OPS = new Set<FilterOp>(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'is', 'in', 'cs', 'cd', 'ov']);

/** Splits on `sep` at nesting depth 0, outside double quotes. */
export function splitTopLevel(input: string, sep = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === '\\' && quoted && i + 1 < input.length) {
      current += ch + input[i + 1];
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    if (ch === sep && depth === 0 && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (depth !== 0 || quoted) throw restErrors.parse(`failed to parse "${input}"`, 'unbalanced parentheses or quotes');
  parts.push(current);
  return parts;
}

function unquote(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1).replace(/\\"/g, '"');
  return trimmed;
}

/** `col->a->>b` → column and JSON path. */
function parseField(raw: string): { name: string; jsonPath: JsonPathStep[] } {
  const parts = raw.split(/(->>|->)/);
  const name = unquote(parts[0] ?? '');
  const jsonPath: JsonPathStep[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    jsonPath.push({ arrow: parts[i] as '->' | '->>', key: unquote(parts[i + 1] ?? '') });
  }
  if (name === '') throw restErrors.parse(`failed to parse field "${raw}"`);
  return { name, jsonPath };
}

/**
 * The only casts a select may ask for, each mapped to the SQL the server writes: the client's text never
 * reaches the SQL (PostgREST takes any type name; a fixed list is all this project's clients need).
 */
export const CASTS: Readonly<Record<string, string>> = {
  text: 'pg_catalog.text',
  varchar: 'pg_catalog.varchar',
  int: 'pg_catalog.int4',
  int2: 'pg_catalog.int2',
  int4: 'pg_catalog.int4',
  int8: 'pg_catalog.int8',
  smallint: 'pg_catalog.int2',
  integer: 'pg_catalog.int4',
  bigint: 'pg_catalog.int8',
  numeric: 'pg_catalog.numeric',
  real: 'pg_catalog.float4',
  float4: 'pg_catalog.float4',
  float8: 'pg_catalog.float8',
  bool: 'pg_catalog.bool',
  boolean: 'pg_catalog.bool',
  json: 'pg_catalog.json',
  jsonb: 'pg_catalog.jsonb',
  uuid: 'pg_catalog.uuid',
  date: 'pg_catalog.date',
  timestamp: 'pg_catalog.timestamp',
  timestamptz: 'pg_catalog.timestamptz',
  'text[]': 'pg_catalog.text[]',
  'uuid[]': 'pg_catalog.uuid[]',
};

/** The SQL for a cast the client named, or null when it is not in the fixed list. */
export function castType(given: string): string | null {
  return Object.prototype.hasOwnProperty.call(CASTS, given.toLowerCase()) ? CASTS[given.toLowerCase()]! : null;
}

export function parseSelect(input: string | null): SelectItem[] {
  if (input === null || input.trim() === '') return [{ kind: 'star' }];
  return splitTopLevel(input.replace(/\s+(?=(?:[^"]*"[^"]*")*[^"]*$)/g, '')).map(parseSelectItem);
}

function parseSelectItem(raw: string): SelectItem {
  if (raw === '') throw restErrors.parse('failed to parse select parameter', 'empty item');
  if (raw === '*') return { kind: 'star' };
  let alias: string | null = null;
  let rest = raw;
  const aliasMatch = /^("[^"]+"|[^:(]+):(?!:)/.exec(raw);
  if (aliasMatch) {
    alias = unquote(aliasMatch[1]!);
    rest = raw.slice(aliasMatch[0].length);
  }
  const open = rest.indexOf('(');
  if (open > 0 && rest.endsWith(')')) {
    const head = rest.slice(0, open);
    const inside = rest.slice(open + 1, -1);
    if (head === 'count' && inside === '') return { kind: 'count', alias };
    const [relation, ...modifiers] = head.split('!');
    let hint: string | null = null;
    let inner = false;
    for (const modifier of modifiers) {
      if (modifier === 'inner') inner = true;
      else if (modifier === 'left') inner = false;
      else hint = modifier;
    }
    return { kind: 'embed', relation: unquote(relation ?? ''), alias, hint, inner, items: parseSelect(inside) };
  }
  let cast: string | null = null;
  const castAt = rest.indexOf('::');
  if (castAt >= 0) {
    const given = rest.slice(castAt + 2);
    rest = rest.slice(0, castAt);
    cast = castType(given);
    if (cast === null) {
      throw restErrors.parse(`failed to parse select parameter (${raw})`, `unexpected cast "${given}"; casts allowed: ${Object.keys(CASTS).join(', ')}`);
    }
  }
  const { name, jsonPath } = parseField(rest);
  return { kind: 'column', name, alias, cast, jsonPath };
}

/** `op.value` or `not.op.value` for column `column`. */
export function parseCondition(column: string, raw: string): Condition {
  const field = parseField(column);
  let rest = raw;
  let negate = false;
  if (rest.startsWith('not.')) {
    negate = true;
    rest = rest.slice(4);
  }
  const dot = rest.indexOf('.');
  const opName = dot < 0 ? rest : rest.slice(0, dot);
  const value = dot < 0 ? '' : rest.slice(dot + 1);
  if (!OPS.has(opName as FilterOp)) {
    throw restErrors.parse(`failed to parse filter (${raw})`, `unexpected "${opName}" expecting an operator`);
  }
  const op = opName as FilterOp;
  if (op === 'in') {
    if (!value.startsWith('(') || !value.endsWith(')')) throw restErrors.parse(`failed to parse filter (${raw})`, 'expecting "(" for in');
    const inner = value.slice(1, -1);
    const list = inner === '' ? [] : splitTopLevel(inner).map((v) => unquote(v));
    return { kind: 'condition', column: field.name, jsonPath: field.jsonPath, negate, op, value: list };
  }
  return { kind: 'condition', column: field.name, jsonPath: field.jsonPath, negate, op, value };
}

/** or=(a.eq.1,and(b.gt.2,c.is.null)) */
export function parseLogic(op: 'and' | 'or', raw: string, negate = false): Logic {
  if (!raw.startsWith('(') || !raw.endsWith(')')) throw restErrors.parse(`failed to parse logic tree (${raw})`, 'expecting "("');
  const children = splitTopLevel(raw.slice(1, -1)).map((part): Filter => {
    const logic = /^(not\.)?(and|or)(\(.*\))$/s.exec(part);
    if (logic) return parseLogic(logic[2] as 'and' | 'or', logic[3]!, logic[1] !== undefined);
    const dot = part.indexOf('.');
    if (dot <= 0) throw restErrors.parse(`failed to parse logic tree (${raw})`, `unexpected "${part}"`);
    // a column may carry a JSON path with dots only inside quotes; the first dot ends it
    return parseCondition(part.slice(0, dot), part.slice(dot + 1));
  });
  return { kind: 'logic', op, negate, children };
}

export function parseOrder(raw: string): OrderTerm[] {
  return splitTopLevel(raw).map((term) => {
    const parts = term.split('.');
    const { name, jsonPath } = parseField(parts[0] ?? '');
    let direction: OrderTerm['direction'] = null;
    let nulls: OrderTerm['nulls'] = null;
    for (const modifier of parts.slice(1)) {
      if (modifier === 'asc' || modifier === 'desc') direction = modifier;
      else if (modifier === 'nullsfirst') nulls = 'first';
      else if (modifier === 'nullslast') nulls = 'last';
      else throw restErrors.parse(`failed to parse order (${raw})`, `unexpected "${modifier}"`);
    }
    return { column: name, jsonPath, direction, nulls };
  });
}

export function parseNonNegativeInt(name: string, raw: string | null): number | null {
  if (raw === null || raw === '') return null;
  if (!/^\d+$/.test(raw)) throw restErrors.parse(`failed to parse ${name} parameter (${raw})`);
  return Number(raw);
}

/** `columns="a","b"` (postgrest-js quotes each name). */
export function parseColumns(raw: string): string[] {
  return splitTopLevel(raw).map(unquote).filter((c) => c !== '');
}

export interface Preferences {
  return: 'minimal' | 'representation' | 'headers-only' | null;
  count: 'exact' | 'planned' | 'estimated' | null;
  resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
  missing: 'default' | 'null' | null;
  txRollback: boolean;
}

/** Prefer may be repeated and comma-separated (postgrest-js appends with Headers.append). */
export function parsePrefer(header: string | undefined): Preferences {
  const prefs: Preferences = { return: null, count: null, resolution: null, missing: null, txRollback: false };
  if (!header) return prefs;
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=').map((s) => s.trim());
    if (key === 'return' && (value === 'minimal' || value === 'representation' || value === 'headers-only')) prefs.return = value;
    else if (key === 'count' && (value === 'exact' || value === 'planned' || value === 'estimated')) prefs.count = value;
    else if (key === 'resolution' && (value === 'merge-duplicates' || value === 'ignore-duplicates')) prefs.resolution = value;
    else if (key === 'missing' && (value === 'default' || value === 'null')) prefs.missing = value;
    else if (key === 'tx' && value === 'rollback') prefs.txRollback = true;
  }
  return prefs;
}

export interface EmbedModifiers {
  filters: Filter[];
  order: OrderTerm[] | null;
  limit: number | null;
  offset: number | null;
}

export interface ParsedQuery {
  filters: Filter[];
  order: OrderTerm[] | null;
  limit: number | null;
  offset: number | null;
  /** Modifiers for embedded resources, keyed by their dotted path (`modules`, `modules.videos`). */
  embedded: Map<string, EmbedModifiers>;
}

/** Filters, order and paging of the query string; `skip` holds parameters consumed elsewhere (RPC arguments on GET). */
export function parseQuery(params: URLSearchParams, skip: Set<string> = new Set()): ParsedQuery {
  const top: EmbedModifiers = { filters: [], order: null, limit: null, offset: null };
  const embedded = new Map<string, EmbedModifiers>();
  const target = (path: string): EmbedModifiers => {
    if (path === '') return top;
    let m = embedded.get(path);
    if (!m) {
      m = { filters: [], order: null, limit: null, offset: null };
      embedded.set(path, m);
    }
    return m;
  };
  for (const [key, value] of params) {
    if (skip.has(key) || key === 'select' || key === 'columns' || key === 'on_conflict' || key === 'apikey') continue;
    const logic = /^(?:(.*)\.)?(not\.)?(and|or)$/.exec(key);
    if (logic) {
      target(logic[1] ?? '').filters.push(parseLogic(logic[3] as 'and' | 'or', value, logic[2] !== undefined));
      continue;
    }
    const modifier = /^(?:(.*)\.)?(order|limit|offset)$/.exec(key);
    if (modifier) {
      const m = target(modifier[1] ?? '');
      if (modifier[2] === 'order') m.order = parseOrder(value);
      else if (modifier[2] === 'limit') m.limit = parseNonNegativeInt('limit', value);
      else m.offset = parseNonNegativeInt('offset', value);
      continue;
    }
    // A dotted key filters an embedded resource (`modules.name=eq.x`), unless the dot is in a JSON path.
    const arrowAt = key.search(/->/);
    const head = arrowAt >= 0 ? key.slice(0, arrowAt) : key;
    const lastDot = head.lastIndexOf('.');
    if (lastDot > 0) {
      target(key.slice(0, lastDot)).filters.push(parseCondition(key.slice(lastDot + 1), value));
    } else {
      top.filters.push(parseCondition(key, value));
    }
  }
  return { ...top, embedded };
}
