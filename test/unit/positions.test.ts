import { describe, expect, it } from 'vitest';
import { anchorOf, checkPosition, checkPositive, moveSpecFrom } from '../../src/core/positions.js';
import { CliError } from '../../src/base/errors.js';
import { parsePosition } from '../../src/commands/runner.js';

describe('checkPosition', () => {
  it('accepts 1..n+1 to insert', () => {
    expect(() => checkPosition(8, 7, '--at')).not.toThrow();
    expect(() => checkPosition(1, 7, '--at')).not.toThrow();
    expect(() => checkPosition(1, 0, '--at')).not.toThrow();
  });

  it('names the valid range in the hint', () => {
    const err = thrown(() => checkPosition(9, 7, '--at'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('--at 9 is outside 1..8');
    expect(err.hint).toBe('use --at 1..8');
    expect(thrown(() => checkPosition(0, 7, '--at')).hint).toBe('use --at 1..8');
    expect(thrown(() => checkPosition(2, 0, '--at')).hint).toBe('use --at 1');
  });

  it('refuses 0 and negatives without knowing the count', () => {
    expect(thrown(() => checkPositive(0, '--at')).message).toBe('--at 0: positions start at 1');
    expect(thrown(() => checkPositive(-3, '--to')).exitCode).toBe(2);
  });
});

describe('parsePosition', () => {
  it('takes whole numbers only', () => {
    expect(parsePosition('3', '--at')).toBe(3);
    expect(parsePosition('0', '--at')).toBe(0);
    for (const bad of ['', 'x', '1.5', '2e1', ' ']) expect(thrown(() => parsePosition(bad, '--at')).exitCode).toBe(2);
  });
});

describe('moveSpecFrom', () => {
  it('needs exactly one destination', () => {
    expect(moveSpecFrom({ first: true })).toEqual({ first: true });
    expect(moveSpecFrom({ to: 2, first: false })).toEqual({ to: 2 });
    expect(thrown(() => moveSpecFrom({})).message).toBe('missing the new position');
    expect(thrown(() => moveSpecFrom({ to: 1, last: true })).code).toBe('invalid_move');
    expect(thrown(() => moveSpecFrom({ before: 'a', after: 'b' })).exitCode).toBe(2);
  });
});

describe('anchorOf', () => {
  it('names the module or video of --before and --after, as given', () => {
    expect(anchorOf({ before: ' Joins ' })).toEqual({ flag: 'before', ref: ' Joins ' });
    expect(anchorOf({ after: '0b9e' })).toEqual({ flag: 'after', ref: '0b9e' });
    expect(anchorOf({ to: 2 })).toBeUndefined();
    expect(anchorOf({ first: true })).toBeUndefined();
  });
});

function thrown(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('expected an error');
}
