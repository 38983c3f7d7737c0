import type { IO } from './io.js';
import { formatBytes, formatDuration } from './format.js';
import { visibleControls } from './visible.js';
import type { UploadEvent, UploadFileReport } from '../core/upload/queue.js';

/** Draws an upload run: listr2 bars on a terminal, plain lines and a heartbeat otherwise. */
export interface UploadProgress {
  onEvent(event: UploadEvent): void;
  /** Stops redrawing and timers; resolves once the last frame is written. */
  stop(): Promise<void>;
}

export interface ProgressOptions {
  /** Files in flight at once (rows drawn at a time). */
  concurrency: number;
  /** Plain mode: a line saying what is going on, this often (default 10 s). */
  heartbeatMs?: number;
  now?: () => number;
}

export async function createUploadProgress(io: IO, opts: ProgressOptions): Promise<UploadProgress> {
  if (io.quiet) return new RefusalsOnly(io);
  if (io.canAnimate) return new BarProgress(io, opts);
  return new LineProgress(io, opts);
}

/** Per-file state both renderers keep: bytes, a smoothed speed, timings. */
class FileState {
  size = 0;
  offset = 0;
  resumedFrom = 0;
  startedAt: number | null = null;
  speed = 0;
  private sampleAt = 0;
  private sampleOffset = 0;
  done = false;
  retry: string | null = null;
  phase: 'waiting' | 'hashing' | 'sending' | 'done' = 'waiting';

  constructor(readonly file: string) {}

  start(now: number, size: number, resumedFrom: number): void {
    this.size = size;
    this.offset = resumedFrom;
    this.resumedFrom = resumedFrom;
    this.startedAt = now;
    this.sampleAt = now;
    this.sampleOffset = resumedFrom;
    this.phase = 'sending';
  }

  /** EWMA of the byte rate, sampled at most every 250 ms, so the ETA does not jump. */
  progress(now: number, offset: number): void {
    this.offset = offset;
    this.retry = null;
    const dt = now - this.sampleAt;
    if (dt >= 250) {
      const rate = ((offset - this.sampleOffset) * 1000) / dt;
      this.speed = this.speed === 0 ? rate : this.speed * 0.7 + rate * 0.3;
      this.sampleAt = now;
      this.sampleOffset = offset;
    }
  }

  finish(report: UploadFileReport): void {
    this.phase = 'done';
    if (report.status === 'uploaded' || report.status === 'unchanged' || report.status === 'copied') this.offset = this.size;
  }

  averageSpeed(now: number): number {
    if (this.startedAt === null) return 0;
    const seconds = (now - this.startedAt) / 1000;
    return seconds > 0 ? (this.offset - this.resumedFrom) / seconds : 0;
  }

