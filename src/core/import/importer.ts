/**
 * `session import`, as terraform plans and applies: read the source, look at every local file
 * (hash cache first), read the current trees, plan; then check the files to send, write every
 * row in one `import_session` request (which refuses counts other than the plan's), and upload
 * the bytes. The command draws the plan, asks before deleting and maps Ctrl-C to `signal`.
 */
import type { Api } from '../api.js';
import type { Context } from '../context.js';
import type { SessionTree } from '../content.js';
import { ExitCode, CliError, toCliError } from '../../base/errors.js';
import { planImport, writesRows, type DesiredSession, type Plan, type PlanAction } from '../plan.js';
import type { HashCache } from '../upload/hash-cache.js';
import type { StoredVideo, UploadInput, UploadReport } from '../upload/queue.js';
import type { UploadLimits } from '../upload/checks.js';
import type { MediaReads } from '../media.js';
import { describeLocalFiles } from './local-files.js';
import { interrupted } from './interrupt.js';
import type { ImportProgress } from './progress.js';
import { applyRows, checkRowsSize, rowsPayload, type ImportApplied } from './rows.js';
import { readImportSource, type ImportSource } from './source.js';
import { checkUploads, filesByKey, recordMedia, uploadFiles, uploadInputs } from './uploads.js';

export type { ImportApplied } from './rows.js';

export interface ImportRequest {
  source: string;
  prune: boolean;
  /** `--allow-outside`: files may live outside the manifest's folder. */
  allowOutside: boolean;
}

export interface ImportDeps {
  ctx: Context;
  signal: AbortSignal;
  progress: ImportProgress;
  /** Called once the row phase committed, before any upload. */
  onRowsWritten?: (applied: ImportApplied) => void;
  /** Sends the files (the command layer draws progress and handles Ctrl-C around core/upload). */
  upload: (api: Api, inputs: UploadInput[], opts: { concurrency: number; limits: UploadLimits | null; hashCache: HashCache; alsoStored: StoredVideo[]; mediaReads: MediaReads }) => Promise<UploadReport>;
}

/** Everything the plan was made from, kept for applying it. */
export interface PreparedImport {
  source: ImportSource;
  desired: DesiredSession[];
  current: Map<string, SessionTree>;
  plan: Plan;
  hashCache: HashCache;
  api: Api;
  /** The length the files to upload add, from their containers (null when none is known). */
  uploadDurationMs: number | null;
  /** Every container this import reads, read once: by the plan, then the file checks and the uploads. */
  mediaReads: MediaReads;
}

/** What `import --json` prints: the plan, and once applied what the database did and the upload report. */
export interface ImportResult {
  actions: PlanAction[];
  /** With `upload_duration_ms`: the length the files to upload add (null when none is known). */
  summary: Plan['summary'] & { upload_duration_ms: number | null };
  dry_run: boolean;
  applied: ImportApplied | null;
  uploads: { files: UploadReport['files'] } | null;
}

export async function prepareImport(req: ImportRequest, deps: ImportDeps): Promise<PreparedImport> {
  const { io } = deps.ctx;
  deps.progress.start('read');
  const source = await readImportSource(req.source);
  deps.progress.end();
  for (const skipped of source.ignored) io.warn(`ignored ${skipped.path}: ${skipped.reason}`);
  if (deps.signal.aborted) throw interrupted('while reading the manifest');

  const [{ HashCache }, { stateDir }] = await Promise.all([import('../upload/hash-cache.js'), import('../../config/paths.js')]);
  const hashCache = await HashCache.loadFromDir(stateDir(io.env));
  const api = await deps.ctx.api();
  // Hashing is local and the current trees are remote: do both at once.
  const [desired, current] = await Promise.all([
    describeLocalFiles(source.manifest, { allowOutside: req.allowOutside, hashCache, signal: deps.signal, progress: deps.progress, debug: (l) => io.debug(l) }),
    fetchCurrent(api, source.manifest.sessions.map((s) => s.key)),
  ]);
  await hashCache.save().catch((err: unknown) => io.debug(`could not save the hash cache: ${(err as Error).message}`));
  if (deps.signal.aborted) throw interrupted('while checking files');
  // A folder carries no names of its own, only defaults from folder names: it never renames existing rows.
  if (source.fromFolder) keepCurrentNames(desired, current);

  deps.progress.start('plan');
  const started = performance.now();
  const plan = planImport(desired, current, { prune: req.prune });
  deps.progress.end();
  io.debug(`planned ${plan.actions.length} rows in ${Math.round(performance.now() - started)} ms`);
  // Rows that cannot go in one request are refused now, so a dry run says so too (the MIME types
  // the file checks settle later change a row by a few bytes; applyImport checks again).
  if (writesRows(plan)) checkRowsSize(rowsPayload(desired, plan, new Map(), req.prune));
  // The length the uploads add; also checks the duration_ms a manifest states (an export's).
  const files = filesByKey(source.manifest);
  const [{ importLength }, { MediaReads }] = await Promise.all([import('../media-plan.js'), import('../media.js')]);
  const mediaReads = new MediaReads();
  // Only the files about to be sent: an unchanged row matched its file by sha256 already, and
  // re-importing an unchanged course reads no file (README).
  const sending = uploadFiles(plan.actions, files);
  const uploadDurationMs = await importLength(sending, sending, undefined, mediaReads);
  return { source, desired, current, plan, hashCache, api, uploadDurationMs, mediaReads };
}

