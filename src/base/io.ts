import type { Readable, Writable } from 'node:stream';
import { Chalk, type ChalkInstance } from 'chalk';
import { maskSecrets } from './mask.js';
import { visibleControls } from './visible.js';

type Stream = Writable & { isTTY?: boolean; columns?: number };

export interface IOOptions {
  stdout?: Stream;
  stderr?: Stream;
  stdin?: Readable & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  /** `--no-color`. */
  noColor?: boolean;
  /** `--no-input`: never prompt. */
  noInput?: boolean;
  debug?: boolean;
  json?: boolean;
  quiet?: boolean;
  /** Aborted on Ctrl-C (the command runner owns the one SIGINT handler); prompts end on it. */
  signal?: AbortSignal;
}

/**
 * The one place that knows about terminals: which streams are TTYs, whether colour is on,
 * whether we may prompt. Colour is decided once, here (chalk 5 ignores NO_COLOR).
 */
export class IO {
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly stdin: Readable & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  /** Colour on stdout. */
  readonly color: boolean;
  /** Colour on stderr (progress, warnings). */
  readonly errColor: boolean;
  readonly debugEnabled: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly noInput: boolean;
  /** Styles for stdout and stderr; plain when colour is off. */
  readonly style: ChalkInstance;
  readonly errStyle: ChalkInstance;
  readonly signal: AbortSignal | undefined;

  constructor(opts: IOOptions = {}) {
    this.stdout = opts.stdout ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
    this.stdin = opts.stdin ?? process.stdin;
    this.env = opts.env ?? process.env;
    this.stdoutIsTTY = Boolean(this.stdout.isTTY);
    this.stderrIsTTY = Boolean(this.stderr.isTTY);
    this.stdinIsTTY = Boolean(this.stdin.isTTY);
    const colorAllowed = !opts.noColor && !this.env.NO_COLOR && this.env.TERM !== 'dumb';
    this.color = colorAllowed && this.stdoutIsTTY;
    this.errColor = colorAllowed && this.stderrIsTTY;
    this.style = new Chalk({ level: this.color ? 1 : 0 });
    this.errStyle = new Chalk({ level: this.errColor ? 1 : 0 });
    this.debugEnabled = Boolean(opts.debug) || this.env.SESSION_DEBUG === '1';
    this.json = Boolean(opts.json);
    this.quiet = Boolean(opts.quiet);
    this.signal = opts.signal;
    this.noInput = Boolean(opts.noInput) || this.env.SESSION_NO_INPUT === '1' || this.env.CI === 'true';
  }

  /** Prompts need both a terminal to read from and one to draw on (an inquirer prompt on a closed stdin hangs). */
  get canPrompt(): boolean {
    return !this.noInput && this.stdinIsTTY && this.stderrIsTTY;
  }

  /** Progress bars redraw only on a terminal. */
  get canAnimate(): boolean {
    return this.stderrIsTTY && !this.quiet && this.env.TERM !== 'dumb';
  }

  /** Read at each use, so a table drawn after a resize fits the new width; 0 (some pseudo-terminals) counts as unknown. */
  get columns(): number {
    return this.stdout.columns || 100;
  }

  /** The width of stderr, where progress is drawn; re-read at each frame. */
  get errColumns(): number {
    return this.stderr.columns || this.stdout.columns || 100;
  }

  out(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /**
   * A line on stderr: progress, notices. Like `warn` and `success`, `text` is plain, never styled by the
   * caller: it often carries names other people chose, so control characters in it are shown visibly.
   */
  info(text: string): void {
    if (this.quiet) return;
    this.stderr.write(`${visibleControls(text)}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${this.errStyle.yellow('warning:')} ${visibleControls(text)}\n`);
  }

  success(text: string): void {
    if (this.quiet) return;
    this.stderr.write(`${this.errStyle.green('✓')} ${visibleControls(text)}\n`);
  }

  /** `--debug` only; every line goes through the secret mask. */
  debug(text: string): void {
    if (!this.debugEnabled) return;
    this.stderr.write(`${this.errStyle.dim(`[debug] ${visibleControls(maskSecrets(text))}`)}\n`);
  }
}
