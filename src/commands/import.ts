import path from 'node:path';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Context } from '../core/context.js';
import type { Api } from '../core/api.js';
import { CliError, ExitCode } from '../core/errors.js';
import { DEFAULT_CONCURRENCY } from '../core/constants.js';
import { ManifestError, serializeManifest, toDocument, type Manifest, type ManifestIssue, type ManifestVideo } from '../core/manifest.js';
import { hasChanges, planImport, writesRows, type DesiredSession, type Plan, type PlanAction } from '../core/plan.js';
import type { SessionTree } from '../core/content.js';
import { exitCodeFor, type UploadInput, type UploadReport } from '../core/upload/queue.js';
import type { UploadLimits } from '../core/upload/checks.js';
import type { HashCache } from '../core/upload/hash-cache.js';
import { message, none, render, table, type Column, type Paint, type View } from '../ui/printer.js';
import { formatBytes } from '../ui/format.js';
import { formatDuration } from '../core/media.js';
import { confirmOrYes } from '../ui/prompt.js';

export interface ImportOptions {
  source: string;
  dryRun: boolean;
  prune: boolean;
  printManifest: boolean;
  /** `--concurrency`; else `concurrency` in `.sessionrc`; else the default. */
  concurrency?: number | undefined;
  yes: boolean;
}

/** What `import --json` prints: the plan, and once applied what the database did and the upload report. */
export interface ImportResult {
  actions: PlanAction[];
  /** With `upload_duration_ms`: the length the files to upload add (null when none is known). */
  summary: Plan['summary'] & { upload_duration_ms: number | null };
  dry_run: boolean;
  applied: ImportApplied | null;
  uploads: UploadReport['files'] | null;
}

/** `import_session`'s answer: the trees after the import, and row counts of what it wrote. */
export interface ImportApplied {
  sessions: SessionTree[];
  counts: Record<'sessions' | 'modules' | 'videos', { created: number; updated: number; deleted: number; replaced?: number }>;
}

