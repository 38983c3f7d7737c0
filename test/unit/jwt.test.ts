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

describe('verifyJwt', async () => {
  const claims = { role: 'authenticated', sub: 'u1', exp: NOW + 60 };

  it('accepts an HS256 token signed with the secret', async () => {
    const result = await verifyJwt(await signJwt(claims, SECRET), SECRET, { nowSeconds: NOW });
    expect(result).toEqual({ ok: true, claims });
  });

  it('refuses alg none, with or without a signature', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, role: 'service_role' })}.`;
    expect((await verifyJwt(unsigned, SECRET, { nowSeconds: NOW })).ok).toBe(false);
    expect((await verifyJwt(handMade({ alg: 'none' }, claims), SECRET, { nowSeconds: NOW })).ok).toBe(false);
    expect((await verifyJwt(handMade({ alg: 'None' }, claims), SECRET, { nowSeconds: NOW })).ok).toBe(false);
  });

  it('refuses any algorithm but HS256, even over a valid HMAC-SHA256', async () => {
    for (const alg of ['HS384', 'HS512', 'RS256', 'ES256', 'hs256', '']) {
      const result = await verifyJwt(handMade({ alg, typ: 'JWT' }, claims), SECRET, { nowSeconds: NOW });
      expect(result.ok, alg).toBe(false);
    }
    expect((await verifyJwt(handMade({ typ: 'JWT' }, claims), SECRET, { nowSeconds: NOW })).ok).toBe(false);
  });

  it('refuses a token signed with another secret', async () => {
    const result = await verifyJwt(await signJwt(claims, 'b'.repeat(64)), SECRET, { nowSeconds: NOW });
    expect(result).toMatchObject({ ok: false, failure: { kind: 'signature' } });
  });

  it('refuses a token without a numeric exp: a token that never expires is not one this backend issues', async () => {
    const { exp: _exp, ...forever } = claims;
    expect(await verifyJwt(await signJwt(forever, SECRET), SECRET, { nowSeconds: NOW })).toMatchObject({ ok: false, failure: { kind: 'missing_exp' } });
    for (const exp of [String(NOW + 60), null, true, { n: 1 }]) {
      const result = await verifyJwt(await signJwt({ ...claims, exp }, SECRET), SECRET, { nowSeconds: NOW });
      expect(result, JSON.stringify(exp)).toMatchObject({ ok: false, failure: { kind: 'missing_exp' } });
    }
  });

  it('refuses an expired token, and honours the skew it is given', async () => {
    const token = await signJwt({ ...claims, exp: NOW - 10 }, SECRET);
    expect(await verifyJwt(token, SECRET, { nowSeconds: NOW })).toMatchObject({ ok: false, failure: { kind: 'expired' } });
    expect((await verifyJwt(token, SECRET, { nowSeconds: NOW, skewSeconds: 30 })).ok).toBe(true);
    expect((await verifyJwt(await signJwt({ ...claims, exp: NOW }, SECRET), SECRET, { nowSeconds: NOW })).ok).toBe(false);
  });

  it('accepts only the canonical spelling of a signature', async () => {
    const token = await signJwt(claims, SECRET);
    const [head, body, sig] = token.split('.') as [string, string, string];
    // 32 bytes are 43 base64url characters; the last carries 2 unused bits, so 4 spellings decode alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sig.at(-1)!);
    const twin = alphabet[last ^ 1]!;
    const variant = `${sig.slice(0, -1)}${twin}`;
    expect(Buffer.from(variant, 'base64url').equals(Buffer.from(sig, 'base64url'))).toBe(true);
    expect((await verifyJwt(`${head}.${body}.${variant}`, SECRET, { nowSeconds: NOW })).ok).toBe(false);
    expect((await verifyJwt(`${head}.${body}.${sig}=`, SECRET, { nowSeconds: NOW })).ok).toBe(false);
    expect((await verifyJwt(`${head}.${body}.${sig}!`, SECRET, { nowSeconds: NOW })).ok).toBe(false);
    expect((await verifyJwt(`${head}.${body}.`, SECRET, { nowSeconds: NOW })).ok).toBe(false);
  });

  it('refuses a token not yet valid or issued in the future, within the skew it is given', async () => {
    const early = await signJwt({ ...claims, nbf: NOW + 20 }, SECRET);
    expect(await verifyJwt(early, SECRET, { nowSeconds: NOW })).toMatchObject({ ok: false, failure: { kind: 'not_yet_valid', message: 'JWT not yet valid' } });
    expect((await verifyJwt(early, SECRET, { nowSeconds: NOW, skewSeconds: 30 })).ok).toBe(true);
    const future = await signJwt({ ...claims, iat: NOW + 20 }, SECRET);
    expect(await verifyJwt(future, SECRET, { nowSeconds: NOW })).toMatchObject({ ok: false, failure: { kind: 'issued_in_future' } });
    expect((await verifyJwt(future, SECRET, { nowSeconds: NOW, skewSeconds: 30 })).ok).toBe(true);
  });

  it('signs exactly as the header and claims read (the API keys of a data directory stay the same)', async () => {
    const keyClaims = { iss: 'supabase-local', role: 'anon', exp: 1983812996 };
    expect(await signJwt(keyClaims, SECRET)).toBe(handMade({ alg: 'HS256', typ: 'JWT' }, keyClaims));
  });

  it('refuses tokens that are not three parts of JSON', async () => {
    expect((await verifyJwt('abc', SECRET)).ok).toBe(false);
    expect((await verifyJwt('a.b.c.d', SECRET)).ok).toBe(false);
    expect((await verifyJwt(`${b64({ alg: 'HS256' })}.not-json.sig`, SECRET)).ok).toBe(false);
  });
});

describe('sameKey', async () => {
  it('matches the exact key only', async () => {
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
