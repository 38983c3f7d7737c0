/**
 * The import plan: a pure function of what the manifest asks for and what the database
 * holds (one `session_tree` per session), as terraform plans before it applies.
 *
 * Matching is by key within the parent (sessions per user). For each session, module and
 * video the plan says create, update, move, unchanged or (only with prune) delete.
 * Videos compare by sha256, so unchanged bytes are never sent again.
 *
 * Order: the manifest's items come first, in its order; without prune, rows it does not
 * list keep their relative order after them. A "move" is a row whose order relative to
 * the other surviving rows changes: the fewest rows that must move (everything outside a
 * longest increasing run of current positions), not every row whose index shifts because
 * something was inserted or deleted before it.
 */

export type PlanActionKind = 'create' | 'update' | 'move' | 'delete' | 'unchanged';
export type PlanItemKind = 'session' | 'module' | 'video';

/** A video as the manifest wants it, with the facts of its local file. */
export interface DesiredVideo {
  key: string;
  fileName: string;
  fileSize: number;
  sha256: string;
  mimeType: string;
  /** The local file; not used by the planner, carried for the upload phase. */
  absolutePath: string;
}

export interface DesiredModule {
  key: string;
  name: string;
  videos: DesiredVideo[];
}

export interface DesiredSession {
  key: string;
  name: string;
  /** Null: leave the type as it is (new sessions get the database default). */
  type: string | null;
  modules: DesiredModule[];
}

/** The part of `session_tree`'s answer the planner reads. */
export interface CurrentVideo {
  id: string;
  key: string | null;
  file_name: string;
  file_size: number;
  sha256: string | null;
  status: string;
  order_index: number;
}

export interface CurrentModule {
  id: string;
  key: string | null;
  name: string;
  order_index: number;
  videos: CurrentVideo[];
}

export interface CurrentSession {
  id: string;
  key: string | null;
  name: string;
  session_type: string;
  modules: CurrentModule[];
}

export interface PlanAction {
  action: PlanActionKind;
  kind: PlanItemKind;
  /** Null only for a deleted row that never had a key. */
  key: string | null;
  /** Sessions and modules: the name; videos: the file name. */
  name: string;
  /** Key of the session this row belongs to (itself for a session). */
  session: string;
  /** Key of the module a video belongs to. */
  module: string | null;
  /** 1-based position after the import; null for sessions and deleted rows. */
  position: number | null;
  /** 1-based position before the import; null for new rows and sessions. */
  previous_position: number | null;
  /** What changes, for people: `name "A" → "B"`, `position 3 → 1`, `new bytes`. */
  changes: string[];
  /** Whether this video's bytes will be sent. */
  upload: boolean;
  /** Whether applying writes this row (false for an unchanged row and for a re-run that only finishes an upload). */
  writes_rows: boolean;
  /** Videos: the size in bytes after the import (of the local file, or of the kept or deleted row). */
  size: number | null;
  /** The existing row's id, when there is one. */
  id: string | null;
  /** Modules only: the key the row had before, when the plan renames it (a renumbered folder whose videos match by sha256). */
  previous_key: string | null;
}

export interface PlanSummary {
  create: number;
  update: number;
  move: number;
  delete: number;
  unchanged: number;
  /** Files to send and their total size. */
  upload_files: number;
  upload_bytes: number;
}

export interface Plan {
  actions: PlanAction[];
  summary: PlanSummary;
  /** Modules whose key changes (their rows, videos and objects stay). */
  renames: ModuleRename[];
}

export interface PlanOptions {
  prune: boolean;
}

/** A module the manifest lists under a new key, recognised by its videos' bytes: renamed in place, not deleted and created. */
export interface ModuleRename {
  session: string;
  from: string;
  to: string;
}

/** Plans every session of the manifest; `current` maps a session key to its tree, absent when new. */
export function planImport(desired: DesiredSession[], current: ReadonlyMap<string, CurrentSession>, opts: PlanOptions): Plan {
  const actions: PlanAction[] = [];
  for (const session of desired) actions.push(...planSession(session, current.get(session.key) ?? null, opts));
  return { actions, summary: summarize(actions), renames: renamesOf(actions) };
}

/** The module actions that carry a previous key, as `import_session` takes them. */
function renamesOf(actions: PlanAction[]): ModuleRename[] {
  return actions.filter((a) => a.previous_key !== null).map((a) => ({ session: a.session, from: a.previous_key!, to: a.key! }));
}

export function summarize(actions: PlanAction[]): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, move: 0, delete: 0, unchanged: 0, upload_files: 0, upload_bytes: 0 };
  for (const a of actions) {
    summary[a.action] += 1;
    if (a.upload) {
      summary.upload_files += 1;
      summary.upload_bytes += a.size ?? 0;
    }
  }
  return summary;
}

/** Whether applying the plan would write anything (rows or bytes). */
export function hasChanges(plan: Plan): boolean {
  return plan.actions.some((a) => a.writes_rows || a.upload);
}