export async function run(opts: ImportOptions, ctx: Context): Promise<View> {
  const { io } = ctx;
  const manifest = await loadSource(opts.source, ctx);
  if (opts.printManifest) {
    const doc = toDocument(manifest);
    return message(serializeManifest(doc, 'yaml').trimEnd(), doc);
  }

  // Hashing is local and the current trees are remote: do both at once.
  const started = performance.now();
  const api = await ctx.api();
  const [{ desired, hashCache }, current] = await Promise.all([
    describeFiles(manifest, ctx),
    fetchCurrent(api, manifest.sessions.map((s) => s.key)),
  ]);
  const plan = planImport(desired, current, { prune: opts.prune });
  io.debug(`planned ${plan.actions.length} rows in ${Math.round(performance.now() - started)} ms`);
  const files = filesByKey(manifest);
  // The length the uploads add; also checks the duration_ms a manifest states (an export's).
  const { importLength } = await import('../core/media-plan.js');
  const uploadLength = await importLength([...files.values()], plan.actions.filter((a) => a.upload).map((a) => files.get(fileKey(a.session, a.module!, a.key!))!));
  const result: ImportResult = { actions: plan.actions, summary: { ...plan.summary, upload_duration_ms: uploadLength }, dry_run: opts.dryRun, applied: null, uploads: null };
  if (!io.json && hasChanges(plan)) await render(io, viewOf(plan, result));
  io.info(summaryLine(plan, opts.dryRun, uploadLength));
  if (opts.dryRun || !hasChanges(plan)) return io.json ? none(result) : none();

  const deletes = plan.actions.filter((a) => a.action === 'delete').length;
  // On a terminal, deleting asks first; elsewhere --prune itself is the consent.
  if (deletes > 0 && io.canPrompt) {
    const sure = await confirmOrYes(io, { message: `Delete ${deletes} row${deletes === 1 ? '' : 's'} the manifest does not list?`, yes: opts.yes });
    if (!sure) {
      io.info('Nothing written.');
      return none();
    }
  }

  // Every file to send passes its checks before any row is written.
  const uploads = plan.actions.filter((a) => a.upload);
  const limits = uploads.length > 0 ? await (await import('../core/videos.js')).uploadLimits(api) : null;
  const mimeTypes = limits ? await checkUploads(uploads, files, limits) : new Map<string, string>();

  let trees: SessionTree[];
  if (writesRows(plan)) {
    const applied = await applyRows(api, desired, mimeTypes, opts.prune);
    result.applied = applied;
    trees = applied.sessions;
    const counts = applied.counts;
    io.success(
      `Rows written in one transaction: ${counts.modules.created + counts.videos.created + counts.sessions.created} created, ` +
        `${counts.modules.updated + counts.videos.updated + counts.sessions.updated} updated, ${counts.modules.deleted + counts.videos.deleted} deleted`,
    );
    // Deleted and replaced videos queued their objects: remove them now (what fails waits for `session gc`).
    if (counts.modules.deleted + counts.videos.deleted + (counts.videos.replaced ?? 0) > 0) {
      const { purgeDeletedObjects } = await import('../core/content.js');
      const purge = await purgeDeletedObjects(api);
      if (purge.error) io.warn(`could not remove some deleted video files now (${purge.error}); \`session gc\` removes them later`);
    }
  } else {
    trees = [...current.values()];
  }

  const inputs = uploadInputs(trees, desired, files);
  if (inputs.length > 0) {
    const { uploadInTerminal } = await import('./video/upload.js');
    const report = await uploadInTerminal(ctx, api, inputs, {
      concurrency: opts.concurrency ?? api.config.concurrency ?? DEFAULT_CONCURRENCY,
      limits,
      // Every file was hashed for the plan: the queue need not read it again.
      hashCache,
    });
    result.uploads = report.files;
    const code = exitCodeFor(report);
    if (code !== ExitCode.ok) {
      if (io.json) io.out(JSON.stringify(result, null, 2));
      const failed = report.files.filter((f) => f.status === 'failed' || f.status === 'refused');
      throw new CliError(
        report.interrupted ? 'interrupted during uploads' : `${failed.length} of ${report.files.length} file${report.files.length === 1 ? '' : 's'} not uploaded: ${failed[0]?.error ?? 'unknown error'}`,
        {
          code: report.interrupted ? 'interrupted' : 'partial_failure',
          hint: 'the rows are in place; run the same import again to finish the uploads',
          // 6, 130, or the one cause every file failed for (3: signed out, 4: not yours).
          exitCode: code,
          details: { failed },
        },
      );
    }
    const sent = report.files.filter((f) => f.status === 'uploaded');
    io.success(`Uploaded ${sent.length} file${sent.length === 1 ? '' : 's'} (${formatBytes(sent.reduce((n, f) => n + f.bytes_sent, 0))})`);
  }
  return io.json ? none(result) : none();
}

// ---------------------------------------------------------------- reading the input

async function loadSource(source: string, ctx: Context): Promise<Manifest> {
  let isFolder = false;
  try {
    isFolder = (await stat(source)).isDirectory();
  } catch {
    // readManifestFile names the missing file.
  }
  if (isFolder) {
    const { readCourseFolder } = await import('../core/folder.js');
    const folder = await readCourseFolder(source);
    for (const skipped of folder.ignored) ctx.io.warn(`ignored ${skipped.path}: ${skipped.reason}`);
    return folder.manifest;
  }
  const { readManifestFile } = await import('../core/manifest.js');
  return readManifestFile(source);
}

const SMALL_FILE = 8 * 1024 * 1024;

const fileKey = (session: string, module: string, video: string): string => JSON.stringify([session, module, video]);

function filesByKey(manifest: Manifest): Map<string, ManifestVideo> {
  const files = new Map<string, ManifestVideo>();
  for (const s of manifest.sessions) for (const m of s.modules) for (const v of m.videos) files.set(fileKey(s.key, m.key, v.key), v);
  return files;
}

/** The local side of the plan, and the hash cache that now knows every file's sha256. */
interface LocalFiles {
  desired: DesiredSession[];
  hashCache: HashCache;
}

