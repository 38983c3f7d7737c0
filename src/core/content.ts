/**
 * The typed API over the content tables and database functions (DESIGN.md section 3):
 * sessions, modules, and videos as rows. One request per call unless a comment says why.
 * Errors come back as CliErrors with the documented exit codes.
 */
import type { Api } from './api.js';
import { fromPostgrestError } from './api.js';
import type { Database } from './database.types.js';
import { authError, CliError, ExitCode, usageError } from '../base/errors.js';
import { removeObjects, STORAGE_REMOVE_BATCH, type VideoRow } from './videos.js';
import { checkRef, isUuid, pickCandidate, unknownRef, type RefCandidate, type RefKind, type ResolvedRef } from './refs.js';
import { SESSION_TYPES } from '../base/constants.js';

type Tables = Database['public']['Tables'];

/** A row of public.sessions, as the generated database types declare it. */
export type SessionRow = Tables['sessions']['Row'];

/** A row of public.modules. */
export type ModuleRow = Tables['modules']['Row'];

/** A module as commands print it: the row plus its 1-based position. */
export interface ModuleEntry extends ModuleRow {
  position: number;
}

/** A module with its totals, computed in the database (`list_modules`). */
export interface ModuleSummary extends ModuleEntry {
  video_count: number;
  total_bytes: number;
  /** Sum of the known durations: 0 with no videos, null when none of its videos has one. */
  duration_ms: number | null;
}

/** Video rows belong to the video commands' module; re-exported so the content types live together. */
export type { VideoRow } from './videos.js';

/** One entry of `list_sessions`. `owner_email` is filled for operators' listings. */
export interface SessionSummary {
  id: string;
  name: string;
  session_type: string;
  key: string | null;
  module_count: number;
  video_count: number;
  total_bytes: number;
  /** Sum of the videos' known durations (see ModuleSummary); absent from servers without migration 20261206300000. */
  duration_ms?: number | null;
  created_at: string;
  updated_at: string;
  owner_email: string | null;
}

/** `list_sessions`' answer: a page, and the cursor of the next one (null on the last page). */
export interface SessionList {
  sessions: SessionSummary[];
  next_cursor: string | null;
}

export type TreeVideo = Pick<
  VideoRow,
  'id' | 'key' | 'file_name' | 'file_size' | 'mime_type' | 'sha256' | 'status' | 'order_index' | 'file_url' | 'duration_ms' | 'width' | 'height' | 'video_codec' | 'audio_codec'
>;

export interface TreeModule {
  id: string;
  name: string;
  key: string | null;
  order_index: number;
  /** Sum of the videos' known durations (see ModuleSummary); absent from servers without migration 20261206300000. */
  duration_ms?: number | null;
  videos: TreeVideo[];
}

/** `session_tree`'s one value: the session, its modules in order, their videos in order. */
export interface SessionTree {
  id: string;
  name: string;
  session_type: string;
  key: string | null;
  /** Sum of the videos' known durations (see ModuleSummary); absent from servers without migration 20261206300000. */
  duration_ms?: number | null;
  modules: TreeModule[];
}

export interface ListSessionsOptions {
  limit?: number;
  after?: string | null;
  /** Operators only: every author's sessions. */
  everyone?: boolean;
  /** Operators only: one author's sessions. */
  ownerEmail?: string | null;
}

/** What `rm` did with the storage objects of the rows it deleted. */
export interface StoragePurge {
  removed: number;
  /** Why some paths stay queued for `session gc`; null when every claimed path was removed. */
  error: string | null;
}

export { SESSION_TYPES, DEFAULT_SESSION_TYPE } from '../base/constants.js';

/** Takes a type as people type it (`self-paced`, `linear flow`) and returns its stored spelling. */
export function checkSessionType(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const wanted = type.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
  const found = SESSION_TYPES.find((t) => t.toLowerCase().replace(/-/g, ' ') === wanted);
  if (!found) throw usageError(`unknown session type "${type.trim()}"`, `use one of: ${SESSION_TYPES.join(', ')}`, 'invalid_type');
  return found;
}

const SESSION_COLUMNS = 'id,user_id,name,session_type,key,created_at,updated_at';
const MODULE_COLUMNS = 'id,user_id,session_id,name,key,order_index,created_at,updated_at';

// ---------------------------------------------------------------- references