/** Whether the row phase (`import_session`) has anything to do. */
export function writesRows(plan: Plan): boolean {
  return plan.actions.some((a) => a.writes_rows);
}

/** The change noted on a video whose row is in place but whose bytes never arrived. */
export const UPLOAD_PENDING = 'upload not finished';

function planSession(desired: DesiredSession, current: CurrentSession | null, opts: PlanOptions): PlanAction[] {
  const sessionKey = desired.key;
  const changes: string[] = [];
  if (current) {
    if (current.name !== desired.name) changes.push(`name ${quote(current.name)} → ${quote(desired.name)}`);
    if (desired.type !== null && current.session_type !== desired.type) changes.push(`type ${quote(current.session_type)} → ${quote(desired.type)}`);
  }
  const actions: PlanAction[] = [
    {
      action: current ? (changes.length > 0 ? 'update' : 'unchanged') : 'create',
      kind: 'session',
      key: desired.key,
      name: desired.name,
      session: sessionKey,
      module: null,
      position: null,
      previous_position: null,
      changes,
      upload: false,
      writes_rows: !current || changes.length > 0,
      size: null,
      id: current?.id ?? null,
      previous_key: null,
    },
  ];

  const renamed = matchRenamedModules(desired.modules, current?.modules ?? []);
  const currentModules = (current?.modules ?? []).map((m) => (m.key !== null && renamed.has(m.key) ? { ...m, key: renamed.get(m.key)!, previousKey: m.key } : m));
  const modules = alignChildren(desired.modules, currentModules, opts.prune);
  for (const row of modules.rows) {
    const m = row.desired;
    const existing = row.current;
    if (!m) {
      // A row the manifest does not list, kept because there is no prune.
      actions.push(keptRow('module', existing!, existing!.name, null, sessionKey, null, row));
      continue;
    }
    const moduleChanges: string[] = [];
    const previousKey = existing && 'previousKey' in existing ? existing.previousKey : null;
    if (previousKey !== null) moduleChanges.push(`key ${quote(previousKey)} → ${quote(m.key)}`);
    if (existing && existing.name !== m.name) moduleChanges.push(`name ${quote(existing.name)} → ${quote(m.name)}`);
    const action = rowAction('module', m.key, m.name, null, sessionKey, null, row, moduleChanges, false);
    action.previous_key = previousKey;
    actions.push(action);
    actions.push(...planVideos(m, existing, sessionKey, opts));
  }
  for (const gone of modules.deleted) {
    actions.push(deleted('module', gone.key, gone.name, null, sessionKey, null, gone.id, gone.order_index));
    for (const v of sortByIndex(gone.videos)) actions.push(deleted('video', v.key, v.file_name, v.file_size, sessionKey, gone.key, v.id, v.order_index));
  }
  return actions;
}

/**
 * Modules the manifest lists under a key the session does not have, paired with a module whose key
 * the manifest no longer lists when both hold the same videos (the same sha256 values, at least one):
 * a renamed or renumbered folder (`10-wrap_up` → `03-wrap_up`). Returns old key → new key.
 */
function matchRenamedModules(desired: DesiredModule[], current: CurrentModule[]): Map<string, string> {
  const renamed = new Map<string, string>();
  const wanted = new Set(desired.map((m) => m.key));
  const have = new Set(current.map((m) => m.key));
  const byBytes = new Map<string, CurrentModule[]>();
  for (const m of current) {
    if (m.key === null || wanted.has(m.key) || m.videos.length === 0 || m.videos.some((v) => v.sha256 === null)) continue;
    const signature = bytesSignature(m.videos.map((v) => v.sha256!));
    byBytes.set(signature, [...(byBytes.get(signature) ?? []), m]);
  }
  if (byBytes.size === 0) return renamed;
  for (const m of desired) {
    if (have.has(m.key) || m.videos.length === 0) continue;
    const candidates = byBytes.get(bytesSignature(m.videos.map((v) => v.sha256)));
    const match = candidates?.shift();
    if (match) renamed.set(match.key!, m.key);
  }
  return renamed;
}

function bytesSignature(hashes: string[]): string {
  return [...hashes].sort().join(',');
}

function planVideos(desired: DesiredModule, current: CurrentModule | undefined, sessionKey: string, opts: PlanOptions): PlanAction[] {
  const actions: PlanAction[] = [];
  const videos = alignChildren(desired.videos, current?.videos ?? [], opts.prune);
  for (const row of videos.rows) {
    const v = row.desired;
    const existing = row.current;
    if (!v) {
      actions.push(keptRow('video', existing!, existing!.file_name, existing!.file_size, sessionKey, desired.key, row));
      continue;
    }
    const changes: string[] = [];
    let upload = !existing;
    if (existing) {
      if (existing.sha256 !== v.sha256) {
        changes.push('new bytes');
        upload = true;
      } else if (existing.status !== 'ready') {
        changes.push(UPLOAD_PENDING);
        upload = true;
      }
      if (existing.file_name !== v.fileName) changes.push(`file ${quote(existing.file_name)} → ${quote(v.fileName)}`);
    }
    actions.push(rowAction('video', v.key, v.fileName, v.fileSize, sessionKey, desired.key, row, changes, upload));
  }
  for (const gone of videos.deleted) actions.push(deleted('video', gone.key, gone.file_name, gone.file_size, sessionKey, desired.key, gone.id, gone.order_index));
  return actions;
}