/** Sizes and sha256 of every local file (8 at a time, known ones from the hash cache); problems name the manifest line. */
async function describeFiles(manifest: Manifest, ctx: Context): Promise<LocalFiles> {
  const [{ sha256File }, { mimeTypeOf }, { HashCache }, { stateDir }] = await Promise.all([
    import('../core/upload/hash.js'),
    import('../core/folder.js'),
    import('../core/upload/hash-cache.js'),
    import('../config/paths.js'),
  ]);
  const cache = await HashCache.loadFromDir(stateDir(ctx.io.env));
  const issues: ManifestIssue[] = [];
  const all = manifest.sessions.flatMap((s) => s.modules.flatMap((m) => m.videos));
  const facts = new Map<ManifestVideo, { size: number; sha256: string }>();
  const started = performance.now();
  let hashed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < all.length) {
      const video = all[next++]!;
      const problem = (text: string) => issues.push({ ...video.fileAt, message: text });
      try {
        const info = await stat(video.absolutePath);
        if (!info.isFile()) {
          problem(info.isDirectory() ? `${video.file} is a folder, not a video file` : `${video.file} is not a regular file`);
          continue;
        }
        let sha256 = cache.get(video.absolutePath, info);
        if (sha256 === null) {
          hashed += 1;
          // Small files in one read; large ones streamed.
          sha256 = info.size <= SMALL_FILE ? createHash('sha256').update(await readFile(video.absolutePath)).digest('hex') : await sha256File(video.absolutePath);
          cache.set(video.absolutePath, info, sha256);
        }
        if (video.sha256 !== null && video.sha256 !== sha256) {
          problem(`${video.file} does not match the sha256 the manifest states (it hashes to ${sha256.slice(0, 12)}…)`);
          continue;
        }
        facts.set(video, { size: info.size, sha256 });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        problem(code === 'ENOENT' ? `no such file: ${video.file}` : `cannot read ${video.file} (${code ?? (err as Error).message})`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, all.length) }, worker));
  ctx.io.debug(`checked ${all.length} files in ${Math.round(performance.now() - started)} ms (${hashed} hashed, ${all.length - hashed} known from the hash cache)`);
  await cache.save().catch((err: unknown) => ctx.io.debug(`could not save the hash cache: ${(err as Error).message}`));
  if (issues.length > 0) {
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || a.field.localeCompare(b.field));
    throw new ManifestError(issues, 'fix the paths (relative to the manifest) and run again; nothing was written');
  }
  const desired = manifest.sessions.map((s) => ({
    key: s.key,
    name: s.name,
    type: s.type,
    modules: s.modules.map((m) => ({
      key: m.key,
      name: m.name,
      videos: m.videos.map((v) => {
        const f = facts.get(v)!;
        const fileName = v.file.split('/').pop()!;
        return { key: v.key, fileName, fileSize: f.size, sha256: f.sha256, mimeType: mimeTypeOf(fileName) ?? 'application/octet-stream', absolutePath: v.absolutePath };
      }),
    })),
  }));
  return { desired, hashCache: cache };
}

/** One request per session to find it by key among the caller's own, then its tree. */
async function fetchCurrent(api: Api, keys: string[]): Promise<Map<string, SessionTree>> {
  const { fromPostgrestError } = await import('../core/api.js');
  const { sessionTree } = await import('../core/content.js');
  const current = new Map<string, SessionTree>();
  for (const key of keys) {
    // Filter on the owner too: an operator can read everyone's sessions.
    const { data, error } = await api.client.from('sessions').select('id').eq('user_id', api.identity.user.id).eq('key', key).limit(1);
    if (error) throw fromPostgrestError(error);
    const row = (data as Array<{ id: string }> | null)?.[0];
    if (row) current.set(key, await sessionTree(api, row.id));
  }
  return current;
}

/** Files to upload must pass the upload checks first; returns each one's MIME type as the bucket spells it. */
async function checkUploads(uploads: PlanAction[], files: Map<string, ManifestVideo>, limits: UploadLimits): Promise<Map<string, string>> {
  const { checkFiles } = await import('../core/upload/checks.js');
  const videos = uploads.map((a) => files.get(fileKey(a.session, a.module!, a.key!))!);
  const checks = await checkFiles(
    videos.map((v) => v.absolutePath),
    limits,
  );
  const issues: ManifestIssue[] = [];
  const mimeTypes = new Map<string, string>();
  checks.forEach((check, i) => {
    const video = videos[i]!;
    const action = uploads[i]!;
    if (check.ok) mimeTypes.set(fileKey(action.session, action.module!, action.key!), check.file.mimeType);
    else issues.push({ ...video.fileAt, message: check.reason.replace(video.absolutePath, video.file) });
  });
  if (issues.length > 0) throw new ManifestError(issues, 'fix or remove these files and run again; nothing was written');
  return mimeTypes;
}

// ---------------------------------------------------------------- applying

