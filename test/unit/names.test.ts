import { describe, expect, it } from 'vitest';
import { checkKey, checkName, findControlCharacter, MAX_NAME_LENGTH, nameProblem } from '../../src/core/names.js';
import { CliError } from '../../src/base/errors.js';

describe('checkName', () => {
  it('trims and keeps a good name', () => {
    expect(checkName('  Intro to SQL ', 'session')).toBe('Intro to SQL');
  });

  const bad: Array<[string, string | undefined, RegExp]> = [
    ['empty', '', /blank/],
    ['blank', '   \t ', /blank/],
    ['missing', undefined, /blank/],
    ['300 characters', 'x'.repeat(300), /300 characters long/],
  ];
  for (const [label, value, message] of bad) {
    it(`refuses a ${label} name with exit 2`, () => {
      const err = catchError(() => checkName(value, 'module'));
      expect(err.exitCode).toBe(2);
      expect(err.code).toBe('invalid_name');
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('\n');
    });
  }

  it('counts characters, not UTF-16 units or bytes, as PostgreSQL does', () => {
    expect(checkName('é'.repeat(MAX_NAME_LENGTH), 'session')).toHaveLength(MAX_NAME_LENGTH);
    expect(checkName('🎬'.repeat(MAX_NAME_LENGTH), 'session')).toHaveLength(MAX_NAME_LENGTH * 2);
    expect(() => checkName('🎬'.repeat(MAX_NAME_LENGTH + 1), 'session')).toThrow(/256 characters/);
  });

  it('doubles as a prompt validator', () => {
    expect(nameProblem('ok', 'session')).toBe(true);
    expect(nameProblem(' ', 'session')).toMatch(/blank/);
  });
});

describe('checkKey', () => {
  it('is optional, trimmed, never blank', () => {
    expect(checkKey(undefined)).toBeUndefined();
    expect(checkKey(' intro ')).toBe('intro');
    expect(catchError(() => checkKey('  ')).exitCode).toBe(2);
  });
});

function catchError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('control characters in names and keys', () => {
  const cases: Array<[string, string, string, number]> = [
    ['esc\u001b]0;title\u0007\u001b[2Jname', 'ESC', 'U+001B', 4],
    ['a\u0007', 'BEL', 'U+0007', 2],
    ['line\nbreak', 'LF', 'U+000A', 5],
    ['tab\there', 'TAB', 'U+0009', 4],
    ['del\u007f', 'DEL', 'U+007F', 4],
    ['c1\u009bx', 'CSI', 'U+009B', 3],
    ['nel\u0085', 'NEL', 'U+0085', 4],
    ['🎬\u001b', 'ESC', 'U+001B', 2],
  ];
  it.each(cases)('refuses %j naming %s, %s at position %d (exit 2, one line)', (value, name, code, position) => {
    const err = catchError(() => checkName(value, 'session'));
    expect(err.exitCode).toBe(2);
    expect(err.code).toBe('invalid_name');
    expect(err.message).toBe(`the session name contains a control character (${name}, ${code}) at position ${position}`);
    expect(findControlCharacter(value)).toEqual({ name, codePoint: code, position });
  });

  it('refuses a trailing newline instead of trimming it away', () => {
    expect(() => checkName('Intro\n', 'module')).toThrow(/\(LF, U\+000A\) at position 6/);
  });

  it('keeps accents, emoji, right-to-left text and U+00A0', () => {
    expect(checkName('Café — 学习 🎬 שלום\u00a0x', 'session')).toBe('Café — 学习 🎬 שלום\u00a0x');
  });

  it('refuses keys with control characters', () => {
    const err = catchError(() => checkKey('intro\u001b'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('the key contains a control character (ESC, U+001B) at position 6');
  });
});
