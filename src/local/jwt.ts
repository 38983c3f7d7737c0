// HS256 JSON Web Tokens, as the Supabase services sign and check them with the project's JWT secret.
// jose does the cryptography and the standard claim checks (alg, signature, exp, nbf); this module
// keeps the failure kinds and messages the services answer with, and the checks they make on top.
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';

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

const ALGORITHM = 'HS256';

/** One imported HMAC key per secret (a backend has one secret; tests a few). */
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

export async function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' }).sign(await keyFor(secret));
}

/** Whether a string has the shape of a JWT (three base64url parts), without checking anything else. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

export function decodeJwtUnverified(token: string): JwtClaims | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

const fail = (kind: JwtFailure['kind'], message: string): JwtResult => ({ ok: false, failure: { kind, message } as JwtFailure });

/** The wording of Supabase's services (GoTrue and Storage print jose's and golang-jwt's messages). */
const CRYPTO_FAILED = 'JWT cryptographic operation failed';

export async function verifyJwt(
  token: string,
  secret: string,
  options: { nowSeconds?: number; skewSeconds?: number } = {},
): Promise<JwtResult> {
  const nowSeconds = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const skew = options.skewSeconds ?? 0;
  const parts = token.split('.');
  if (parts.length !== 3) return fail('malformed', `Expected 3 parts in JWT; got ${parts.length}`);
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    return fail('malformed', CRYPTO_FAILED);
  }
  if (alg !== ALGORITHM) return fail('signature', 'No suitable key or wrong key type');
  // One spelling per signature: base64url decoders skip stray characters and ignore the spare bits
  // of the last one, so several texts would decode to the same bytes.
  const signature = parts[2]!;
  if (!/^[A-Za-z0-9_-]*$/.test(signature) || Buffer.from(signature, 'base64url').toString('base64url') !== signature) {
    return fail('signature', CRYPTO_FAILED);
  }
  let claims: JwtClaims;
  try {
    ({ payload: claims } = await jwtVerify(token, await keyFor(secret), {
      algorithms: [ALGORITHM],
      requiredClaims: ['exp'],
      clockTolerance: skew,
      currentDate: new Date(nowSeconds * 1000),
    }));
  } catch (err) {
    return failureOf(err);
  }
  if (typeof claims.iat === 'number' && nowSeconds + skew < claims.iat) return fail('issued_in_future', 'JWT issued at future');
  return { ok: true, claims };
}

function failureOf(err: unknown): JwtResult {
  if (err instanceof errors.JWSSignatureVerificationFailed) return fail('signature', CRYPTO_FAILED);
  if (err instanceof errors.JWTExpired) return fail('expired', 'JWT expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'exp') return fail('missing_exp', 'JWT has no numeric "exp" claim');
    if (err.claim === 'nbf' && err.reason === 'check_failed') return fail('not_yet_valid', 'JWT not yet valid');
    return fail('malformed', CRYPTO_FAILED);
  }
  if (err instanceof errors.JOSEError) return fail('malformed', CRYPTO_FAILED);
  throw err;
}
