// The built CLI on a real pseudo-terminal (node-pty), its screen kept by a headless terminal
// emulator (@xterm/headless), so a test sees what a person would: the width the program was
// given, what a resize does to lines already drawn, what Ctrl-C prints.
import { spawn, type IPty } from 'node-pty';
import xterm from '@xterm/headless';

export interface PtyRun {
  /** Everything the program wrote, escape codes included. */
  readonly raw: string;
  /** The emulated screen and scrollback, one string per row, trailing spaces dropped. */
  screen(): string[];
  /** Rows the terminal had to wrap: a line the program wrote wider than the terminal. */
  wrapped(): string[];
  write(text: string): void;
  resize(cols: number, rows?: number): void;
  /** Resolves once `pattern` is on the screen (or in the raw output). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves once `test` holds for the screen's rows. */
  waitUntil(test: (screen: string[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  exited: Promise<{ exitCode: number; signal: number | undefined }>;
  kill(signal?: string): void;
}

export function runInPty(command: string, args: string[], opts: { cols: number; rows?: number; env: Record<string, string | undefined>; cwd?: string }): PtyRun {
  const rows = opts.rows ?? 30;
  const term = new xterm.Terminal({ cols: opts.cols, rows, scrollback: 2000, allowProposedApi: true });
  const env = Object.fromEntries(Object.entries({ TERM: 'xterm-256color', ...opts.env }).filter((e): e is [string, string] => e[1] !== undefined));
  const child: IPty = spawn(command, args, { name: 'xterm-256color', cols: opts.cols, rows, cwd: opts.cwd ?? env.HOME ?? process.cwd(), env });
  let raw = '';
  let pending = Promise.resolve();
  const waiters = new Set<() => void>();
  child.onData((data) => {
    raw += data;
    pending = pending.then(() => new Promise<void>((resolve) => term.write(data, resolve)));
    void pending.then(() => waiters.forEach((w) => w()));
  });
  const exited = new Promise<{ exitCode: number; signal: number | undefined }>((resolve) => {
    child.onExit((e) => void pending.then(() => resolve({ exitCode: e.exitCode, signal: e.signal })));
  });
  const screen = (): string[] => {
    const buffer = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines;
  };
  const wrapped = (): string[] => {
    const buffer = term.buffer.active;
    const rowsOut: string[] = [];
    for (let i = 0; i < buffer.length; i++) {
      const line = buffer.getLine(i);
      if (line?.isWrapped) rowsOut.push(`${buffer.getLine(i - 1)?.translateToString(true)}⏎${line.translateToString(true)}`);
    }
    return rowsOut;
  };
  return {
    wrapped,
    get raw() {
      return raw;
    },
    screen,
    write: (text) => child.write(text),
    resize: (cols, r = rows) => {
      term.resize(cols, r);
      child.resize(cols, r);
    },
    waitFor: (pattern, timeoutMs = 30_000) => waitUntil((rows) => pattern.test(rows.join('\n')) || pattern.test(raw), String(pattern), timeoutMs),
    waitUntil: (test, what, timeoutMs = 30_000) => waitUntil(test, what, timeoutMs),
    exited,
    kill: (signal) => {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    },
  };

  function waitUntil(test: (rows: string[]) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (test(screen())) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`not on the screen after ${timeoutMs} ms: ${what}\n${screen().join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => setTimeout(check, 50));
        check();
    });
  }
}

/** The printable width of a screen row (the emulator already wrapped anything longer). */
// eslint-disable-next-line no-control-regex
export const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g, '');
