// Sessions, access tokens and refresh-token rotation (GoTrue v2.189 semantics, see supabase-wire §2.5-2.6).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { signJwt } from '../jwt.js';
import { AuthError } from './errors.js';
import { findUserById, userJson, type UserRow } from './users.js';

export interface TokenSettings {
  jwtSecret: string;
  /** Access-token lifetime, seconds. */
  jwtExpiry: number;
  refreshTokenReuseInterval: number;
  issuer: string;
}

export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

export interface SessionResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: Record<string, unknown>;
}

const REFRESH_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** GoTrue's legacy refresh-token format: 12 random lower-case alphanumerics. */
function newRefreshToken(): string {
  const bytes = randomBytes(12);
  let out = '';
  for (const b of bytes) out += REFRESH_ALPHABET[b % REFRESH_ALPHABET.length];
  return out;
}

async function amrOf(db: pg.PoolClient, sessionId: string): Promise<Array<{ method: string; timestamp: number }>> {
  const { rows } = await db.query<{ method: string; ts: string }>(
    `select authentication_method as method, extract(epoch from created_at)::bigint::text as ts
       from auth.mfa_amr_claims where session_id = $1 order by created_at desc`,
    [sessionId],
  );
  return rows.map((r) => ({ method: r.method, timestamp: Number(r.ts) }));
}

async function sessionResponse(
  db: pg.PoolClient,
  settings: TokenSettings,
  user: UserRow,
  sessionId: string,
  refreshToken: string,
): Promise<SessionResponse> {
  const { rows } = await db.query<{ aal: string | null }>('select aal::text as aal from auth.sessions where id = $1', [sessionId]);
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + settings.jwtExpiry;
  // Claim order as GoTrue writes it.
  const claims = {
    iss: settings.issuer,
    sub: user.id,
    aud: user.aud ?? 'authenticated',
    exp,
    iat,
    email: user.email ?? '',
    phone: user.phone ?? '',
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    role: user.role ?? 'authenticated',
    aal: rows[0]?.aal ?? 'aal1',
    amr: await amrOf(db, sessionId),
    session_id: sessionId,
    is_anonymous: user.is_anonymous ?? false,
  };
  return {
    access_token: await signJwt(claims, settings.jwtSecret),
    token_type: 'bearer',
    expires_in: settings.jwtExpiry,
    expires_at: exp,
    refresh_token: refreshToken,
    user: userJson(user),
  };
}

async function insertRefreshToken(db: pg.PoolClient, userId: string, sessionId: string, parent: string | null): Promise<string> {
  const token = newRefreshToken();
  await db.query(
    `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, parent, session_id, created_at, updated_at)
     values ('00000000-0000-0000-0000-000000000000', $1, $2, false, $3, $4, now(), now())`,
    [token, userId, parent, sessionId],
  );
  return token;
}

/** A new session for `user` signed in with `method` (password, otp, ...): its first refresh token and an access token. */
export async function createSession(
  db: pg.PoolClient,
  settings: TokenSettings,
  user: UserRow,
  method: string,
  client: ClientInfo,
): Promise<SessionResponse> {
  const { rows } = await db.query<{ id: string }>(
    `insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
     values (gen_random_uuid(), $1, now(), now(), 'aal1', $2, $3::inet) returning id`,
    [user.id, client.userAgent, normaliseIp(client.ip)],
  );
  const sessionId = rows[0]!.id;
  await db.query(
    `insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
     values (gen_random_uuid(), $1, now(), now(), $2)`,
    [sessionId, method],
  );
  const refreshToken = await insertRefreshToken(db, user.id, sessionId, null);
  await db.query('update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1', [user.id]);
  await db.query(
    `update auth.identities set last_sign_in_at = now(), updated_at = now() where user_id = $1 and provider = $2`,
    [user.id, user.email ? 'email' : 'phone'],
  );
  const fresh = (await findUserById(db, user.id))!;
  return sessionResponse(db, settings, fresh, sessionId, refreshToken);
}

interface RefreshTokenRow {
  id: string;
  token: string;
  user_id: string;
  revoked: boolean;
  parent: string | null;
  session_id: string | null;
  updated_at: Date;
}

/**
 * The refresh grant with rotation and reuse detection. Returns either a session or an error that must be
 * returned *after* committing (a family revocation sticks even though the request fails).
 */
export async function refreshTokenGrant(
  db: pg.PoolClient,
  settings: TokenSettings,
  presented: string,
): Promise<{ session: SessionResponse } | { error: AuthError }> {
  const { rows } = await db.query<RefreshTokenRow>(
    `select id::text, token, user_id, revoked, parent, session_id, updated_at
       from auth.refresh_tokens where token = $1 for update`,
    [presented],
  );
  const token = rows[0];
  const notFound = new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
  if (!token || !token.session_id) return { error: notFound };
  const user = await findUserById(db, token.user_id, true);
  if (!user) return { error: notFound };
  if (user.banned_until && user.banned_until.getTime() > Date.now()) {
    return { error: new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: User Banned') };
  }
  const session = await db.query<{ id: string }>('select id from auth.sessions where id = $1 for update', [token.session_id]);
  if (session.rowCount === 0) return { error: notFound };

  if (token.revoked) {
    const active = await db.query<RefreshTokenRow>(
      `select id::text, token, user_id, revoked, parent, session_id, updated_at from auth.refresh_tokens
        where session_id = $1 and revoked = false order by id desc limit 1`,
      [token.session_id],
    );
    const current = active.rows[0];
    if (current && current.parent === token.token) {
      // The client lost the previous answer: hand back the token that is active now.
      await touchSession(db, token.session_id);
      return { session: await sessionResponse(db, settings, user, token.session_id, current.token) };
    }
    const reusableUntil = token.updated_at.getTime() + settings.refreshTokenReuseInterval * 1000;
    if (Date.now() > reusableUntil) {
      await db.query(
        'update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and revoked = false',
        [token.session_id],
      );
      return { error: new AuthError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used') };
    }
  } else {
    await db.query('update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1', [token.id]);
  }
  const child = await insertRefreshToken(db, user.id, token.session_id, token.token);
  await touchSession(db, token.session_id);
  return { session: await sessionResponse(db, settings, user, token.session_id, child) };
}

async function touchSession(db: pg.PoolClient, sessionId: string): Promise<void> {
  await db.query('update auth.sessions set refreshed_at = now(), updated_at = now() where id = $1', [sessionId]);
}

/** Deletes sessions (and with them their refresh tokens) as /logout?scope= does. */
export async function logout(
  db: pg.PoolClient,
  userId: string,
  sessionId: string | null,
  scope: 'global' | 'local' | 'others',
): Promise<void> {
  let where: string;
  let params: unknown[];
  if (scope === 'global' || sessionId === null) {
    where = 'user_id = $1';
    params = [userId];
  } else if (scope === 'local') {
    where = 'user_id = $1 and id = $2';
    params = [userId, sessionId];
  } else {
    where = 'user_id = $1 and id <> $2';
    params = [userId, sessionId];
  }
  const { rows } = await db.query<{ id: string }>(`select id from auth.sessions where ${where}`, params);
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return;
  await db.query('delete from auth.refresh_tokens where session_id = any($1::uuid[])', [ids]);
  await db.query('delete from auth.mfa_amr_claims where session_id = any($1::uuid[])', [ids]);
  await db.query('delete from auth.sessions where id = any($1::uuid[])', [ids]);
}

function normaliseIp(ip: string | null): string | null {
  if (!ip) return null;
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
