import { describe, expect, it } from 'vitest';
import { checkSessionType, moduleEntries, normalizePaths, SESSION_TYPES, type ModuleRow } from '../../src/core/content.js';

describe('checkSessionType', () => {
  it('accepts the known types as people type them and returns the stored spelling', () => {
    expect(checkSessionType(undefined)).toBeUndefined();
    expect(checkSessionType('self-paced')).toBe('Self-Paced');
    expect(checkSessionType('  linear   flow ')).toBe('Linear Flow');
    expect(checkSessionType('live_workshop')).toBe('Live Workshop');
    for (const t of SESSION_TYPES) expect(checkSessionType(t)).toBe(t);
  });

  it('refuses the rest with exit 2, listing the types', () => {
    expect(() => checkSessionType('Freestyle')).toThrowError(expect.objectContaining({ exitCode: 2, hint: expect.stringContaining('Branching Flow') }));
  });
});

describe('moduleEntries', () => {
  const row = (id: string, order_index: number): ModuleRow => ({
    id,
    user_id: 'u',
    session_id: 's',
    name: id,
    key: null,
    order_index,
    created_at: 't',
    updated_at: 't',
  });
  it('orders by order_index and numbers from 1, with a fixed field order', () => {
    const entries = moduleEntries([row('c', 2), row('a', 0), row('b', 1)]);
    expect(entries.map((e) => [e.id, e.position, e.order_index])).toEqual([
      ['a', 1, 0],
      ['b', 2, 1],
      ['c', 3, 2],
    ]);
    expect(Object.keys(entries[0]!)).toEqual(['id', 'user_id', 'session_id', 'name', 'key', 'position', 'order_index', 'created_at', 'updated_at']);
  });
});

describe('normalizePaths', () => {
  it('takes text[] or rows with a path', () => {
    expect(normalizePaths(['a/b', 'c/d'])).toEqual(['a/b', 'c/d']);
    expect(normalizePaths([{ path: 'a/b' }, { name: 'c/d' }, {}, '', null])).toEqual(['a/b', 'c/d']);
    expect(normalizePaths(null)).toEqual([]);
  });
});
