import { CliError, ExitCode, notFoundError, usageError } from '../base/errors.js';

/** What a `<session>`, `<module>` or `<video>` argument can name. */
export type RefKind = 'session' | 'module' | 'video';

/** One row `resolve_id` can answer with. */
export interface RefCandidate {
  id: string;
  name: string;
}

/** A resolved reference; `name` is null when a full id was taken as is, without asking the server. */
export interface ResolvedRef {
  id: string;
  name: string | null;
}

export const MIN_PREFIX = 4;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID_PREFIX = /^[0-9a-f-]+$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * Checks a reference before any request. Sessions also go by name or key, so any non-blank
 * text will do; modules and videos go by id only, so the text must look like (part of) one.
 */
export function checkRef(kind: RefKind, ref: string | undefined): string {
  const text = (ref ?? '').trim();
  if (!text) throw usageError(`missing <${kind}>`, kind === 'session' ? 'pass a session id, id prefix, name or key' : `pass a ${kind} id or id prefix`, 'missing_argument');
  if (kind === 'session' || isUuid(text)) return text;
  if (!ID_PREFIX.test(text)) {
    throw usageError(`"${text}" is not a ${kind} id`, `pass a ${kind} id or the first ${MIN_PREFIX}+ characters of one (see \`session show <session>\`)`, 'invalid_ref');
  }
  if (text.replace(/-/g, '').length < MIN_PREFIX) {
    throw usageError(`"${text}" is too short to name a ${kind}`, `use at least ${MIN_PREFIX} characters of the id`, 'ref_too_short');
  }
  return text;
}

/** Picks the one candidate `resolve_id` found: none is exit 4, several is exit 2 listing them. */
export function pickCandidate(kind: RefKind, ref: string, candidates: RefCandidate[]): RefCandidate {
  const unique = dedupe(candidates);
  if (unique.length === 1) return unique[0]!;
  if (unique.length === 0) throw unknownRef(kind, ref);
  throw ambiguousRef(kind, ref, unique);
}

export function unknownRef(kind: RefKind, ref: string): CliError {
  let hint = kind === 'session' ? 'list your sessions with `session ls`' : kind === 'module' ? 'list the modules with `session module ls <session>`' : 'list the videos with `session video ls <module>`';
  // `session show 8f`: taken as a name, since ids need MIN_PREFIX characters; say so.
  if (kind === 'session' && ID_PREFIX.test(ref) && ref.replace(/-/g, '').length < MIN_PREFIX) hint = `an id prefix needs at least ${MIN_PREFIX} characters; ${hint}`;
  return notFoundError(`no ${kind} "${ref}" (not found, or not yours)`, hint, 'not_found');
}

export function ambiguousRef(kind: RefKind, ref: string, candidates: RefCandidate[]): CliError {
  const shown = candidates.slice(0, 5).map((c) => `${c.id.slice(0, 8)} (${c.name})`);
  const more = candidates.length > shown.length ? `, and ${candidates.length - shown.length} more` : '';
  return new CliError(`"${ref}" matches ${candidates.length} ${kind}s: ${shown.join(', ')}${more}`, {
    code: 'ambiguous_ref',
    hint: 'use more characters of the id, or the full id',
    exitCode: ExitCode.usage,
    details: { candidates },
  });
}

function dedupe(candidates: RefCandidate[]): RefCandidate[] {
  const seen = new Map<string, RefCandidate>();
  for (const c of candidates) if (!seen.has(c.id)) seen.set(c.id, c);
  return [...seen.values()];
}

/**
 * Finds a reference among rows already fetched (the modules of one session): a full id, a
 * unique id prefix of at least 4 characters, or an exact name.
 */
export function matchRef<Row extends RefCandidate>(kind: RefKind, ref: string, rows: Row[]): Row {
  const text = ref.trim();
  const lower = text.toLowerCase();
  const exact = rows.filter((r) => r.id.toLowerCase() === lower);
  if (exact.length === 1) return exact[0]!;
  const byPrefix = text.replace(/-/g, '').length >= MIN_PREFIX && ID_PREFIX.test(text) ? rows.filter((r) => r.id.toLowerCase().startsWith(lower)) : [];
  const byName = rows.filter((r) => r.name === text);
  const found = dedupe([...byPrefix, ...byName]) as Row[];
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw unknownRef(kind, text);
  throw ambiguousRef(kind, text, found.map(({ id, name }) => ({ id, name })));
}
