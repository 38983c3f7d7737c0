// POST /auth/v1/token?grant_type=password|refresh_token
import { clientAddress } from '../../http.js';
import { withTransaction } from '../../transaction.js';
import type { AuthContext } from '../context.js';
import { OAuthError, badRequest, validationFailed } from '../errors.js';
import { clientInfo, readParams, type AuthRequest } from '../request.js';
import { json } from '../respond.js';
import { createSession, refreshTokenGrant } from '../sessions.js';
import { findUserByEmail, findUserByPhone } from '../users.js';

export async function token(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const grantType = request.query.get('grant_type');
  if (grantType === 'password') return passwordGrant(ctx, request);
  if (grantType === 'refresh_token') return refreshGrant(ctx, request);
  throw badRequest('invalid_credentials', 'unsupported_grant_type');
}

async function passwordGrant(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { db, crypto, limits } = ctx;
  const body = await readParams(request.req);
  const email = typeof body.email === 'string' ? body.email : '';
  const phone = typeof body.phone === 'string' ? body.phone : '';
  limits.signIn.take(email ? `email:${email.trim().toLowerCase()}` : `phone:${phone.trim()}`, clientAddress(request.req));
  const password = typeof body.password === 'string' ? body.password : '';
  if (email && phone) throw validationFailed('Only an email address or phone number should be provided on login.');
  if (!email && !phone) throw validationFailed('missing email or phone');
  const invalid = badRequest('invalid_credentials', 'Invalid login credentials');
  const session = await withTransaction(db, async (tx) => {
    const user = email ? await findUserByEmail(tx, email) : await findUserByPhone(tx, phone);
    if (!user || !user.encrypted_password) throw invalid;
    if (user.banned_until && user.banned_until.getTime() > Date.now()) throw badRequest('user_banned', 'User is banned');
    const { rows } = await tx.query<{ ok: boolean }>(
      `select ${crypto}.crypt($1::text, encrypted_password) = encrypted_password as ok from auth.users where id = $2`,
      [password, user.id],
    );
    if (!rows[0]?.ok) throw invalid;
    if (email && !user.email_confirmed_at) throw badRequest('email_not_confirmed', 'Email not confirmed');
    if (phone && !user.phone_confirmed_at) throw badRequest('phone_not_confirmed', 'Phone not confirmed');
    return createSession(tx, ctx.tokenSettings(), user, 'password', clientInfo(request.req));
  });
  json(request.req, request.res, 200, session);
}

async function refreshGrant(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { db, limits } = ctx;
  limits.tokenRefresh.take(clientAddress(request.req));
  const body = await readParams(request.req);
  const presented = typeof body.refresh_token === 'string' ? body.refresh_token : '';
  if (presented === '') throw new OAuthError('invalid_request', 'refresh_token required');
  if (presented.length < 12) throw validationFailed('Refresh token is not valid');
  const outcome = await withTransaction(db, (tx) => refreshTokenGrant(tx, ctx.tokenSettings(), presented));
  if ('error' in outcome) throw outcome.error;
  json(request.req, request.res, 200, outcome.session);
}
