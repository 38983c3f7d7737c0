import type { Context } from '../core/context.js';
import { ExitCode, usageError } from '../base/errors.js';
import { DEFAULT_CONCURRENCY } from '../base/constants.js';
import { serializeManifest, toDocument } from '../core/manifest.js';
import { hasChanges, type Plan, type PlanAction } from '../core/plan.js';
import type { ImportApplied } from '../core/import/importer.js';
import type { ImportPhase, ImportProgress } from '../core/import/progress.js';
import type { IO } from '../base/io.js';
import { message, none, render, table, type Column, type Paint, type View } from '../ui/printer.js';
import { formatBytes } from '../base/format.js';
import { confirmOrYes } from '../ui/prompt.js';
import { formatClock } from '../base/units.js';
import type { Api } from '../core/api.js';
import type { StoredVideo, UploadInput } from '../core/upload/queue.js';
import type { UploadLimits } from '../core/upload/checks.js';
import type { HashCache } from '../core/upload/hash-cache.js';
import type { MediaReads } from '../core/media.js';

export type { ImportResult } from '../core/import/importer.js';

export interface ImportOptions {
  source: string;
  dryRun: boolean;
  prune: boolean;
  printManifest: boolean;
  /** `--concurrency`; else `concurrency` in `.sessionrc`; else the default. */
  concurrency?: number | undefined;
  yes: boolean;
  /** `--allow-outside`: files may live outside the manifest's folder. */
  allowOutside?: boolean | undefined;
}

export async function run(opts: ImportOptions, ctx: Context): Promise<View> {
  const { io } = ctx;
  if (opts.printManifest) {
    const { readImportSource } = await import('../core/import/source.js');
    const source = await readImportSource(opts.source);
    for (const skipped of source.ignored) io.warn(`ignored ${skipped.path}: ${skipped.reason}`);
    const doc = toDocument(source.manifest);
    return message(serializeManifest(doc, 'yaml').trimEnd(), doc);
  }

  const [{ prepareImport, applyImport, importResult }, { uploadInTerminal }] = await Promise.all([import('../core/import/importer.js'), import('./video/upload.js')]);
  const interrupt = new ImportInterrupt();
  const progress = new PhaseProgress(io);
  const deps = {
    ctx,
    signal: interrupt.signal,
    progress,
    onRowsWritten: (applied: ImportApplied) => io.success(rowsLine(applied)),
    upload: (api: Api, inputs: UploadInput[], o: { concurrency: number; limits: UploadLimits | null; hashCache: HashCache; alsoStored: StoredVideo[]; mediaReads: MediaReads }) =>
      uploadInTerminal(ctx, api, inputs, { ...o, signal: interrupt.signal }),
  };
  try {
    const prepared = await prepareImport({ source: opts.source, prune: opts.prune, allowOutside: opts.allowOutside === true }, deps);
    const { plan } = prepared;
    const result = importResult(prepared, opts.dryRun);
    if (!io.json && hasChanges(plan)) await render(io, viewOf(plan, result));
    io.info(summaryLine(plan, opts.dryRun, prepared.uploadDurationMs));
    if (opts.dryRun || !hasChanges(plan)) return io.json ? none(result) : none();

    const deletes = plan.actions.filter((a) => a.action === 'delete').length;
    if (deletes > 0 && !opts.yes) {
      // As `session rm`: deleting needs a yes, from a terminal or from --yes.
      if (!io.canPrompt) throw usageError(`refusing to delete ${deletes} row${deletes === 1 ? '' : 's'} without confirmation; nothing was written`, 'pass --yes to confirm', 'confirmation_required');
      const sure = await confirmOrYes(io, { message: `Delete ${deletes} row${deletes === 1 ? '' : 's'} the manifest does not list?`, yes: false });
      if (!sure) {
        io.info('Nothing written.');
        return none();
      }
    }

    const concurrency = opts.concurrency ?? prepared.api.config.concurrency ?? DEFAULT_CONCURRENCY;
    const applied = await applyImport(prepared, { prune: opts.prune, concurrency, cwd: process.cwd() }, deps);
    if (applied.failure) {
      if (io.json) io.out(JSON.stringify(applied.result, null, 2));
      throw applied.failure;
    }
    const sent = applied.result.uploads?.files.filter((f) => f.status === 'uploaded') ?? [];
    if (sent.length > 0) io.success(`Uploaded ${sent.length} file${sent.length === 1 ? '' : 's'} (${formatBytes(sent.reduce((n, f) => n + f.bytes_sent, 0))})`);
    const copied = applied.result.uploads?.files.filter((f) => f.status === 'copied') ?? [];
    if (copied.length > 0) io.success(`Copied ${copied.length} file${copied.length === 1 ? '' : 's'} already in your account on the server (nothing sent)`);
    return io.json ? none(applied.result) : none();
  } finally {
    progress.end();
    interrupt.dispose();
  }
}

