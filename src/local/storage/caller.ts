// Who a Storage request acts as. Storage verifies the bearer JWT itself (jose) and refuses a bad or expired one
// with 403; the role and `sub` then drive the database settings of every transaction (see database.ts).
import type { JwtFailure, JwtResult } from '../jwt.js';
import { callerFromClaims, type GatewayAuth } from '../service-contract.js';
import type { SqlCaller } from '../sql.js';
import { storageErrors, type StorageError } from './errors.js';

export interface StorageCaller extends SqlCaller {
  /** The raw JWT, stored in `request.jwt` as Storage does. */
  token: string;
  /** JWT `sub`, or '' (API keys have none). Becomes `owner_id`, and `owner` when it is a uuid. */
  sub: string;
}

/** jose's wording, which is what Storage puts in `message` for a refused token. */
export function joseMessage(failure: JwtFailure): string {
  switch (failure.kind) {
    case 'expired':
      return '"exp" claim timestamp check failed';
    case 'not_yet_valid':
      return '"nbf" claim timestamp check failed';
    case 'issued_in_future':
      return '"iat" claim timestamp check failed';
    case 'signature':
      return 'signature verification failed';
    case 'malformed':
      return 'Invalid Compact JWS';
    case 'missing_exp':
      return 'missing required "exp" claim';
  }
}

export type CallerResult = { ok: true; caller: StorageCaller } | { ok: false; error: StorageError };

export function callerFromToken(token: string | null, verified: JwtResult | null): CallerResult {
  if (token === null || verified === null) {
    return { ok: false, error: storageErrors.accessDenied('Invalid Compact JWS') };
  }
  if (!verified.ok) return { ok: false, error: storageErrors.accessDenied(joseMessage(verified.failure)) };
  const sub = typeof verified.claims.sub === 'string' ? verified.claims.sub : '';
  return { ok: true, caller: { ...callerFromClaims(verified.claims), token, sub } };
}

export function callerFromGateway(auth: GatewayAuth): CallerResult {
  return callerFromToken(auth.token, auth.verified);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `owner` is a uuid column: filled only when the subject is one (Storage does the same). */
export function ownerUuid(sub: string): string | null {
  return UUID.test(sub) ? sub : null;
}