/**
 * A full id, a unique id prefix (4+ characters) or, for sessions, an exact name or key.
 * A full id is taken as is (the next request fails with exit 4 if it names nothing of
 * yours) unless `verify` is set; everything else asks `resolve_id` once.
 */
export async function resolveRef(api: Api, kind: RefKind, ref: string, opts: { verify?: boolean } = {}): Promise<ResolvedRef> {
  const text = checkRef(kind, ref);
  if (isUuid(text) && !opts.verify) return { id: text.toLowerCase(), name: null };
  const candidates = await api.rpc<RefCandidate[] | null>('resolve_id', { p_kind: kind, p_ref: text });
  return pickCandidate(kind, text, candidates ?? []);
}

// ---------------------------------------------------------------- sessions

export async function createSession(api: Api, input: { name: string; session_type?: string | undefined; key?: string | undefined }): Promise<SessionRow> {
  const values: Tables['sessions']['Insert'] = { name: input.name };
  if (input.session_type !== undefined) values.session_type = input.session_type;
  if (input.key !== undefined) values.key = input.key;
  const { data, error } = await api.client.from('sessions').insert(values).select(SESSION_COLUMNS).single();
  if (error) throw fromPostgrestError(error);
  return data;
}

export async function listSessions(api: Api, opts: ListSessionsOptions = {}): Promise<SessionList> {
  const operatorView = Boolean(opts.everyone || opts.ownerEmail);
  try {
    const list = await api.rpc<SessionList>('list_sessions', {
      p_limit: opts.limit ?? 50,
      p_after: opts.after ?? null,
      p_everyone: Boolean(opts.everyone),
      p_owner_email: opts.ownerEmail ?? null,
    });
    return { sessions: list?.sessions ?? [], next_cursor: list?.next_cursor ?? null };
  } catch (err) {
    if (operatorView && err instanceof CliError && err.exitCode === ExitCode.notFound) {
      // Signed in but not allowed: the permission code (3), as for a refused login, not "not found".
      throw authError('--everyone and --owner are for operators only', 'list your own sessions with `session ls`; an operator has app_metadata.role = operator', 'operators_only');
    }
    throw err;
  }
}

/** Every page from `after` on, one request per page; the result has `next_cursor` null. */
export async function listAllSessions(api: Api, opts: ListSessionsOptions = {}): Promise<SessionList> {
  const sessions: SessionSummary[] = [];
  let after = opts.after ?? null;
  for (;;) {
    const page = await listSessions(api, { ...opts, after });
    sessions.push(...page.sessions);
    if (!page.next_cursor || page.sessions.length === 0) break;
    after = page.next_cursor;
  }
  return { sessions, next_cursor: null };
}

export async function sessionTree(api: Api, sessionId: string): Promise<SessionTree> {
  const tree = await api.rpc<SessionTree | null>('session_tree', { p_session_id: sessionId });
  if (!tree) throw unknownRef('session', sessionId);
  return { ...tree, modules: tree.modules ?? [] };
}

export async function renameSession(api: Api, sessionId: string, name: string): Promise<SessionRow> {
  const { data, error } = await api.client.from('sessions').update({ name }).eq('id', sessionId).select(SESSION_COLUMNS);
  if (error) throw fromPostgrestError(error);
  return onlyRow(data, 'session', sessionId);
}

/** Deletes the session's rows (modules and videos cascade); storage objects are `purgeDeletedObjects`' job. */
export async function deleteSession(api: Api, sessionId: string): Promise<SessionRow> {
  const { data, error } = await api.client.from('sessions').delete().eq('id', sessionId).select(SESSION_COLUMNS);
  if (error) throw fromPostgrestError(error);
  return onlyRow(data, 'session', sessionId);
}

// ---------------------------------------------------------------- modules

/** Modules of a session in order. RLS makes a session that is not yours look empty: callers given a full id check with `resolveRef(…, { verify: true })`. */
export async function listModules(api: Api, sessionId: string): Promise<ModuleEntry[]> {
  const { data, error } = await api.client.from('modules').select(MODULE_COLUMNS).eq('session_id', sessionId).order('order_index', { ascending: true });
  if (error) throw fromPostgrestError(error);
  return moduleEntries(data);
}