/** Ctrl-C during an import: the first stops at the next safe point (exit 130), a second exits at once. */
class ImportInterrupt {
  private readonly controller = new AbortController();
  private readonly onSignal = (): void => {
    if (this.controller.signal.aborted) process.exit(ExitCode.interrupted);
    this.controller.abort();
  };

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

const PHASE_LABEL: Record<ImportPhase, string> = {
  read: 'Reading the manifest',
  hash: 'Checking files',
  plan: 'Planning',
  rows: 'Writing rows in one transaction',
  upload: 'Uploading',
};

/** Plan, hash and row phases: a redrawn line on a terminal; otherwise a line when a long phase starts and every 10 s. */
export class PhaseProgress implements ImportProgress {
  private phase: ImportPhase | null = null;
  private total: number | undefined;
  private done = 0;
  private drawn = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly io: IO,
    private readonly heartbeatMs = 10_000,
  ) {}

  start(phase: ImportPhase, total?: number): void {
    this.end();
    this.phase = phase;
    this.total = total;
    this.done = 0;
    if (this.io.quiet) return;
    if (this.io.canAnimate) {
      this.draw();
      return;
    }
    if ((phase === 'hash' || phase === 'rows') && total !== undefined && total > 0) this.io.info(`${this.line()}…`);
    this.timer = setInterval(() => this.io.info(this.line()), this.heartbeatMs);
    this.timer.unref();
  }

  advance(done: number): void {
    this.done = done;
    if (this.io.canAnimate && !this.io.quiet && performance.now() - this.drawn > 80) this.draw();
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.phase !== null && this.io.canAnimate && !this.io.quiet) this.io.stderr.write('\r\x1b[K');
    this.phase = null;
  }

  private line(): string {
    const label = PHASE_LABEL[this.phase ?? 'read'];
    if (this.total === undefined) return label;
    if (this.phase === 'rows') return `${label} (${this.total.toLocaleString('en-US')})`;
    return `${label}: ${this.done.toLocaleString('en-US')} of ${this.total.toLocaleString('en-US')}`;
  }

  private draw(): void {
    this.drawn = performance.now();
    const columns = (this.io.stderr as { columns?: number }).columns || 80;
    const text = this.line().slice(0, Math.max(10, columns) - 1);
    this.io.stderr.write(`\r\x1b[K${text}`);
  }
}

function rowsLine(applied: ImportApplied): string {
  const c = applied.counts;
  return (
    `Rows written in one transaction: ${c.modules.created + c.videos.created + c.sessions.created} created, ` +
    `${c.modules.updated + c.videos.updated + c.sessions.updated + (c.modules.renamed ?? 0)} updated, ${c.modules.deleted + c.videos.deleted} deleted`
  );
}

// ---------------------------------------------------------------- printing

const ACTION_ORDER = ['create', 'update', 'move', 'delete'] as const;

export function summaryLine(plan: Plan, dryRun: boolean, uploadLength: number | null = null): string {
  const s = plan.summary;
  const parts = ACTION_ORDER.filter((a) => s[a] > 0).map((a) => `${s[a]} to ${a}`);
  const length = uploadLength === null ? '' : `, ${formatClock(uploadLength)} of video`;
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


