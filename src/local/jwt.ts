// HS256 JSON Web Tokens, as the Supabase services sign and check them with the project's JWT secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

export type JwtFailure =
  | { kind: 'malformed'; message: string }
  | { kind: 'signature'; message: string }
  | { kind: 'expired'; message: string }
  | { kind: 'not_yet_valid'; message: string }
  | { kind: 'issued_in_future'; message: string }
  /** No numeric `exp`: every token this backend issues expires, so one that never does is refused. */
  | { kind: 'missing_exp'; message: string };

export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; failure: JwtFailure };

/** PostgREST tolerates this much clock skew on exp/nbf/iat; GoTrue and Storage none. */
export const POSTGREST_CLOCK_SKEW_SECONDS = 30;

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function hmac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

export function signJwt(claims: JwtClaims, secret: string): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify(claims));
  const signature = base64url(hmac(secret, `${header}.${payload}`));
  return `${header}.${payload}.${signature}`;
}

/** Whether a string has the shape of a JWT (three base64url parts), without checking anything else. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

export function decodeJwtUnverified(token: string): JwtClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as JwtClaims) : null;
  } catch {
    return null;
  }
}

export function verifyJwt(
  token: string,
  secret: string,
  options: { nowSeconds?: number; skewSeconds?: number } = {},
): JwtResult {
  const nowSeconds = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const skew = options.skewSeconds ?? 0;
  const parts = token.split('.');
  if (parts.length !== 3) {
    return { ok: false, failure: { kind: 'malformed', message: `Expected 3 parts in JWT; got ${parts.length}` } };
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, failure: { kind: 'malformed', message: 'JWT cryptographic operation failed' } };
  }
  if (header === null || typeof header !== 'object' || (header as { alg?: unknown }).alg !== 'HS256') {
    return { ok: false, failure: { kind: 'signature', message: 'No suitable key or wrong key type' } };
  }
  // Compared as text in its one canonical encoding (Node's base64url decoder skips stray characters, so
  // comparing decoded bytes would accept many spellings of one signature), in constant time.
  const expected = Buffer.from(base64url(hmac(secret, `${headerPart}.${payloadPart}`)));
  const given = Buffer.from(signaturePart);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, failure: { kind: 'signature', message: 'JWT cryptographic operation failed' } };
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    return { ok: false, failure: { kind: 'malformed', message: 'JWT cryptographic operation failed' } };
  }
  const c = claims as JwtClaims;
  if (typeof c.exp !== 'number' || !Number.isFinite(c.exp)) {
    return { ok: false, failure: { kind: 'missing_exp', message: 'JWT has no numeric "exp" claim' } };
  }
  if (nowSeconds - skew >= c.exp) {
    return { ok: false, failure: { kind: 'expired', message: 'JWT expired' } };
  }
  if (typeof c.nbf === 'number' && nowSeconds + skew < c.nbf) {
    return { ok: false, failure: { kind: 'not_yet_valid', message: 'JWT not yet valid' } };
  }
  if (typeof c.iat === 'number' && nowSeconds + skew < c.iat) {
    return { ok: false, failure: { kind: 'issued_in_future', message: 'JWT issued at future' } };
  }
  return { ok: true, claims: c };
}
