import type { IO } from '../base/io.js';
import { formatBytes, formatDuration } from '../base/format.js';
import { formatClock } from '../base/units.js';
import { visibleControls } from '../base/visible.js';
import { cut, textWidth } from './fit.js';
import type { UploadEvent, UploadFileReport } from '../base/upload-events.js';

/** Draws an upload run: live bars on a terminal, plain lines and a heartbeat otherwise. */
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

/** Files at least this big get a line when their check starts in plain output. */
const BIG_FILE = 64 * 1024 * 1024;

/** "unchanged, nothing sent", naming the video that already has these bytes when its name differs. */
export function unchangedText(report: UploadFileReport): string {
  return report.same_as ? `unchanged: the module has the same bytes as ${report.same_as}; nothing sent` : 'unchanged, nothing sent';
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(Math.max(0, Math.round(bytesPerSecond)))}/s`;
}

/** "0:31", "12:04", "1:02:03": the clock form progress bars use. */
export function formatEta(ms: number | null): string {
  return formatClock(ms) ?? '-:--';
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
      return `${report.file}: ${unchangedText(report)}`;
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
  private readonly hashedBytes = new Map<number, number>();
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
        // A big file takes a while to check: say so, so a log is not silent.
        if (event.size >= BIG_FILE) this.line(`${event.file}: checking ${formatBytes(event.size)} (sha256)`);
        this.hashedBytes.set(event.index, 0);
        this.ensureHeartbeat();
        return;
      }
      case 'hash-progress':
        this.hashedBytes.set(event.index, event.hashed);
        return;
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
    const hashing = [...this.files.entries()].filter(([, f]) => f.phase === 'hashing');
    const parts = [`${this.finished}/${this.queued} files done`, `${formatBytes(sent)} of ${formatBytes(this.totalBytes)}`];
    if (speed > 0) parts.push(formatSpeed(speed));
    if (hashing.length > 0) {
      const size = hashing.reduce((n, [, f]) => n + f.size, 0);
      const done = hashing.reduce((n, [i]) => n + (this.hashedBytes.get(i) ?? 0), 0);
      parts.push(`${hashing.length} being checked (sha256, ${size > 0 ? Math.floor((done / size) * 100) : 100}%)`);
    }
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

/** Cells a frame row takes on a terminal `cols` wide (a row wider than that wraps onto more). */
function physicalRows(line: string, cols: number): number {
  return Math.max(1, Math.ceil(textWidth(stripStyles(line)) / Math.max(1, cols)));
}

// eslint-disable-next-line no-control-regex
const stripStyles = (text: string): string => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

/**
 * On a terminal: a live area on stderr (a total line and one row per file in flight: bar, bytes,
 * speed, ETA), redrawn in place at most 10 times a second; each finished file leaves one line
 * above it. Every row is cut to the terminal's current width (read at each frame), the file name
 * first, then the bar, so speed and ETA stay; on a resize the live area is erased by what it
 * now occupies and drawn again at the new width.
 */
export class BarProgress implements UploadProgress {
  private readonly files = new Map<number, FileState>();
  private readonly order: number[] = [];
  private readonly now: () => number;
  private totalBytes = 0;
  private finishedCount = 0;
  private hashed = new Map<number, number>();
  /** The live area as last drawn, to erase it. */
  private drawn: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private stopped = false;
  private readonly onResize = (): void => this.redraw();

  constructor(
    private readonly io: IO,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? Date.now;
    (this.io.stderr as NodeJS.WriteStream).on?.('resize', this.onResize);
  }

  onEvent(event: UploadEvent): void {
    if (this.stopped) return;
    const now = this.now();
    switch (event.type) {
      case 'refused':
        // The report lists refused files with their reason; said once, there.
        return;
      case 'queued': {
        this.order.push(event.index);
        this.totalBytes += event.size;
        const state = new FileState(event.file);
        state.size = event.size;
        this.files.set(event.index, state);
        return;
      }
      case 'hashing': {
        const state = this.files.get(event.index);
        if (state) state.phase = 'hashing';
        this.hashed.set(event.index, 0);
        this.schedule();
        return;
      }
      case 'hash-progress':
        this.hashed.set(event.index, event.hashed);
        this.schedule();
        return;
      case 'started': {
        const state = this.files.get(event.index) ?? new FileState(event.file);
        state.start(now, event.size, event.resumedFrom);
        this.files.set(event.index, state);
        this.schedule();
        return;
      }
      case 'progress':
        this.files.get(event.index)?.progress(now, event.offset);
        this.schedule();
        return;
      case 'retry': {
        const state = this.files.get(event.index);
        if (state) state.retry = `retry ${event.attempt}/${event.maxAttempts} in ${formatDuration(event.delayMs)}`;
        this.schedule();
        return;
      }
      case 'finished': {
        this.finishedCount += 1;
        const state = this.files.get(event.index);
        if (state) state.finish(event.report);
        this.redraw(this.finishedLine(event.report, state, now));
        return;
      }
    }
  }

  /** Redraws on the next tick of a 100 ms clock, so a burst of progress events is one frame. */
  private schedule(): void {
    this.dirty = true;
    if (this.timer) return;
    this.redraw();
    this.timer = setInterval(() => {
      if (this.dirty) this.redraw();
    }, 100);
    this.timer.unref();
  }

  private get cols(): number {
    return this.io.errColumns;
  }

  /** Erases the live area (as the terminal now lays it out), writes `permanent` above, draws the live area again. */
  private redraw(permanent?: string): void {
    if (this.stopped) return;
    this.dirty = false;
    const cols = this.cols;
    let text = this.erase(cols);
    if (permanent !== undefined) text += `${permanent}\n`;
    const frame = this.frame(cols);
    for (const line of frame) text += `${line}\n`;
    this.drawn = frame;
    if (text) this.io.stderr.write(text);
  }

  /** The escape codes that erase the live area as last drawn, as a terminal `cols` wide lays it out ('' when none). */
  private erase(cols: number): string {
    const rows = this.drawn.reduce((n, line) => n + physicalRows(line, cols), 0);
    return rows > 0 ? `\u001b[${rows}F\u001b[J` : '';
  }

  private frame(cols: number): string[] {
    const active = this.order.filter((i) => {
      const f = this.files.get(i)!;
      return f.phase === 'hashing' || f.phase === 'sending';
    });
    if (this.finishedCount >= this.order.length || (active.length === 0 && this.finishedCount === 0 && this.hashed.size === 0)) return [];
    return [this.totalLine(cols), ...active.slice(0, Math.max(1, this.opts.concurrency) * 2).map((i) => this.fileRow(i, cols))];
  }

  private totalLine(cols: number): string {
    let sent = 0;
    let speed = 0;
    for (const f of this.files.values()) {
      sent += f.offset;
      if (f.phase === 'sending') speed += f.speed;
    }
    const n = this.order.length;
    const parts = [`Uploading  ${this.finishedCount}/${n} file${n === 1 ? '' : 's'}`, `${formatBytes(sent)}/${formatBytes(this.totalBytes)}`];
    if (speed > 0) parts.push(formatSpeed(speed));
    return cut(parts.join('  '), cols - 1);
  }

  /**
   * One file in flight, within `cols`: the richest layout whose name still gets a dozen cells;
   * the name is cut with …, then the bar narrows and goes, then the byte counts.
   */
  private fileRow(index: number, cols: number): string {
    const state = this.files.get(index)!;
    const s = this.io.errStyle;
    const name = visibleControls(state.file);
    const width = cols - 1;
    if (state.phase === 'hashing') {
      const done = this.hashed.get(index) ?? 0;
      const pct = state.size > 0 ? Math.min(100, Math.floor((done / state.size) * 100)) : 100;
      const tail = `checking ${pct}% of ${formatBytes(state.size)} (sha256)`;
      const room = Math.max(4, width - 4 - textWidth(tail));
      return `${s.cyan('⠿')} ${cut(name, room)}  ${s.dim(cut(tail, width - 4 - Math.min(room, textWidth(name))))}`;
    }
    const fraction = state.size > 0 ? state.offset / state.size : 1;
    const bytes = `${formatBytes(state.offset)}/${formatBytes(state.size)}`;
    const speed = state.speed > 0 ? formatSpeed(state.speed) : '';
    const eta = state.retry ?? `ETA ${formatEta(state.eta())}`;
    const layouts: Array<Array<string>> = [
      [bar(fraction, 20), bytes, speed, eta],
      [bar(fraction, 10), bytes, speed, eta],
      [bytes, speed, eta],
      [`${Math.floor(fraction * 100)}%`, speed, eta],
      [`${Math.floor(fraction * 100)}%`, eta],
    ];
    const tails = layouts.map((layout) => layout.filter(Boolean).join('  '));
    // Speed and ETA stay while they can: the first layout with them that shows the whole name, else
    // the first that leaves the name 16 cells, else the smallest with them; the last drops the speed.
    const room = (t: string) => width - 4 - textWidth(t);
    const withSpeed = tails.slice(0, -1);
    let pick = withSpeed.findIndex((t) => room(t) >= textWidth(name));
    if (pick < 0) pick = withSpeed.findIndex((t) => room(t) >= 16);
    if (pick < 0) pick = room(withSpeed[withSpeed.length - 1]!) >= 8 ? withSpeed.length - 1 : tails.length - 1;
    const tail = tails[pick]!;
    const shownName = cut(name, Math.max(4, Math.min(room(tail), textWidth(name))));
    const painted = state.retry ? tail.replace(state.retry, s.yellow(state.retry)) : tail;
    return `${s.cyan('↑')} ${shownName}  ${cut(painted, width - 4 - textWidth(shownName))}`;
  }

  private finishedLine(report: UploadFileReport, state: FileState | undefined, now: number): string {
    const s = this.io.errStyle;
    const width = this.cols - 1;
    const name = visibleControls(report.file);
    let icon: string;
    let tail: string;
    if (report.status === 'uploaded') {
      icon = s.green('✓');
      tail = visibleControls(doneLine(report, state, now).slice(report.file.length + 2));
    } else if (report.status === 'unchanged') {
      icon = s.dim('↓');
      tail = visibleControls(unchangedText(report));
    } else if (report.status === 'copied') {
      icon = s.green('✓');
      tail = 'already stored in your account; copied on the server, nothing sent';
    } else {
      // The reason is in the report below, once.
      icon = s.red('✖');
      tail = report.status;
    }
    const room = Math.max(8, width - 2 - 2 - textWidth(tail));
    const shownName = cut(name, Math.min(room, textWidth(name)));
    return `${icon} ${shownName}  ${s.dim(cut(tail, width - 4 - textWidth(shownName)))}`;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // The live area goes; the finished lines stay above the report.
    const erase = this.erase(this.cols);
    if (erase) this.io.stderr.write(erase);
    this.drawn = [];
    this.stopped = true;
    (this.io.stderr as NodeJS.WriteStream).off?.('resize', this.onResize);
  }
}