interface Keyed {
  key: string | null;
  id: string;
  order_index: number;
}

interface AlignedRow<D, C> {
  desired: D | null;
  current: C | undefined;
  /** 0-based index after the import. */
  index: number;
  /** Whether this surviving row changes its order relative to the others. */
  moved: boolean;
}

/** Pairs desired children with current ones by key; decides final order, moves and deletions. */
export function alignChildren<D extends { key: string }, C extends Keyed>(
  desired: D[],
  current: C[],
  prune: boolean,
): { rows: Array<AlignedRow<D, C>>; deleted: C[] } {
  const byKey = new Map<string, C>();
  for (const c of current) if (c.key !== null) byKey.set(c.key, c);
  const wanted = new Set(desired.map((d) => d.key));
  const unlisted = sortByIndex(current.filter((c) => c.key === null || !wanted.has(c.key)));
  const rows: Array<AlignedRow<D, C>> = desired.map((d, index) => ({ desired: d, current: byKey.get(d.key), index, moved: false }));
  const deleted: C[] = [];
  if (prune) deleted.push(...unlisted);
  else for (const c of unlisted) rows.push({ desired: null, current: c, index: rows.length, moved: false });

  // Surviving rows, in their new order; those outside a longest increasing run of old indexes move.
  const surviving = rows.filter((r) => r.current !== undefined);
  const stay = longestIncreasingRun(surviving.map((r) => r.current!.order_index));
  surviving.forEach((r, i) => {
    r.moved = !stay.has(i);
  });
  return { rows, deleted };
}

/**
 * Indexes (into `values`) of a longest strictly increasing subsequence. Of all such runs it
 * keeps the one with the earliest indexes, so rows the manifest lists early stay put and
 * later ones (and rows kept outside the manifest) are the ones reported as moved.
 */
export function longestIncreasingRun(values: number[]): Set<number> {
  // longest[i]: length of the longest increasing run that starts at i (patience sort from the right).
  const longest = new Array<number>(values.length).fill(0);
  const tails: number[] = [];
  for (let i = values.length - 1; i >= 0; i--) {
    const w = -values[i]!;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid]! < w) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = w;
    longest[i] = lo + 1;
  }
  const run = new Set<number>();
  let need = tails.length;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length && need > 0; i++) {
    if (longest[i] === need && values[i]! > last) {
      run.add(i);
      last = values[i]!;
      need -= 1;
    }
  }
  return run;
}

function rowAction<C extends Keyed>(
  kind: PlanItemKind,
  key: string,
  name: string,
  size: number | null,
  session: string,
  module: string | null,
  row: AlignedRow<unknown, C>,
  changes: string[],
  upload: boolean,
): PlanAction {
  const existing = row.current;
  const previous = existing ? existing.order_index + 1 : null;
  let action: PlanActionKind;
  if (!existing) action = 'create';
  else if (changes.length > 0) action = 'update';
  else if (row.moved) action = 'move';
  else action = 'unchanged';
  if (existing && row.moved) {
    // A row can change its order while its number stays the same (the middle of a reversal).
    changes.push(previous === row.index + 1 ? `position ${previous}, reordered` : `position ${previous} → ${row.index + 1}`);
  }
  const writes_rows = action === 'create' || action === 'move' || (action === 'update' && (row.moved || changes.some((c) => c !== UPLOAD_PENDING)));
  return { action, kind, key, name, session, module, position: row.index + 1, previous_position: previous, changes, upload, writes_rows, size, id: existing?.id ?? null, previous_key: null };
}

function keptRow<C extends Keyed>(kind: PlanItemKind, existing: C, name: string, size: number | null, session: string, module: string | null, row: AlignedRow<unknown, C>): PlanAction {
  const action = rowAction(kind, existing.key ?? '', name, size, session, module, row, [], false);
  action.key = existing.key;
  action.changes.push('not in the manifest: kept (--prune deletes it)');
  return action;
}

function deleted(kind: PlanItemKind, key: string | null, name: string, size: number | null, session: string, module: string | null, id: string, orderIndex: number): PlanAction {
  return { action: 'delete', kind, key, name, session, module, position: null, previous_position: orderIndex + 1, changes: [], upload: false, writes_rows: true, size, id, previous_key: null };
}

function sortByIndex<C extends { order_index: number }>(rows: C[]): C[] {
  return [...rows].sort((a, b) => a.order_index - b.order_index);
}

function quote(text: string): string {
  return JSON.stringify(text);
}