export interface ApplyOptions {
  prune: boolean;
  concurrency: number;
  cwd: string;
}

/** The outcome of applying: the result to print, and the error to exit with when files failed (exit 6 or 130). */
export interface AppliedImport {
  result: ImportResult;
  failure: CliError | null;
}

export async function applyImport(prepared: PreparedImport, opts: ApplyOptions, deps: ImportDeps): Promise<AppliedImport> {
  const { plan, desired, api } = prepared;
  const result = importResult(prepared, false);

  // Every file to send passes its checks before any row is written.
  const files = filesByKey(prepared.source.manifest);
  const sending = uploadFiles(plan.actions, files);
  const { uploadLimits } = await import('../videos.js');
  const limits = sending.length > 0 ? await uploadLimits(api) : null;
  const checked = limits ? await checkUploads(sending, limits, prepared.source.manifest.locate, prepared.mediaReads) : null;
  const mimeTypes = checked?.mimeTypes ?? new Map<string, string>();
  if (deps.signal.aborted) throw interrupted('before writing');

  // Ready videos this import may delete: their objects stay in Storage until the purge below, so a
  // file that only moved (another module, a renamed folder) is copied on the server, not sent again.
  const alsoStored = storedOfCurrent(prepared.current);
  let purgePending = false;
  // Deleted and replaced videos queued their objects: removed once the uploads had their chance to
  // copy from them (what fails waits for `session gc`).
  const purge = async (): Promise<void> => {
    if (!purgePending) return;
    purgePending = false;
    const { purgeDeletedObjects } = await import('../content.js');
    const result = await purgeDeletedObjects(api);
    if (result.error) deps.ctx.io.warn(`could not remove some deleted video files now (${result.error}); \`session gc\` removes them later`);
  };

  let trees: SessionTree[];
  if (writesRows(plan)) {
    const payload = rowsPayload(desired, plan, mimeTypes, opts.prune);
    // Refused before the row phase starts (and before its progress line says rows are being written).
    checkRowsSize(payload);
    deps.progress.start('rows', plan.actions.filter((a) => a.writes_rows).length);
    // Not abortable: the request is one transaction, so it commits whole or not at all either way.
    const applied = await applyRows(api, payload);
    deps.progress.end();
    result.applied = applied;
    trees = applied.sessions;
    fillCreatedIds(plan.actions, trees);
    const c = applied.counts;
    deps.onRowsWritten?.(applied);
    purgePending = c.modules.deleted + c.videos.deleted + (c.videos.replaced ?? 0) > 0;
  } else {
    trees = [...prepared.current.values()];
  }
  if (deps.signal.aborted) {
    await purge();
    return { result, failure: interrupted('after the rows were written', result.applied !== null) };
  }

  const inputs = uploadInputs(trees, desired, files, opts.cwd);
  if (inputs.length === 0) {
    await purge();
    return { result, failure: null };
  }
  // The metadata the file checks read, for every row still without it: one request, not one per file.
  if (checked) {
    try {
      await recordMedia(api, inputs, checked.media, opts.cwd);
    } catch (err) {
      await purge();
      const cause = toCliError(err);
      throw new CliError(`the rows are written, but recording the videos' metadata failed: ${cause.message}`, {
        code: cause.code,
        // The cause's own hint speaks of ids and refs; what helps here is the state the import left.
        hint: 'the rows are in place: run the same import again; it records the metadata and uploads the files',
        exitCode: cause.exitCode,
        cause: err,
      });
    }
  }
  const { exitCodeFor } = await import('../upload/queue.js');
  const report = await deps.upload(api, inputs, {
    alsoStored,
    concurrency: opts.concurrency,
    limits,
    // Every file was hashed for the plan: the queue need not read it again.
    hashCache: prepared.hashCache,
    mediaReads: prepared.mediaReads,
  });
  await purge();
  result.uploads = { files: report.files };
  markUploaded(trees, report);
  const code = exitCodeFor(report);
  if (code === ExitCode.ok) return { result, failure: null };
  const failed = report.files.filter((f) => f.status === 'failed' || f.status === 'refused');
  if (report.interrupted) return { result, failure: interrupted('during uploads', true) };
  return {
    result,
    failure: new CliError(`${failed.length} of ${report.files.length} file${report.files.length === 1 ? '' : 's'} not uploaded: ${failed[0]?.error ?? 'unknown error'}`, {
      code: 'partial_failure',
      hint: 'the rows are in place; run the same import again to finish the uploads',
      // 6, or the one cause every file failed for (3: signed out, 4: not yours).
      exitCode: code,
      details: { failed },
    }),
  };
}

