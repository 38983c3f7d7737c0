import { describe, expect, it } from 'vitest';
import { checkPosition, checkPositive, moveSpecFrom, targetIndex, type MoveSpec } from '../../src/core/positions.js';
import { CliError } from '../../src/base/errors.js';
import { parsePosition } from '../../src/commands/runner.js';

describe('checkPosition', () => {
  it('accepts 1..n+1 to insert and 1..n to move', () => {
    expect(() => checkPosition(8, 7, 'insert', '--at')).not.toThrow();
    expect(() => checkPosition(1, 0, 'insert', '--at')).not.toThrow();
    expect(() => checkPosition(7, 7, 'move', '--to')).not.toThrow();
  });

  it('names the valid range in the hint', () => {
    const err = thrown(() => checkPosition(9, 7, 'insert', '--at'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('--at 9 is outside 1..8');
    expect(err.hint).toBe('use --at 1..8');
    expect(thrown(() => checkPosition(8, 7, 'move', '--to')).hint).toBe('use --to 1..7');
    expect(thrown(() => checkPosition(0, 7, 'move', '--to')).hint).toBe('use --to 1..7');
    expect(thrown(() => checkPosition(2, 0, 'insert', '--at')).hint).toBe('use --at 1');
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

describe('targetIndex', () => {
  const order = ['a', 'b', 'c', 'd'];
  const cases: Array<[string, string, MoveSpec, string | undefined, string[]]> = [
    ['last to first', 'd', { first: true }, undefined, ['d', 'a', 'b', 'c']],
    ['first to last', 'a', { last: true }, undefined, ['b', 'c', 'd', 'a']],
    ['--to 2', 'd', { to: 2 }, undefined, ['a', 'd', 'b', 'c']],
    ['--to its own place', 'b', { to: 2 }, undefined, ['a', 'b', 'c', 'd']],
    ['before a later one', 'a', { before: 'c' }, 'c', ['b', 'a', 'c', 'd']],
    ['before an earlier one', 'd', { before: 'b' }, 'b', ['a', 'd', 'b', 'c']],
    ['after a later one', 'a', { after: 'c' }, 'c', ['b', 'c', 'a', 'd']],
    ['after an earlier one', 'd', { after: 'a' }, 'a', ['a', 'd', 'b', 'c']],
    ['after the last', 'b', { after: 'd' }, 'd', ['a', 'c', 'd', 'b']],
    ['before its successor (no change)', 'b', { before: 'c' }, 'c', ['a', 'b', 'c', 'd']],
  ];
  for (const [label, moving, spec, anchor, expected] of cases) {
    it(label, () => {
      const index = targetIndex(order, moving, spec, anchor);
      const rest = order.filter((id) => id !== moving);
      rest.splice(index, 0, moving);
      expect(rest).toEqual(expected);
    });
  }

  it('range-checks --to against the count', () => {
    expect(thrown(() => targetIndex(order, 'a', { to: 5 }, undefined)).hint).toBe('use --to 1..4');
  });

  it('refuses to move relative to itself', () => {
    expect(thrown(() => targetIndex(order, 'b', { after: 'b' }, 'b')).exitCode).toBe(2);
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
