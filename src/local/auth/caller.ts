// Who is calling: GoTrue's checks of the bearer JWT, the signed-in user behind it, and the admin roles.
import type pg from 'pg';
import { headerValue } from '../http.js';
import type { JwtClaims } from '../jwt.js';
import { AuthError, validationFailed } from './errors.js';
import type { AuthRequest } from './request.js';
import { findUserById, isUuid, type UserRow } from './users.js';

const ADMIN_ROLES = new Set(['service_role', 'supabase_admin']);

/** GoTrue's requireAuthentication plus the user (and session) lookup. */
export async function requireUser(db: pg.Pool, request: AuthRequest): Promise<{ user: UserRow; claims: JwtClaims }> {
  const claims = requireJwt(request);
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim');
  if (claims.aud !== undefined && claims.aud !== 'authenticated' && !(Array.isArray(claims.aud) && claims.aud.includes('authenticated'))) {
    throw validationFailed("Token audience doesn't match request audience");
  }
  const user = await findUserById(db, claims.sub);
  if (!user) throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
  if (typeof claims.session_id === 'string' && claims.session_id !== '') {
    const { rowCount } = await db.query('select 1 from auth.sessions where id = $1', [
      isUuid(claims.session_id) ? claims.session_id : '00000000-0000-0000-0000-000000000000',
    ]);
    if (!rowCount) throw new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
  }
  return { user, claims };
}

export function requireJwt(request: AuthRequest): JwtClaims {
  const { auth } = request;
  const hasBearer = /^Bearer\s+\S/i.test(headerValue(request.req.headers, 'authorization') ?? '');
  if (!auth.token || (!hasBearer && !auth.apiKey)) {
    throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
  }
  const verified = auth.verified!;
  if (!verified.ok) {
    const reason =
      verified.failure.kind === 'expired'
        ? 'token has invalid claims: token is expired'
        : verified.failure.kind === 'malformed'
          ? 'token is malformed: could not JSON decode claim'
          : verified.failure.kind === 'signature'
            ? 'token signature is invalid: signature is invalid'
            : verified.failure.kind === 'missing_exp'
              ? 'token has invalid claims: token is missing required claim: exp claim is required'
              : 'token has invalid claims: token used before issued';
    throw new AuthError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${reason}`);
  }
  return verified.claims;
}

export function requireAdmin(request: AuthRequest): void {
  const claims = requireJwt(request);
  if (typeof claims.role !== 'string' || !ADMIN_ROLES.has(claims.role)) throw new AuthError(403, 'not_admin', 'User not allowed');
}