/** The result `import --json` prints, before anything is applied. */
export function importResult(prepared: PreparedImport, dryRun: boolean): ImportResult {
  const { plan } = prepared;
  return { actions: plan.actions, summary: { ...plan.summary, upload_duration_ms: prepared.uploadDurationMs }, dry_run: dryRun, applied: null, uploads: null };
}

/** The ready videos of the current trees, as places their bytes can be copied from. */
function storedOfCurrent(current: ReadonlyMap<string, SessionTree>): StoredVideo[] {
  const stored: StoredVideo[] = [];
  for (const tree of current.values()) {
    for (const m of tree.modules) {
      for (const v of m.videos ?? []) {
        if (v.status !== 'ready' || !v.sha256) continue;
        stored.push({ id: v.id, module_id: m.id, file_size: Number(v.file_size), sha256: v.sha256, probe_sha256: null, file_url: v.file_url });
      }
    }
  }
  return stored;
}

/** Rows the import created get their ids in the printed plan (the trees it returned name them by key). */
function fillCreatedIds(actions: PlanAction[], trees: SessionTree[]): void {
  const ids = new Map<string, string>();
  for (const t of trees) {
    ids.set(JSON.stringify(['session', t.key]), t.id);
    for (const m of t.modules) {
      ids.set(JSON.stringify(['module', t.key, m.key]), m.id);
      for (const v of m.videos ?? []) ids.set(JSON.stringify(['video', t.key, m.key, v.key]), v.id);
    }
  }
  for (const a of actions) {
    if (a.action === 'delete') continue;
    const id = a.kind === 'session' ? ids.get(JSON.stringify(['session', a.key])) : a.kind === 'module' ? ids.get(JSON.stringify(['module', a.session, a.key])) : ids.get(JSON.stringify(['video', a.session, a.module, a.key]));
    if (id !== undefined) a.id = id;
  }
}

/** The trees in the result show what is true after the uploads: sent files are `ready`. */
function markUploaded(trees: SessionTree[], report: UploadReport): void {
  const done = new Set(report.files.filter((f) => f.status === 'uploaded' || f.status === 'copied' || f.status === 'unchanged').map((f) => f.video_id));
  for (const t of trees) for (const m of t.modules) for (const v of m.videos ?? []) if (done.has(v.id)) v.status = 'ready';
}

/** Existing rows keep their names when the source is a folder (matched by key; renamed modules too). */
function keepCurrentNames(desired: DesiredSession[], current: ReadonlyMap<string, SessionTree>): void {
  for (const s of desired) {
    const tree = current.get(s.key);
    if (!tree) continue;
    s.name = tree.name;
    const names = new Map(tree.modules.filter((m) => m.key !== null).map((m) => [m.key!, m.name]));
    for (const m of s.modules) m.name = names.get(m.key) ?? m.name;
  }
}

/** One request finds the sessions by key among the caller's own; their trees are read side by side. */
async function fetchCurrent(api: Api, keys: string[]): Promise<Map<string, SessionTree>> {
  const { fromPostgrestError } = await import('../api.js');
  const { sessionTree } = await import('../content.js');
  if (keys.length === 0) return new Map();
  // Filter on the owner too: an operator can read everyone's sessions.
  const { data, error } = await api.client.from('sessions').select('id, key').eq('user_id', api.identity.user.id).in('key', keys);
  if (error) throw fromPostgrestError(error);
  const rows = (data ?? []) as Array<{ id: string; key: string | null }>;
  const trees = new Map(await Promise.all(rows.map(async (row) => [row.key!, await sessionTree(api, row.id)] as const)));
  // In the manifest's order, as the plan and the uploads go.
  const current = new Map<string, SessionTree>();
  for (const key of keys) if (trees.has(key)) current.set(key, trees.get(key)!);
  return current;
}
