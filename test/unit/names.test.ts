import { describe, expect, it } from 'vitest';
import { checkKey, checkName, MAX_NAME_LENGTH, nameProblem } from '../../src/core/names.js';
import { CliError } from '../../src/core/errors.js';

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
