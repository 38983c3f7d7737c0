// Calling a PostgreSQL function as PostgREST does: choosing the overload by argument names, and the
// call's SQL with each JSON argument converted to what its parameter type parses.
import { quoteIdent } from '../sql.js';
import type { Params } from './build.js';
import type { Catalog, Routine } from './catalog.js';
import { RestError } from './errors.js';

/** PostgREST's function resolution by argument names (supabase-wire §1.2). */
function resolveRoutineFrom(
  candidates: Routine[],
  keys: Set<string>,
  isPost: boolean,
): { matches: Routine[]; fallbacks: Routine[] } {
  const matches: Routine[] = [];
  const fallbacks: Routine[] = [];
  for (const fn of candidates) {
    const required = fn.params.filter((p) => !p.hasDefault).map((p) => p.name);
    const optional = new Set(fn.params.filter((p) => p.hasDefault).map((p) => p.name));
    let ok: boolean;
    if (fn.params.length === 0) ok = keys.size === 0;
    else if (optional.size === 0) ok = keys.size === required.length && required.every((r) => keys.has(r));
    else if (required.length === 0) ok = [...keys].every((k) => optional.has(k));
    else {
      const rest = [...keys].filter((k) => !optional.has(k));
      ok = rest.length === required.length && required.every((r) => rest.includes(r));
    }
    if (ok) matches.push(fn);
    else if (isPost && fn.params.length === 1 && fn.params[0]!.name === '' && ['json', 'jsonb'].includes(fn.params[0]!.type)) fallbacks.push(fn);
  }
  return { matches, fallbacks };
}

export async function resolveRoutine(
  catalog: Catalog,
  schema: string,
  name: string,
  args: Record<string, unknown>,
  isPost: boolean,
): Promise<{ routine: Routine; singleJson: boolean }> {
  const candidates = await catalog.routines(schema, name);
  const keys = new Set(Object.keys(args));
  const { matches, fallbacks } = resolveRoutineFrom(candidates, keys, isPost);
  const pick = matches.length > 0 ? matches : fallbacks;
  if (pick.length === 1) return { routine: pick[0]!, singleJson: matches.length === 0 };
  if (pick.length > 1) {
    const list = pick.map((p) => `${schema}.${p.name}(${p.params.map((a) => `${a.name} => ${a.type}`).join(', ')})`);
    throw new RestError(
      300,
      'PGRST203',
      `Could not choose the best candidate function between: ${list.join(', ')}`,
      null,
      'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    );
  }
  const sorted = [...keys].sort();
  const func = `${schema}.${name}`;
  const prms = sorted.join(', ');
  const message = `Could not find the function ${func}${sorted.length === 0 ? ' without parameters' : `(${prms})`} in the schema cache`;
  const searchedParams = sorted.length === 0 ? ' without parameters' : ` with parameter${sorted.length > 1 ? 's' : ''} ${prms}`;
  const details = `Searched for the function ${func}${searchedParams}${isPost ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`;
  let hint: string | null = null;
  if (candidates.length > 0) {
    const c = candidates[0]!;
    hint = `Perhaps you meant to call the function ${func}(${c.params.map((p) => p.name).sort().join(', ')})`;
  } else {
    const similar = await catalog.similarRoutine(schema, name);
    if (similar) hint = `Perhaps you meant to call the function ${schema}.${similar}`;
  }
  throw new RestError(404, 'PGRST202', message, details, hint);
}

/** `schema.fn(a := $1::type, ...)`, converting JSON argument values to what each parameter type parses. */
export function callSql(fn: Routine, args: unknown, singleJson: boolean, params: Params): string {
  const target = `${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}`;
  if (singleJson) return `${target}(${params.add(JSON.stringify(args))}::${fn.params[0]!.type})`;
  const record = args as Record<string, unknown>;
  const list = fn.params
    .filter((p) => Object.prototype.hasOwnProperty.call(record, p.name))
    .map((p) => `${quoteIdent(p.name)} := ${params.add(argumentValue(record[p.name], p.type))}::${p.type}`);
  return `${target}(${list.join(', ')})`;
}

function argumentValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'json' || type === 'jsonb') return JSON.stringify(value);
  if (Array.isArray(value) && type.endsWith('[]')) {
    const element = type.slice(0, -2);
    return value.map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : argumentValue(v, element)));
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return typeof value === 'string' ? value : String(value);
}