/** Modules of a session in order with their video count, bytes and length (`list_modules`: exit 4 when the session is not yours). */
export async function listModuleSummaries(api: Api, sessionId: string): Promise<ModuleSummary[]> {
  const rows = await api.rpc<Array<ModuleRow & { video_count: number; total_bytes: number; duration_ms: number | null }> | null>('list_modules', { p_session_id: sessionId });
  return [...(rows ?? [])]
    .sort((a, b) => a.order_index - b.order_index)
    .map((row, i) => ({ ...moduleEntry(row, i), video_count: row.video_count, total_bytes: Number(row.total_bytes), duration_ms: row.duration_ms === null ? null : Number(row.duration_ms) }));
}

/** Appends, or inserts at the 0-based `orderIndex`, shifting the rest down. */
export async function addModule(api: Api, sessionId: string, name: string, opts: { orderIndex?: number | undefined; key?: string | undefined } = {}): Promise<ModuleEntry> {
  const row = await api.rpc<ModuleRow>('add_module', {
    p_session_id: sessionId,
    p_name: name,
    p_order_index: opts.orderIndex ?? null,
    p_key: opts.key ?? null,
  });
  if (!row) throw unknownRef('session', sessionId);
  return moduleEntry(row, row.order_index);
}

/** `resolve_refs`' answer: the session's candidates (when one was given) and each ref's. */
export interface ResolvedRefs {
  session: RefCandidate[] | null;
  refs: RefCandidate[][];
}

/** Candidates for several refs in one request; with `session`, module refs are matched in it by id, id prefix or name. */
export async function resolveRefs(api: Api, kind: RefKind, refs: string[], session?: string): Promise<ResolvedRefs> {
  const answer = await api.rpc<ResolvedRefs | null>('resolve_refs', { p_kind: kind, p_refs: refs, ...(session === undefined ? {} : { p_session: session }) });
  return { session: answer?.session ?? null, refs: answer?.refs ?? refs.map(() => []) };
}

export async function renameModule(api: Api, moduleId: string, name: string): Promise<ModuleEntry> {
  const { data, error } = await api.client.from('modules').update({ name }).eq('id', moduleId).select(MODULE_COLUMNS);
  if (error) throw fromPostgrestError(error);
  const row = onlyRow(data, 'module', moduleId);
  return moduleEntry(row, row.order_index);
}

/** Deletes a module and its videos, and closes the gap in the order. */
export async function removeModule(api: Api, moduleId: string): Promise<void> {
  await api.rpc('remove_module', { p_module_id: moduleId });
}

// ---------------------------------------------------------------- storage

/**
 * Removes the storage objects of deleted videos: claims the caller's queued paths (1,000 at
 * a time, the most one Storage call takes), removes them through the Storage API and
 * acknowledges them. Never throws: what fails stays queued for `session gc`; the caller warns.
 */
export async function purgeDeletedObjects(api: Api): Promise<StoragePurge> {
  let removed = 0;
  try {
    for (;;) {
      const claimed = normalizePaths(await api.rpc('claim_deleted_objects', { p_limit: STORAGE_REMOVE_BATCH }));
      if (claimed.length === 0) return { removed, error: null };
      removed += await removeObjects(api.client, claimed);
      await api.rpc('ack_deleted_objects', { p_paths: claimed });
      if (claimed.length < STORAGE_REMOVE_BATCH) return { removed, error: null };
    }
  } catch (err) {
    return { removed, error: err instanceof Error ? err.message : String(err) };
  }
}

// ---------------------------------------------------------------- helpers

/** Rows in order with their 1-based positions. */
export function moduleEntries(rows: ModuleRow[]): ModuleEntry[] {
  return [...rows].sort((a, b) => a.order_index - b.order_index).map((row, i) => moduleEntry(row, i));
}

/** A fixed field order for JSON, whatever order the server sent. */
function moduleEntry(row: ModuleRow, index: number): ModuleEntry {
  return {
    id: row.id,
    user_id: row.user_id,
    session_id: row.session_id,
    name: row.name,
    key: row.key ?? null,
    position: index + 1,
    order_index: row.order_index,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function onlyRow<Row>(rows: Row[] | null, kind: RefKind, id: string): Row {
  const row = rows?.[0];
  if (!row) throw unknownRef(kind, id);
  return row;
}

/** `claim_deleted_objects` answers paths as text or as rows with a `path` (or `name`) column. */
export function normalizePaths(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((v) => (typeof v === 'string' ? v : v && typeof v === 'object' ? ((v as { path?: unknown }).path ?? (v as { name?: unknown }).name) : undefined))
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
}
