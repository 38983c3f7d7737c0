// What PostgREST keeps in its schema cache, read from pg_catalog per request (cheap, and always current,
// so a migration applied while the backend runs needs no reload).
import type { SqlClient } from '../sql.js';

export interface Column {
  name: string;
  type: string;
}

export interface Relation {
  oid: number;
  schema: string;
  name: string;
  columns: Column[];
  primaryKey: string[];
}

export interface ForeignKey {
  name: string;
  /** The table holding the key. */
  fromOid: number;
  fromColumns: string[];
  /** The referenced table. */
  toOid: number;
  toColumns: string[];
}

export interface RoutineParam {
  name: string;
  type: string;
  typeOid: number;
  hasDefault: boolean;
}

export interface Routine {
  schema: string;
  name: string;
  params: RoutineParam[];
  returnsSet: boolean;
  /** void, scalar (incl. json, arrays, domains), or composite (row types, record, OUT/TABLE parameters). */
  returnKind: 'void' | 'scalar' | 'composite';
  /** The table behind a row-type result, for embedding from function results. */
  returnRelationOid: number | null;
  volatility: 'i' | 's' | 'v';
}

export class Catalog {
  private readonly relations = new Map<string, Relation | null>();
  private readonly relationsByOid = new Map<number, Relation>();

  constructor(private readonly client: SqlClient) {}

  async relation(schema: string, name: string): Promise<Relation | null> {
    const key = `${schema}.${name}`;
    if (this.relations.has(key)) return this.relations.get(key)!;
    const { rows } = await this.client.query<{ oid: number }>(
      `select c.oid::int as oid from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'v', 'm', 'f', 'p')`,
      [schema, name],
    );
    const relation = rows[0] ? await this.relationByOid(rows[0].oid) : null;
    this.relations.set(key, relation);
    return relation;
  }

  async relationByOid(oid: number): Promise<Relation> {
    const cached = this.relationsByOid.get(oid);
    if (cached) return cached;
    const { rows } = await this.client.query<{ schema: string; name: string; columns: Column[]; pk: string[] | null }>(
      `select n.nspname as schema, c.relname as name,
              (select coalesce(json_agg(json_build_object('name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod)) order by a.attnum), '[]')
                 from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
              (select array_agg(a.attname::text order by k.ord)
                 from pg_catalog.pg_constraint con, unnest(con.conkey) with ordinality k(attnum, ord)
                 join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
                where con.conrelid = c.oid and con.contype = 'p') as pk
         from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = $1`,
      [oid],
    );
    const row = rows[0]!;
    const relation: Relation = { oid, schema: row.schema, name: row.name, columns: row.columns, primaryKey: row.pk ?? [] };
    this.relationsByOid.set(oid, relation);
    return relation;
  }

  /** A table in `schema` whose name is close to `name`, for PostgREST's "Perhaps you meant" hint. */
  async similarRelation(schema: string, name: string): Promise<string | null> {
    const { rows } = await this.client.query<{ relname: string }>(
      `select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind in ('r', 'v', 'm', 'f', 'p')`,
      [schema],
    );
    return closest(name, rows.map((r) => r.relname));
  }

  /** Foreign keys between two relations, in either direction. */
  async foreignKeysBetween(a: number, b: number): Promise<ForeignKey[]> {
    const { rows } = await this.client.query<{ name: string; from_oid: number; from_cols: string[]; to_oid: number; to_cols: string[] }>(
      `select con.conname as name, con.conrelid::int as from_oid, con.confrelid::int as to_oid,
              (select array_agg(a.attname::text order by k.ord) from unnest(con.conkey) with ordinality k(attnum, ord)
                 join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as from_cols,
              (select array_agg(a.attname::text order by k.ord) from unnest(con.confkey) with ordinality k(attnum, ord)
                 join pg_catalog.pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum) as to_cols
         from pg_catalog.pg_constraint con
        where con.contype = 'f' and ((con.conrelid = $1 and con.confrelid = $2) or (con.conrelid = $2 and con.confrelid = $1))
        order by con.conname`,
      [a, b],
    );
    return rows.map((r) => ({ name: r.name, fromOid: r.from_oid, fromColumns: r.from_cols, toOid: r.to_oid, toColumns: r.to_cols }));
  }

  async routines(schema: string, name: string): Promise<Routine[]> {
    const { rows } = await this.client.query<{
      proname: string;
      arg_names: string[] | null;
      arg_modes: string[] | null;
      all_types: number[] | null;
      in_types: number[];
      type_names: string[];
      all_type_names: string[] | null;
      ndefaults: number;
      retset: boolean;
      rettype: number;
      typtype: string;
      typrelid: number;
      volatility: 'i' | 's' | 'v';
    }>(
      `select p.proname, p.proargnames as arg_names, p.proargmodes::text[] as arg_modes,
              p.proallargtypes::int[] as all_types, p.proargtypes::oid[]::int[] as in_types,
              array(select pg_catalog.format_type(t, null) from unnest(p.proargtypes::oid[]) with ordinality u(t, o) order by o) as type_names,
              case when p.proallargtypes is null then null else
                array(select pg_catalog.format_type(t, null) from unnest(p.proallargtypes) with ordinality u(t, o) order by o) end as all_type_names,
              p.pronargdefaults::int as ndefaults, p.proretset as retset, p.prorettype::int as rettype,
              t.typtype::text as typtype, t.typrelid::int as typrelid, p.provolatile::text as volatility
         from pg_catalog.pg_proc p
         join pg_catalog.pg_namespace n on n.oid = p.pronamespace
         join pg_catalog.pg_type t on t.oid = p.prorettype
        where n.nspname = $1 and p.proname = $2 and p.prokind = 'f'`,
      [schema, name],
    );
    return rows.map((r) => {
      // Input parameters: modes i (in), b (inout), v (variadic); with no modes every argument is input.
      const params: RoutineParam[] = [];
      if (r.arg_modes === null) {
        r.in_types.forEach((oid, i) => params.push({ name: r.arg_names?.[i] ?? '', type: r.type_names[i]!, typeOid: oid, hasDefault: false }));
      } else {
        r.arg_modes.forEach((mode, i) => {
          if (mode === 'i' || mode === 'b' || mode === 'v') {
            params.push({ name: r.arg_names?.[i] ?? '', type: r.all_type_names![i]!, typeOid: r.all_types![i]!, hasDefault: false });
          }
        });
      }
      for (let i = params.length - r.ndefaults; i < params.length; i++) params[i]!.hasDefault = true;
      const hasOutParams = r.arg_modes?.some((m) => m === 'o' || m === 't' || m === 'b') ?? false;
      let returnKind: Routine['returnKind'];
      if (r.rettype === 2278) returnKind = 'void';
      else if (r.typtype === 'c' || r.rettype === 2249 || (hasOutParams && r.rettype === 2249)) returnKind = 'composite';
      else returnKind = 'scalar';
      return {
        schema,
        name: r.proname,
        params,
        returnsSet: r.retset,
        returnKind,
        returnRelationOid: r.typtype === 'c' && r.typrelid !== 0 ? r.typrelid : null,
        volatility: r.volatility,
      };
    });
  }

  async similarRoutine(schema: string, name: string): Promise<string | null> {
    const { rows } = await this.client.query<{ proname: string }>(
      `select distinct p.proname from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
        where n.nspname = $1 and p.prokind = 'f'`,
      [schema],
    );
    return closest(name, rows.map((r) => r.proname));
  }
}

/** The candidate with the smallest edit distance, if it is close enough to be a likely typo. */
function closest(name: string, candidates: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
