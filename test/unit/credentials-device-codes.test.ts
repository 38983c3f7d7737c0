import { describe, expect, it } from 'vitest';
import {
  USER_CODE_ALPHABET,
  formatUserCode,
  hashDeviceCode,
  newDeviceCode,
  newUserCode,
  normalizeUserCode,
} from '../../supabase/functions/device-auth/codes.ts';

describe('device login codes', () => {
  it('user codes: 8 letters from the base-20 alphabet, without vowels or look-alike characters', () => {
    expect(USER_CODE_ALPHABET).toHaveLength(20);
    for (const ch of 'AEIOUY01') expect(USER_CODE_ALPHABET).not.toContain(ch);
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    for (let i = 0; i < 2_000; i += 1) {
      const code = newUserCode();
      expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      seen.add(code);
      for (const ch of code) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(seen.size).toBe(2_000);
    // 16,000 letters over 20 symbols: each near 800; a modulo bias would push some far off.
    for (const ch of USER_CODE_ALPHABET) expect(counts.get(ch)).toBeGreaterThan(650);
  });

  it('shows codes as ABCD-EFGH and reads them back however they are typed', () => {
    expect(formatUserCode('BCDFGHJK')).toBe('BCDF-GHJK');
    expect(normalizeUserCode('BCDF-GHJK')).toBe('BCDFGHJK');
    expect(normalizeUserCode('bcdf ghjk')).toBe('BCDFGHJK');
    expect(normalizeUserCode('bcdfghjk')).toBe('BCDFGHJK');
    expect(normalizeUserCode('BCDF-GHJ')).toBeNull();
    expect(normalizeUserCode('BCDF-GHJA')).toBeNull();
    expect(normalizeUserCode('BCDF-GHJ1')).toBeNull();
    expect(normalizeUserCode(12345678)).toBeNull();
  });

  it('device codes are long random secrets, stored only as SHA-256 hex', async () => {
    const code = newDeviceCode();
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newDeviceCode()).not.toBe(code);
    const hash = await hashDeviceCode(code);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashDeviceCode(code)).toBe(hash);
    expect(await hashDeviceCode('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
