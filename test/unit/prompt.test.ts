import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IO } from '../../src/base/io.js';
import { askSearch, askText, confirmOrYes } from '../../src/ui/prompt.js';
import { CliError } from '../../src/base/errors.js';
import { parseExpires, formatExpires } from '../../src/commands/video/index.js';
import { FakeStream } from './fake-io.js';

/** An IO whose stdin says it is a terminal, so inquirer draws, and which the test can close. */
function terminalIO(signal?: AbortSignal): { io: IO; stdin: PassThrough & { isTTY: boolean; setRawMode: () => void } } {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
  const io = new IO({ stdin, stdout: new FakeStream(true), stderr: new FakeStream(true), env: { NO_COLOR: '1' }, ...(signal ? { signal } : {}) });
  return { io, stdin };
}

async function failure(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected a failure');
}

describe('prompts end in documented exit codes', () => {
  it('a closed input at a prompt is exit 2 naming the flag to pass', async () => {
    const { io, stdin } = terminalIO();
    const asked = askText(io, { message: 'Session name', flag: '<name>' });
    setImmediate(() => stdin.end());
    const err = await failure(asked);
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('no answer for <name>: the input closed');
    expect(err.hint).toContain('pass <name>');
  });

  it('a closed input at a confirmation names --yes', async () => {
    const { io, stdin } = terminalIO();
    const asked = confirmOrYes(io, { message: 'Delete?', yes: false });
    setImmediate(() => stdin.end());
    const err = await failure(asked);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--yes');
  });

  it('Ctrl-C (the runner aborts its signal) at a list is exit 130', async () => {
    const controller = new AbortController();
    const { io } = terminalIO(controller.signal);
    const asked = askSearch(io, { message: 'Session', flag: '<session>', choices: [{ name: 'Intro', value: 'a' }] });
    setImmediate(() => controller.abort());
    const err = await failure(asked);
    expect(err.exitCode).toBe(130);
    expect(err.message).toBe('interrupted');
  });

  it('Ctrl-C typed at the prompt (raw mode) is exit 130', async () => {
    const { io, stdin } = terminalIO();
    const asked = askText(io, { message: 'Session name', flag: '<name>' });
    setImmediate(() => stdin.write('\u0003'));
    const err = await failure(asked);
    expect(err.exitCode).toBe(130);
  });
});

describe('--expires', () => {
  it('takes 30s, 10m, 1h, 2d and plain seconds', () => {
    expect(parseExpires('30s')).toBe(30);
    expect(parseExpires('10m')).toBe(600);
    expect(parseExpires('1h')).toBe(3600);
    expect(parseExpires('2d')).toBe(172_800);
    expect(parseExpires('120')).toBe(120);
    expect(formatExpires(3600)).toBe('1h');
  });
  it('refuses anything else with exit 2', () => {
    for (const bad of ['soon', '0', '1w', '-5m', '400d', '1.5h']) {
      expect(() => parseExpires(bad), bad).toThrow(/--expires must be a duration/);
    }
  });
});
