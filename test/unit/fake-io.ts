import { PassThrough } from 'node:stream';
import { IO, type IOOptions } from '../../src/base/io.js';

/** A stream that records what is written and says whether it is a terminal. */
export class FakeStream extends PassThrough {
  isTTY: boolean;
  columns = 120;
  text = '';
  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
    this.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
    });
  }
}

export interface FakeIO {
  io: IO;
  stdout: FakeStream;
  stderr: FakeStream;
}

/** An IO over in-memory streams, as gh's tests build IOStreams. `tty` sets stdout, stderr and stdin alike. */
export function fakeIO(opts: { tty?: boolean; env?: NodeJS.ProcessEnv } & Omit<IOOptions, 'stdout' | 'stderr' | 'stdin' | 'env'> = {}): FakeIO {
  const tty = opts.tty ?? false;
  const stdout = new FakeStream(tty);
  const stderr = new FakeStream(tty);
  const stdin = Object.assign(new PassThrough(), { isTTY: tty });
  const io = new IO({ ...opts, stdout, stderr, stdin, env: opts.env ?? {} });
  return { io, stdout, stderr };
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[[0-9;]*m/;
