import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliError, ExitCode, toCliError, usageError } from '../../src/base/errors.js';
import { fromPostgrestError } from '../../src/core/api.js';
import { reportError } from '../../src/cli.js';
import { CommanderError } from 'commander';

function captureStderr(): { text: () => string } {
  let out = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  return { text: () => out };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('reportError', () => {
  it('prints one line of error and one of hint, and returns the exit code', () => {
    const err = captureStderr();
    const code = reportError(usageError('--at 9 is outside 1..8', 'use --at 1..8', 'position_out_of_range'), { json: false, debug: false, noColor: true });
    expect(code).toBe(2);
    expect(err.text()).toBe('error: --at 9 is outside 1..8\nhint: use --at 1..8\n');
  });

  it('adds one JSON object with --json: code, message, hint, exit_code, and details when there are any', () => {
    const err = captureStderr();
    const details = { candidates: [{ id: 'a', name: 'x' }] };
    const code = reportError(new CliError('"ab12" matches 2 sessions', { code: 'ambiguous_ref', hint: 'use more characters', exitCode: ExitCode.usage, details }), {
      json: true,
      debug: false,
      noColor: true,
    });
    expect(code).toBe(2);
    const lines = err.text().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]!)).toEqual({
      error: { code: 'ambiguous_ref', message: '"ab12" matches 2 sessions', hint: 'use more characters', exit_code: 2, details },
    });
  });

  it('gives hint null in JSON when there is none', () => {
    expect(new CliError('x', { code: 'c', exitCode: 4 }).toJSON()).toEqual({ error: { code: 'c', message: 'x', hint: null, exit_code: 4 } });
  });

  it('turns commander usage errors into exit 2 with a help hint, and help into exit 0', () => {
    const err = captureStderr();
    expect(reportError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--nope'"), { json: false, debug: false, noColor: true })).toBe(2);
    expect(err.text()).toMatch(/^error: unknown option '--nope'\nhint: see `session --help`/);
    expect(reportError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), { json: false, debug: false, noColor: true })).toBe(0);
  });

  it('turns anything unexpected into exit 1 without a stack, and shows the stack (masked) only with --debug', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl';
    let err = captureStderr();
    expect(reportError(new Error(`boom with ${jwt}\nsecond line`), { json: false, debug: false, noColor: true })).toBe(1);
    expect(err.text()).not.toMatch(/at .*\.ts/);
    expect(err.text().split('\n')[0]).toContain('boom');
    vi.restoreAllMocks();
    err = captureStderr();
    reportError(new Error(`boom with ${jwt}`), { json: false, debug: true, noColor: true });
    expect(err.text()).toMatch(/at /);
    expect(err.text()).not.toContain(jwt);
  });

  it('masks keys and tokens an error carries, with and without --debug', () => {
    const secret = 'sb_secret_uFlf2296lg3bO1bElCAcWNOcWCIKYB';
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl';
    for (const debug of [false, true]) {
      vi.restoreAllMocks();
      const err = captureStderr();
      reportError(new Error(`request failed: apikey=${secret} refresh_token=abcdefgh123 ${jwt}`), { json: true, debug, noColor: true });
      expect(err.text()).toContain('request failed');
      expect(err.text()).not.toContain(secret);
      expect(err.text()).not.toContain('abcdefgh123');
      expect(err.text()).not.toContain(jwt);
    }
  });

  it('is plain when stderr is not a terminal', () => {
    const err = captureStderr();
    reportError(usageError('bad'), { json: false, debug: false, noColor: false });
    // vitest's stderr is not a TTY.
    expect(err.text()).not.toContain('\u001b[');
  });
});

describe('toCliError', () => {
  it('keeps CliErrors and wraps the rest as exit 1 with the first line', () => {
    const usage = usageError('x');
    expect(toCliError(usage)).toBe(usage);
    const wrapped = toCliError(new Error('first\nsecond'));
    expect(wrapped.exitCode).toBe(1);
    expect(wrapped.message).toBe('first');
  });
});

describe('fromPostgrestError', () => {
  const cases: Array<[string, number, string]> = [
    ['42501', 4, 'not_found'],
    ['PGRST116', 4, 'not_found'],
    ['23503', 4, 'not_found'],
    ['23505', 5, 'conflict'],
    ['23514', 2, 'invalid_input'],
    ['22023', 2, 'invalid_input'],
    ['P0001', 2, 'invalid_input'],
    ['PGRST301', 3, 'token_rejected'],
    ['PGRST202', 1, 'schema_mismatch'],
    ['XX000', 1, 'db_XX000'],
  ];
  for (const [code, exit, name] of cases) {
    it(`${code} → exit ${exit}`, () => {
      const err = fromPostgrestError({ code, message: 'm' });
      expect(err.exitCode).toBe(exit);
      expect(err.code).toBe(name);
    });
  }

  it('names the conflicting key', () => {
    expect(fromPostgrestError({ code: '23505', message: 'duplicate', details: 'Key (user_id, key)=(u, intro) already exists.' }).message).toBe(
      'user_id, key "u, intro" already exists',
    );
  });

  it('says which key is taken from the constraint name, as RLS hides the detail from authors', () => {
    const taken = fromPostgrestError({ code: '23505', message: 'duplicate key value violates unique constraint "modules_session_id_key_key"', details: null });
    expect(taken.message).toBe('this session already has a module with this key');
    expect(taken.hint).toBe('choose another key');
    const withDetail = fromPostgrestError({ code: '23505', message: 'duplicate key value violates unique constraint "sessions_user_id_key_key"', details: 'Key (user_id, key)=(u, intro) already exists.' });
    expect(withDetail.message).toBe('you already have a session with the key "intro"');
  });
});