  eta(): number | null {
    if (this.speed <= 0) return null;
    return ((this.size - this.offset) / this.speed) * 1000;
  }
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(Math.max(0, Math.round(bytesPerSecond)))}/s`;
}

/** "0:31", "12:04", "1:02:03": the clock form progress bars use. */
export function formatEta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-:--';
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function bar(fraction: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

function doneLine(report: UploadFileReport, state: FileState | undefined, now: number): string {
  switch (report.status) {
    case 'uploaded': {
      const took = state?.startedAt != null ? now - state.startedAt : 0;
      const resumed = state && state.resumedFrom > 0 ? `, resumed at ${formatBytes(state.resumedFrom)}` : '';
      return `${report.file}: uploaded ${formatBytes(report.bytes_sent)} in ${formatDuration(took)} (${formatSpeed(state?.averageSpeed(now) ?? 0)}${resumed})`;
    }
    case 'unchanged':
      return `${report.file}: unchanged, nothing sent`;
    case 'copied':
      return `${report.file}: already stored in your account; copied on the server, nothing sent`;
    case 'refused':
      return report.error ?? `${report.file}: refused`;
    default:
      return `${report.file}: failed: ${report.error ?? 'unknown error'}`;
  }
}

/** `--quiet`: only refusals and failures, which are errors. */
class RefusalsOnly implements UploadProgress {
  constructor(private readonly io: IO) {}
  onEvent(event: UploadEvent): void {
    if (event.type === 'refused') this.io.stderr.write(`${visibleControls(event.reason)}\n`);
    if (event.type === 'finished' && event.report.status === 'failed') this.io.stderr.write(`${visibleControls(doneLine(event.report, undefined, 0))}\n`);
  }
  async stop(): Promise<void> {}
}

/**
 * For logs and CI: no escape codes, a line when a file starts, at each 25 %, on a retry,
 * when it ends; and while anything is in flight, a heartbeat line every 10 s.
 */
export class LineProgress implements UploadProgress {
  private readonly files = new Map<number, FileState>();
  private readonly steps = new Map<number, number>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private queued = 0;
  private finished = 0;
  private totalBytes = 0;

  constructor(
    private readonly io: IO,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Lines are plain (no styles): file names and server messages in them are shown with control characters visible. */
  private line(text: string): void {
    this.io.stderr.write(`${visibleControls(text)}\n`);
  }

  onEvent(event: UploadEvent): void {
    const now = this.now();
    switch (event.type) {
      case 'refused':
        this.line(event.reason);
        return;
      case 'queued':
        this.queued += 1;
        this.totalBytes += event.size;
        const state = new FileState(event.file);
        state.size = event.size;
        this.files.set(event.index, state);
        return;
      case 'hashing': {
        const state = this.files.get(event.index);
        if (state) state.phase = 'hashing';
        this.ensureHeartbeat();
        return;
      }
      case 'started': {
        const state = this.files.get(event.index) ?? new FileState(event.file);
        state.start(now, event.size, event.resumedFrom);
        this.files.set(event.index, state);
        this.steps.set(event.index, Math.floor((event.resumedFrom / event.size) * 4));
        this.line(
          event.resumedFrom > 0
            ? `${event.file}: resuming at ${formatBytes(event.resumedFrom)} of ${formatBytes(event.size)}`
            : `${event.file}: uploading ${formatBytes(event.size)}`,
        );
        return;
      }
      case 'progress': {
        const state = this.files.get(event.index);
        state?.progress(now, event.offset);
        const step = Math.floor((event.offset / event.size) * 4);
        if (step > (this.steps.get(event.index) ?? 0) && step < 4) {
          this.steps.set(event.index, step);
          this.line(`${event.file}: ${step * 25}% (${formatBytes(event.offset)} of ${formatBytes(event.size)})`);
        }
        return;
      }
      case 'retry':
        this.line(`${event.file}: retry ${event.attempt}/${event.maxAttempts} in ${formatDuration(event.delayMs)}: ${event.reason}`);
        return;
      case 'finished': {
        this.finished += 1;
        const state = this.files.get(event.index);
        if (state) state.finish(event.report);
        this.line(doneLine(event.report, state, now));
        return;
      }
    }
  }

  /** "uploading: 1/3 files done, 45.0 MiB of 180.0 MiB sent, 12.3 MiB/s" */
  heartbeat(): string {
    const active = [...this.files.values()].filter((f) => f.phase === 'sending' || f.phase === 'hashing');
    let sent = 0;
    for (const f of this.files.values()) sent += f.offset;
    const speed = active.reduce((sum, f) => sum + f.speed, 0);
    const hashing = active.filter((f) => f.phase === 'hashing').length;
    const parts = [`${this.finished}/${this.queued} files done`, `${formatBytes(sent)} of ${formatBytes(this.totalBytes)}`];
    if (speed > 0) parts.push(formatSpeed(speed));
    if (hashing > 0) parts.push(`${hashing} being checked (sha256)`);
    return `uploading: ${parts.join(', ')}`;
  }

  private ensureHeartbeat(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.finished < this.queued) this.line(this.heartbeat());
    }, this.opts.heartbeatMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
  skip: string | null;
}

/**
 * The stream listr2 draws on, with a usable size: some pseudo-terminals (`script`, CI
 * runners) report 0 rows and columns, and log-update then draws nothing at all.
 */
function terminalSize(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return {
    isTTY: true,
    columns: stream.columns || 100,
    rows: stream.rows || 40,
    write: (chunk: string | Uint8Array, ...rest: unknown[]) => (stream.write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest),
    on: () => undefined,
    once: () => undefined,
    off: () => undefined,
    removeListener: () => undefined,
  } as unknown as NodeJS.WriteStream;
}

/**
 * On a terminal: one listr2 row per file (bar, bytes, speed, ETA), a total in the parent
 * row, at most `concurrency` rows running at once. Drawn on stderr, so stdout stays data.
 */
export class BarProgress implements UploadProgress {
  private readonly files = new Map<number, FileState>();
  private readonly waits = new Map<number, Deferred>();
  private readonly titles = new Map<number, (title: string) => void>();
  private readonly lastDraw = new Map<number, number>();
  private readonly now: () => number;
  private running: Promise<void> | null = null;
  private queued: number[] = [];
  private totalBytes = 0;
  private finishedCount = 0;
  private parentTitle: ((title: string) => void) | null = null;
  private parentTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly io: IO,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  onEvent(event: UploadEvent): void {
    const now = this.now();
    switch (event.type) {
      case 'refused':
        this.io.stderr.write(`${this.io.errStyle.red('✖')} ${visibleControls(event.reason)}\n`);
        return;
      case 'queued': {
        this.queued.push(event.index);
        this.totalBytes += event.size;
        const state = new FileState(event.file);
        state.size = event.size;
        this.files.set(event.index, state);
        let resolve!: () => void;
        let reject!: (err: Error) => void;
        const promise = new Promise<void>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        promise.catch(() => undefined);
        this.waits.set(event.index, { promise, resolve, reject, skip: null });
        return;
      }
      case 'hashing': {
        this.begin();
        const state = this.files.get(event.index);
        if (state) state.phase = 'hashing';
        this.draw(event.index, true);
        return;
      }
      case 'started': {
        this.begin();
        const state = this.files.get(event.index) ?? new FileState(event.file);
        state.start(now, event.size, event.resumedFrom);
        this.files.set(event.index, state);
        this.draw(event.index, true);
        return;
      }
      case 'progress': {
        this.files.get(event.index)?.progress(now, event.offset);
        this.draw(event.index, false);
        return;
      }
      case 'retry': {
        const state = this.files.get(event.index);
        if (state) state.retry = `retry ${event.attempt}/${event.maxAttempts} in ${formatDuration(event.delayMs)}`;
        this.draw(event.index, true);
        return;
      }
      case 'finished': {
        this.finishedCount += 1;
        const state = this.files.get(event.index);
        if (state) state.finish(event.report);
        this.parentTitle?.(this.totalTitle());
        const wait = this.waits.get(event.index);
        if (!wait) return;
        const report = event.report;
        // Names and server messages are escaped before styling: listr2 draws titles as they are.
        const file = visibleControls(report.file);
        if (report.status === 'uploaded') {
          this.titles.get(event.index)?.(`${file}  ${this.io.errStyle.dim(visibleControls(doneLine(report, state, now).slice(report.file.length + 2)))}`);
          wait.resolve();
        } else if (report.status === 'unchanged' || report.status === 'copied') {
          wait.skip = visibleControls(doneLine(report, state, now));
          wait.resolve();
        } else {
          wait.reject(new Error(`${file}: ${visibleControls(report.error ?? 'failed')}`));
        }
        return;
      }
    }
  }

  private begin(): void {
    if (this.running || this.queued.length === 0) return;
    this.running = this.run().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { Listr, DefaultRenderer, ListrLogger, ProcessOutput } = await import('listr2');
    // listr2 picks its renderer by stdout; we draw on stderr, which is the terminal here.
    class StderrRenderer extends DefaultRenderer {
      static override nonTTY = true;
    }
    const stderr = terminalSize(this.io.stderr as NodeJS.WriteStream);
    const logger = new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(stderr, stderr, { dump: [], leaveEmptyLine: false }) });
    // listr2 truncates rows to stdout's width; a terminal that reports 0 columns would get one character per line.
    if (process.stdout.isTTY && !process.stdout.columns) process.stdout.columns = stderr.columns;
    const children = this.queued.map((index) => ({
      title: this.title(index),
      task: async (_ctx: unknown, task: { title: string; skip(message?: string): void }) => {
        this.titles.set(index, (title) => {
          task.title = title;
        });
        this.draw(index, true);
        const wait = this.waits.get(index)!;
        await wait.promise;
        if (wait.skip) task.skip(wait.skip);
      },
    }));
    const list = new Listr(
      [
        {
          title: this.totalTitle(),
          task: ((_ctx: unknown, task: { title: string; newListr: (tasks: unknown, options: unknown) => unknown }) => {
            this.parentTitle = (title) => {
              task.title = title;
            };
            this.parentTimer = setInterval(() => this.parentTitle?.(this.totalTitle()), 250);
            return task.newListr(children, { concurrent: this.opts.concurrency, exitOnError: false });
          }) as never,
        },
      ],
      {
        renderer: StderrRenderer,
        rendererOptions: { logger, collapseSubtasks: false, formatOutput: 'truncate', showErrorMessage: true, collapseErrors: true },
        registerSignalListeners: false,
        exitOnError: false,
      } as never,
    );
    try {
      await list.run();
    } finally {
      if (this.parentTimer) clearInterval(this.parentTimer);
      this.parentTimer = null;
    }
  }

  private totalTitle(): string {
    let sent = 0;
    let speed = 0;
    for (const f of this.files.values()) {
      sent += f.offset;
      if (f.phase === 'sending') speed += f.speed;
    }
    const n = this.queued.length;
    const parts = [`${this.finishedCount}/${n} file${n === 1 ? '' : 's'}`, `${formatBytes(sent)}/${formatBytes(this.totalBytes)}`];
    if (speed > 0) parts.push(formatSpeed(speed));
    return `Uploading  ${parts.join('  ')}`;
  }

  private title(index: number): string {
    const state = this.files.get(index);
    if (!state) return '';
    const name = visibleControls(state.file);
    if (state.phase === 'waiting') return `${name}  ${this.io.errStyle.dim('waiting')}`;
    if (state.phase === 'hashing') return `${name}  ${this.io.errStyle.dim(`checking ${formatBytes(state.size)} (sha256)`)}`;
    const fraction = state.size > 0 ? state.offset / state.size : 1;
    const parts = [
      `${name}  ${bar(fraction)}`,
      `${formatBytes(state.offset)}/${formatBytes(state.size)}`,
      state.speed > 0 ? formatSpeed(state.speed) : '',
      state.retry ? this.io.errStyle.yellow(state.retry) : `ETA ${formatEta(state.eta())}`,
    ];
    return parts.filter(Boolean).join('  ');
  }

  /** Sets a row's title; progress redraws at most 10 times a second per file. */
  private draw(index: number, force: boolean): void {
    const setTitle = this.titles.get(index);
    if (!setTitle) return;
    const now = this.now();
    if (!force && now - (this.lastDraw.get(index) ?? 0) < 100) return;
    this.lastDraw.set(index, now);
    setTitle(this.title(index));
  }

  async stop(): Promise<void> {
    // Anything still waiting (an interrupted run) ends as failed, so listr finishes.
    for (const wait of this.waits.values()) wait.reject(new Error('interrupted'));
    if (this.running) await this.running;
    if (this.parentTimer) clearInterval(this.parentTimer);
  }
}
