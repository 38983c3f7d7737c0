import { describe, expect, it } from 'vitest';
import { checkRef, isUuid, matchRef, pickCandidate } from '../../src/core/refs.js';
import { CliError } from '../../src/base/errors.js';

const A = '3f2a9c10-0000-4000-8000-000000000001';
const B = '3f2a9c11-0000-4000-8000-000000000002';
const C = '9c1e0b7a-0000-4000-8000-000000000003';

describe('checkRef', () => {
  it('takes full ids for every kind, names and keys for sessions', () => {
    expect(checkRef('module', A)).toBe(A);
    expect(checkRef('session', ' Intro to SQL ')).toBe('Intro to SQL');
    expect(checkRef('session', 'ab')).toBe('ab');
    expect(checkRef('module', '3f2a')).toBe('3f2a');
  });

  const bad: Array<[string, 'session' | 'module' | 'video', string | undefined, string]> = [
    ['blank session', 'session', '  ', 'missing_argument'],
    ['missing module', 'module', undefined, 'missing_argument'],
    ['3-character module prefix', 'module', '3f2', 'ref_too_short'],
    ['module name', 'module', 'Setup', 'invalid_ref'],
  ];
  for (const [label, kind, ref, code] of bad) {
    it(`refuses a ${label} with exit 2 before any request`, () => {
      const err = thrown(() => checkRef(kind, ref));
      expect(err.exitCode).toBe(2);
      expect(err.code).toBe(code);
    });
  }

  it('recognises uuids in any case', () => {
    expect(isUuid(A.toUpperCase())).toBe(true);
    expect(isUuid(A.slice(0, 35))).toBe(false);
  });
});

describe('pickCandidate', () => {
  it('returns the only match', () => {
    expect(pickCandidate('session', '3f2a9c10', [{ id: A, name: 'one' }])).toEqual({ id: A, name: 'one' });
  });

  it('treats the same row matched twice (by id prefix and by name) as one', () => {
    expect(pickCandidate('session', '3f2a', [{ id: A, name: '3f2a' }, { id: A, name: '3f2a' }]).id).toBe(A);
  });

  it('is exit 4 when nothing matches: missing and not-yours look the same', () => {
    const err = thrown(() => pickCandidate('session', 'nope', []));
    expect(err.exitCode).toBe(4);
    expect(err.message).toBe('no session "nope" (not found, or not yours)');
    expect(err.hint).toMatch(/session ls/);
    expect(err.hint).not.toMatch(/at least/);
  });

  it('says why a short id prefix found no session: it was taken as a name', () => {
    const err = thrown(() => pickCandidate('session', '3f2', []));
    expect(err.exitCode).toBe(4);
    expect(err.hint).toBe('an id prefix needs at least 4 characters; list your sessions with `session ls`');
  });

  it('is exit 2 listing the candidates, on one line and in the JSON details', () => {
    const err = thrown(() => pickCandidate('module', '3f2a', [{ id: A, name: 'Setup' }, { id: B, name: 'Joins' }]));
    expect(err.exitCode).toBe(2);
    expect(err.code).toBe('ambiguous_ref');
    expect(err.message).toBe('"3f2a" matches 2 modules: 3f2a9c10 (Setup), 3f2a9c11 (Joins)');
    expect(err.toJSON().error.details).toEqual({ candidates: [{ id: A, name: 'Setup' }, { id: B, name: 'Joins' }] });
  });

  it('shortens a long candidate list in the message but not in the details', () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ id: `3f2a${i}000-0000-4000-8000-000000000000`, name: `s${i}` }));
    const err = thrown(() => pickCandidate('session', '3f2a', many));
    expect(err.message).toMatch(/and 3 more$/);
    expect((err.details as { candidates: unknown[] }).candidates).toHaveLength(8);
  });
});

describe('matchRef (within fetched rows)', () => {
  const rows = [
    { id: A, name: 'Setup' },
    { id: B, name: 'Joins' },
    { id: C, name: 'Wrap-up' },
  ];
  it('matches a full id, a unique prefix, or an exact name', () => {
    expect(matchRef('module', A, rows).name).toBe('Setup');
    expect(matchRef('module', '9c1e', rows).name).toBe('Wrap-up');
    expect(matchRef('module', 'Joins', rows).id).toBe(B);
  });
  it('needs 4 characters for a prefix', () => {
    expect(thrown(() => matchRef('module', '9c1', rows)).exitCode).toBe(4);
  });
  it('is ambiguous (exit 2) on a shared prefix, unknown (exit 4) otherwise', () => {
    expect(thrown(() => matchRef('module', '3f2a9c1', rows)).exitCode).toBe(2);
    expect(thrown(() => matchRef('module', 'Intro', rows)).exitCode).toBe(4);
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