/** The whole row phase: one `import_session` call, one transaction (an error rolls everything back). */
async function applyRows(api: Api, desired: DesiredSession[], mimeTypes: Map<string, string>, prune: boolean): Promise<ImportApplied> {
  const payload = {
    prune,
    sessions: desired.map((s) => ({
      key: s.key,
      name: s.name,
      session_type: s.type,
      modules: s.modules.map((m) => ({
        key: m.key,
        name: m.name,
        videos: m.videos.map((v) => ({
          key: v.key,
          file_name: v.fileName,
          file_size: v.fileSize,
          sha256: v.sha256,
          mime_type: mimeTypes.get(fileKey(s.key, m.key, v.key)) ?? v.mimeType,
        })),
      })),
    })),
  };
  try {
    return await api.rpc<ImportApplied>('import_session', { p_manifest: payload });
  } catch (err) {
    if (err instanceof CliError) {
      throw new CliError(`import failed, nothing was written: ${err.message}`, {
        code: err.code,
        hint: err.hint ?? 'fix the input and run again',
        exitCode: err.exitCode,
        cause: err,
      });
    }
    throw err;
  }
}

/** Videos whose row waits for bytes (`uploading`) and that the manifest lists, matched by keys. */
export function uploadInputs(trees: SessionTree[], desired: DesiredSession[], files: Map<string, ManifestVideo>): UploadInput[] {
  const inputs: UploadInput[] = [];
  const wanted = new Set(desired.map((s) => s.key));
  for (const tree of trees) {
    if (tree.key === null || !wanted.has(tree.key)) continue;
    for (const m of tree.modules) {
      if (m.key === null) continue;
      for (const v of m.videos ?? []) {
        if (v.status === 'ready' || v.key === null) continue;
        const file = files.get(fileKey(tree.key, m.key, v.key));
        if (!file) continue;
        inputs.push({
          video: { id: v.id, module_id: m.id, file_url: v.file_url, status: v.status, sha256: v.sha256, file_size: v.file_size, mime_type: v.mime_type, key: v.key },
          path: displayPath(file.absolutePath),
          key: v.key,
        });
      }
    }
  }
  return inputs;
}

/** Progress lines name files relative to the working folder when they are under it. */
function displayPath(absolutePath: string): string {
  const relative = path.relative(process.cwd(), absolutePath);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? absolutePath : relative;
}

// ---------------------------------------------------------------- printing

const ACTION_ORDER = ['create', 'update', 'move', 'delete'] as const;

export function summaryLine(plan: Plan, dryRun: boolean, uploadLength: number | null = null): string {
  const s = plan.summary;
  const parts = ACTION_ORDER.filter((a) => s[a] > 0).map((a) => `${s[a]} to ${a}`);
  const length = uploadLength === null ? '' : `, ${formatDuration(uploadLength)} of video`;
  const files = s.upload_files > 0 ? `; ${s.upload_files} file${s.upload_files === 1 ? '' : 's'} to upload (${formatBytes(s.upload_bytes)}${length})` : '';
  if (parts.length === 0 && files === '') return `No changes: ${s.unchanged} row${s.unchanged === 1 ? '' : 's'} up to date.`;
  const head = parts.length > 0 ? `Plan: ${parts.join(', ')}, ${s.unchanged} unchanged` : `Plan: rows up to date (${s.unchanged})`;
  return `${head}${files}.${dryRun ? ' Dry run: nothing written.' : ''}`;
}

/** The plan as a table: only rows that change (the JSON lists all of them). */
function viewOf(plan: Plan, json: unknown): View {
  const paint: Record<PlanAction['action'], Paint> = {
    create: 'green',
    update: 'yellow',
    move: 'cyan',
    delete: 'red',
    unchanged: 'dim',
  };
  const rows = plan.actions.filter((a) => a.action !== 'unchanged' || a.upload);
  const columns: Array<Column<PlanAction>> = [
    { header: 'ACTION', value: (a) => ({ text: a.action, paint: paint[a.action] }) },
    { header: 'KIND', value: (a) => a.kind },
    { header: 'KEY', value: (a) => a.key ?? '(no key)' },
    { header: 'NAME', value: (a) => a.name },
    { header: 'IN', value: (a) => (a.kind === 'video' ? a.module : a.kind === 'module' ? a.session : null) },
    { header: 'CHANGES', value: (a) => [...a.changes, ...(a.upload ? [`upload ${formatBytes(a.size)}`] : [])].join('; ') || null },
  ];
  return table(rows, columns, json);
}
