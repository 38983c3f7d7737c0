// The local backend's JWT check (src/local/jwt.ts) and API-key comparison (src/local/gateway.ts): only HS256
// tokens signed with the project secret, in their canonical form, that expire.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwt, verifyJwt } from '../../src/local/jwt.js';
import { sameKey } from '../../src/local/gateway.js';

const SECRET = 'a'.repeat(64);
const NOW = 1_800_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function handMade(header: Record<string, unknown>, claims: Record<string, unknown>, secret = SECRET): string {
  const head = `${b64(header)}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

describe('verifyJwt', () => {
  const claims = { role: 'authenticated', sub: 'u1', exp: NOW + 60 };

  it('accepts an HS256 token signed with the secret', () => {
    const result = verifyJwt(signJwt(claims, SECRET), SECRET, { nowSeconds: NOW });
    expect(result).toEqual({ ok: true, claims });
  });

  it('refuses alg none, with or without a signature', () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, role: 'service_role' })}.`;
    expect(verifyJwt(unsigned, SECRET, { nowSeconds: NOW }).ok).toBe(false);
    expect(verifyJwt(handMade({ alg: 'none' }, claims), SECRET, { nowSeconds: NOW }).ok).toBe(false);
    expect(verifyJwt(handMade({ alg: 'None' }, claims), SECRET, { nowSeconds: NOW }).ok).toBe(false);
  });

  it('refuses any algorithm but HS256, even over a valid HMAC-SHA256', () => {
    for (const alg of ['HS384', 'HS512', 'RS256', 'ES256', 'hs256', '']) {
      const result = verifyJwt(handMade({ alg, typ: 'JWT' }, claims), SECRET, { nowSeconds: NOW });
      expect(result.ok, alg).toBe(false);
    }
    expect(verifyJwt(handMade({ typ: 'JWT' }, claims), SECRET, { nowSeconds: NOW }).ok).toBe(false);
  });

  it('refuses a token signed with another secret', () => {
    const result = verifyJwt(signJwt(claims, 'b'.repeat(64)), SECRET, { nowSeconds: NOW });
    expect(result).toMatchObject({ ok: false, failure: { kind: 'signature' } });
  });

  it('refuses a token without a numeric exp: a token that never expires is not one this backend issues', () => {
    const { exp: _exp, ...forever } = claims;
    expect(verifyJwt(signJwt(forever, SECRET), SECRET, { nowSeconds: NOW })).toMatchObject({ ok: false, failure: { kind: 'missing_exp' } });
    for (const exp of [String(NOW + 60), null, true, { n: 1 }]) {
      const result = verifyJwt(signJwt({ ...claims, exp }, SECRET), SECRET, { nowSeconds: NOW });
      expect(result, JSON.stringify(exp)).toMatchObject({ ok: false, failure: { kind: 'missing_exp' } });
    }
  });

  it('refuses an expired token, and honours the skew it is given', () => {
    const token = signJwt({ ...claims, exp: NOW - 10 }, SECRET);
    expect(verifyJwt(token, SECRET, { nowSeconds: NOW })).toMatchObject({ ok: false, failure: { kind: 'expired' } });
    expect(verifyJwt(token, SECRET, { nowSeconds: NOW, skewSeconds: 30 }).ok).toBe(true);
    expect(verifyJwt(signJwt({ ...claims, exp: NOW }, SECRET), SECRET, { nowSeconds: NOW }).ok).toBe(false);
  });

  it('accepts only the canonical spelling of a signature', () => {
    const token = signJwt(claims, SECRET);
    const [head, body, sig] = token.split('.') as [string, string, string];
    // 32 bytes are 43 base64url characters; the last carries 2 unused bits, so 4 spellings decode alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sig.at(-1)!);
    const twin = alphabet[last ^ 1]!;
    const variant = `${sig.slice(0, -1)}${twin}`;
    expect(Buffer.from(variant, 'base64url').equals(Buffer.from(sig, 'base64url'))).toBe(true);
    expect(verifyJwt(`${head}.${body}.${variant}`, SECRET, { nowSeconds: NOW }).ok).toBe(false);
    expect(verifyJwt(`${head}.${body}.${sig}=`, SECRET, { nowSeconds: NOW }).ok).toBe(false);
    expect(verifyJwt(`${head}.${body}.${sig}!`, SECRET, { nowSeconds: NOW }).ok).toBe(false);
    expect(verifyJwt(`${head}.${body}.`, SECRET, { nowSeconds: NOW }).ok).toBe(false);
  });

  it('refuses tokens that are not three parts of JSON', () => {
    expect(verifyJwt('abc', SECRET).ok).toBe(false);
    expect(verifyJwt('a.b.c.d', SECRET).ok).toBe(false);
    expect(verifyJwt(`${b64({ alg: 'HS256' })}.not-json.sig`, SECRET).ok).toBe(false);
  });
});

describe('sameKey', () => {
  it('matches the exact key only', () => {
    const key = 'sb_secret_0123456789abcdefghijklmnopqrstu';
    expect(sameKey(key, key)).toBe(true);
    expect(sameKey(`${key.slice(0, -1)}v`, key)).toBe(false);
    expect(sameKey(key.slice(0, -1), key)).toBe(false);
    expect(sameKey(`${key}x`, key)).toBe(false);
    expect(sameKey('', key)).toBe(false);
    expect(sameKey(null, key)).toBe(false);
    expect(sameKey(undefined, key)).toBe(false);
  });
});
