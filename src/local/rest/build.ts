// SQL for PostgREST requests. Identifiers are always quoted, values always bound as parameters; rows are
// turned into JSON by PostgreSQL itself (json_agg), as PostgREST does, so types serialise the same way.
import { quoteIdent } from '../sql.js';
import type { Catalog, Relation } from './catalog.js';
import { restErrors } from './errors.js';
import type { Condition, EmbedModifiers, Filter, JsonPathStep, OrderTerm, ParsedQuery, SelectItem } from './parse.js';

export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export function qualified(relation: { schema: string; name: string }): string {
  return `${quoteIdent(relation.schema)}.${quoteIdent(relation.name)}`;
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function fieldSql(alias: string, column: string, jsonPath: JsonPathStep[]): string {
  let sql = `${alias}.${quoteIdent(column)}`;
  for (const step of jsonPath) {
    sql += /^-?\d+$/.test(step.key) ? `${step.arrow}${step.key}` : `${step.arrow}${quoteLiteral(step.key)}`;
  }
  return sql;
}

function conditionSql(c: Condition, alias: string, params: Params): string {
  const field = fieldSql(alias, c.column, c.jsonPath);
  let sql: string;
  const value = c.value;
  switch (c.op) {
    case 'in': {
      const list = value as string[];
      sql = list.length === 0 ? 'false' : `${field} = any(${params.add(list)})`;
      break;
    }
    case 'is': {
      const map: Record<string, string> = { null: 'null', not_null: 'not null', true: 'true', false: 'false', unknown: 'unknown' };
      const target = map[(value as string).toLowerCase()];
      if (!target) throw restErrors.parse(`failed to parse filter (is.${value as string})`, 'unexpected value for is');
      sql = `${field} is ${target}`;
      break;
    }
    case 'like':
    case 'ilike':
      sql = `${field} ${c.op} ${params.add((value as string).replace(/\*/g, '%'))}`;
      break;
    default: {
      const operators: Record<string, string> = {
        eq: '=',
        neq: '<>',
        gt: '>',
        gte: '>=',
        lt: '<',
        lte: '<=',
        match: '~',
        imatch: '~*',
        cs: '@>',
        cd: '<@',
        ov: '&&',
      };
      sql = `${field} ${operators[c.op]!} ${params.add(value)}`;
    }
  }
  return c.negate ? `not (${sql})` : sql;
}

function filterSql(f: Filter, alias: string, params: Params): string {
  if (f.kind === 'condition') return conditionSql(f, alias, params);
  const parts = f.children.map((child) => filterSql(child, alias, params));
  const joined = parts.length === 0 ? 'true' : `(${parts.join(f.op === 'and' ? ' and ' : ' or ')})`;
  return f.negate ? `not ${joined}` : joined;
}

/**
 * Filters and order may name only columns the catalog lists for `relation` (PostgreSQL's 42703 otherwise),
 * so no client text but a known, quoted name reaches the SQL. A relation the catalog does not describe
 * (a function's scalar result) is left to quoting alone.
 */
export function assertKnownColumns(relation: Relation | null, filters: Filter[], order: OrderTerm[] | null): void {
  if (!relation) return;
  const check = (column: string) => {
    if (!relation.columns.some((c) => c.name === column)) throw restErrors.undefinedColumn(relation.name, column);
  };
  const visit = (filter: Filter): void => {
    if (filter.kind === 'condition') check(filter.column);
    else filter.children.forEach(visit);
  };
  filters.forEach(visit);
  for (const term of order ?? []) check(term.column);
}

export function whereSql(filters: Filter[], alias: string, params: Params): string[] {
  return filters.map((f) => filterSql(f, alias, params));
}

export function orderSql(order: OrderTerm[] | null, alias: string): string {
  if (!order || order.length === 0) return '';
  const terms = order.map((t) => {
    let sql = fieldSql(alias, t.column, t.jsonPath);
    if (t.direction) sql += ` ${t.direction}`;
    if (t.nulls) sql += ` nulls ${t.nulls}`;
    return sql;
  });
  return ` order by ${terms.join(', ')}`;
}

export function pagingSql(limit: number | null, offset: number | null): string {
  let sql = '';
  if (limit !== null) sql += ` limit ${limit}`;
  if (offset !== null && offset > 0) sql += ` offset ${offset}`;
  return sql;
}

export interface BuildContext {
  catalog: Catalog;
  schema: string;
  embedded: Map<string, EmbedModifiers>;
  nextAlias(): string;
}

export function buildContext(catalog: Catalog, schema: string, query: ParsedQuery): BuildContext {
  return { catalog, schema, embedded: query.embedded, nextAlias: aliasCounter(1) };
}

function aliasCounter(start: number): () => string {
  let n = start;
  return () => `t${n++}`;
}

export interface Projection {
  columns: string[];
  groupBy: string[];
  /** Conditions the parent must meet because of `!inner` embeds. */
  parentConditions: string[];
}

/** The select list for `items` over `alias` (a row of `relation`, when known: embedding needs it). */
export async function projection(
  ctx: BuildContext,
  relation: Relation | null,
  alias: string,
  items: SelectItem[],
  params: Params,
  path = '',
): Promise<Projection> {
  const columns: string[] = [];
  const plain: string[] = [];
  const parentConditions: string[] = [];
  let aggregate = false;
  for (const item of items) {
    switch (item.kind) {
      case 'star':
        columns.push(`${alias}.*`);
        plain.push(`${alias}.*`);
        break;
      case 'column': {
        // `count` in a select is PostgREST's count() aggregate unless the relation has such a column.
        if (item.name === 'count' && item.jsonPath.length === 0 && item.cast === null && relation && !relation.columns.some((c) => c.name === 'count')) {
          columns.push(`pg_catalog.count(*) as ${quoteIdent(item.alias ?? 'count')}`);
          aggregate = true;
          break;
        }
        // Only names the catalog knows reach the SQL (quoted as well); unknown ones are PostgreSQL's 42703.
        if (relation && !relation.columns.some((c) => c.name === item.name)) throw restErrors.undefinedColumn(relation.name, item.name);
        const field = fieldSql(alias, item.name, item.jsonPath);
        const expr = item.cast ? `${field}::${item.cast}` : field;
        const name = item.alias ?? (item.jsonPath.length > 0 ? item.jsonPath[item.jsonPath.length - 1]!.key : item.name);
        columns.push(`${expr} as ${quoteIdent(name)}`);
        plain.push(expr);
        break;
      }
      case 'count':
        columns.push(`pg_catalog.count(*) as ${quoteIdent(item.alias ?? 'count')}`);
        aggregate = true;
        break;
      case 'embed': {
        const embed = await embedSql(ctx, relation, alias, item, params, path);
        columns.push(embed.column);
        if (embed.parentCondition) parentConditions.push(embed.parentCondition);
        break;
      }
    }
  }
  if (columns.length === 0) columns.push(`${alias}.*`);
  return { columns, groupBy: aggregate ? plain.filter((p) => !p.endsWith('.*')) : [], parentConditions };
}

async function embedSql(
  ctx: BuildContext,
  parent: Relation | null,
  parentAlias: string,
  item: Extract<SelectItem, { kind: 'embed' }>,
  params: Params,
  path: string,
): Promise<{ column: string; parentCondition: string | null }> {
  const parentName = parent?.name ?? 'result';
  const target = await ctx.catalog.relation(ctx.schema, item.relation);
  if (!parent || !target) throw restErrors.noRelationship(parentName, item.relation, ctx.schema);
  let keys = await ctx.catalog.foreignKeysBetween(parent.oid, target.oid);
  if (item.hint) {
    const hint = item.hint;
    keys = keys.filter((k) => k.name === hint || (k.fromColumns.length === 1 && k.fromColumns[0] === hint));
  }
  if (keys.length === 0) throw restErrors.noRelationship(parentName, item.relation, ctx.schema);
  if (keys.length > 1) {
    const details = keys.map((k) => `${target.name}!${k.name}`).join(', ');
    throw restErrors.ambiguousRelationship(parentName, item.relation, details);
  }
  const key = keys[0]!;
  // The child holds the key: one parent, many children (array); else the parent holds it (object).
  const toMany = key.fromOid === target.oid && !(key.fromOid === key.toOid);
  const name = item.alias ?? item.relation;
  const childPath = path ? `${path}.${name}` : name;
  // Modifiers (`children.order=...`) address an embed by the name it has in the response (its alias, if any).
  const modifiers = ctx.embedded.get(childPath);
  assertKnownColumns(target, modifiers?.filters ?? [], modifiers?.order ?? null);

  const joinFor = (childAlias: string) =>
    key.fromColumns.map((fromCol, i) => {
      const toCol = key.toColumns[i]!;
      return toMany
        ? `${childAlias}.${quoteIdent(fromCol)} = ${parentAlias}.${quoteIdent(toCol)}`
        : `${childAlias}.${quoteIdent(toCol)} = ${parentAlias}.${quoteIdent(fromCol)}`;
    });

  const alias = ctx.nextAlias();
  const inner = await projection(ctx, target, alias, item.items, params, childPath);
  const where = [...joinFor(alias), ...whereSql(modifiers?.filters ?? [], alias, params), ...inner.parentConditions];
  const group = inner.groupBy.length ? ` group by ${inner.groupBy.join(', ')}` : '';
  const source = `select ${inner.columns.join(', ')} from ${qualified(target)} ${alias} where ${where.join(' and ')}${group}`;
  const rows = `_${alias}`;
  const column = toMany
    ? `(select coalesce(pg_catalog.json_agg(${rows}), '[]'::json) from (${source}${orderSql(modifiers?.order ?? null, alias)}${pagingSql(
        modifiers?.limit ?? null,
        modifiers?.offset ?? null,
      )}) ${rows}) as ${quoteIdent(name)}`
    : `(select pg_catalog.row_to_json(${rows}) from (${source} limit 1) ${rows}) as ${quoteIdent(name)}`;

  let parentCondition: string | null = null;
  if (item.inner) {
    const existsAlias = ctx.nextAlias();
    const conditions = [...joinFor(existsAlias), ...whereSql(modifiers?.filters ?? [], existsAlias, params)];
    parentCondition = `exists (select 1 from ${qualified(target)} ${existsAlias} where ${conditions.join(' and ')})`;
  }
  return { column, parentCondition };
}
