import { describe, expect, it } from 'vitest';
import { ANSI, fakeIO } from './fake-io.js';

describe('colour', () => {
  const cases: Array<[string, Parameters<typeof fakeIO>[0], boolean]> = [
    ['a terminal', { tty: true }, true],
    ['a pipe', { tty: false }, false],
    ['NO_COLOR set', { tty: true, env: { NO_COLOR: '1' } }, false],
    ['NO_COLOR set to anything', { tty: true, env: { NO_COLOR: 'yes' } }, false],
    ['NO_COLOR empty (unset per no-color.org)', { tty: true, env: { NO_COLOR: '' } }, true],
    ['--no-color', { tty: true, noColor: true }, false],
    ['TERM=dumb', { tty: true, env: { TERM: 'dumb' } }, false],
  ];
  for (const [label, opts, expected] of cases) {
    it(`is ${expected ? 'on' : 'off'} for ${label}`, () => {
      const { io } = fakeIO(opts);
      expect(io.color).toBe(expected);
      expect(io.errColor).toBe(expected);
      expect(ANSI.test(io.style.red('x'))).toBe(expected);
    });
  }

  it('is decided per stream: a piped stdout with stderr on a terminal colours only stderr', async () => {
    const { FakeStream } = await import('./fake-io.js');
    const { IO } = await import('../../src/base/io.js');
    const io = new IO({ stdout: new FakeStream(false), stderr: new FakeStream(true), env: {} });
    expect(io.color).toBe(false);
    expect(io.errColor).toBe(true);
  });

  it('warnings are plain when stderr is not a terminal', () => {
    const { io, stderr } = fakeIO();
    io.warn('careful');
    expect(stderr.text).toBe('warning: careful\n');
  });
});

describe('prompting', () => {
  it('needs stdin and stderr on a terminal and no --no-input', () => {
    expect(fakeIO({ tty: true }).io.canPrompt).toBe(true);
    expect(fakeIO({ tty: false }).io.canPrompt).toBe(false);
    expect(fakeIO({ tty: true, noInput: true }).io.canPrompt).toBe(false);
    expect(fakeIO({ tty: true, env: { CI: 'true' } }).io.canPrompt).toBe(false);
  });

  it('askText without a terminal is exit 2 naming the missing argument, never a hang', async () => {
    const { askText } = await import('../../src/ui/prompt.js');
    await expect(askText(fakeIO().io, { message: 'Name', flag: '<name>' })).rejects.toMatchObject({ exitCode: 2, message: 'missing <name>' });
  });

  it('a delete without --yes and without a terminal is exit 2', async () => {
    const { assertCanConfirm, confirmOrYes } = await import('../../src/ui/prompt.js');
    expect(() => assertCanConfirm(fakeIO().io, false)).toThrow(/--yes|confirmation/);
    expect(() => assertCanConfirm(fakeIO().io, true)).not.toThrow();
    await expect(confirmOrYes(fakeIO().io, { message: 'sure?', yes: true })).resolves.toBe(true);
    await expect(confirmOrYes(fakeIO().io, { message: 'sure?', yes: false })).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('debug output', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
  it('is silent without --debug', () => {
    const { io, stderr } = fakeIO();
    io.debug(`token ${jwt}`);
    expect(stderr.text).toBe('');
  });

  it('masks JWTs, API keys, bearer tokens and secret fields', () => {
    const { io, stderr } = fakeIO({ debug: true });
    io.debug(`GET /rest/v1/rpc/x Authorization: Bearer ${jwt}`);
    io.debug(`apikey=sb_publishable_abcDEF123 {"refresh_token":"r3fr3sh","password":"hunter2"}`);
    io.debug(`POST /auth/v1/token?grant_type=password body access_token=${jwt}`);
    expect(stderr.text).not.toContain(jwt);
    expect(stderr.text).not.toContain('eyJ');
    expect(stderr.text).not.toContain('abcDEF123');
    expect(stderr.text).not.toContain('r3fr3sh');
    expect(stderr.text).not.toContain('hunter2');
    expect(stderr.text).toContain('[debug] GET /rest/v1/rpc/x');
    expect(stderr.text.trim().split('\n')).toHaveLength(3);
  });

  it('is on with SESSION_DEBUG=1', () => {
    expect(fakeIO({ env: { SESSION_DEBUG: '1' } }).io.debugEnabled).toBe(true);
  });
});
