// GET  /auth/v1/verify?token=&type=&redirect_to=   (the email link: redirects with the session or the error in the fragment)
// POST /auth/v1/verify                             (token_hash and type, or email and token)
import { clientAddress } from '../../http.js';
import { withTransaction } from '../../transaction.js';
import type { AuthContext } from '../context.js';
import { AuthError, validationFailed } from '../errors.js';
import { allowedRedirect, redeemLinkToken, tokenHash } from '../links.js';
import { clientInfo, readParams, type AuthRequest } from '../request.js';
import { json, redirect } from '../respond.js';
import { createSession } from '../sessions.js';
import { normaliseEmail } from '../users.js';

export async function verifyPost(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { db, limits } = ctx;
  limits.verify.take(clientAddress(request.req));
  const body = await readParams(request.req);
  const type = typeof body.type === 'string' ? body.type : '';
  const hashGiven = typeof body.token_hash === 'string' && body.token_hash !== '';
  let hash: string;
  let expiredMessage: string;
  if (hashGiven) {
    if (body.email || body.phone || request.query.get('redirect_to') || body.redirect_to) {
      throw validationFailed('Only the token_hash and type should be provided');
    }
    hash = body.token_hash as string;
    expiredMessage = 'Email link is invalid or has expired';
  } else if (typeof body.token === 'string' && body.token !== '' && typeof body.email === 'string') {
    const email = normaliseEmail(body.email);
    hash = tokenHash(email, body.token);
    expiredMessage = 'Token has expired or is invalid';
  } else {
    throw validationFailed('Verify requires either a token or a token hash');
  }
  const session = await withTransaction(db, async (tx) => {
    const user = await redeemLinkToken(tx, type, hash, expiredMessage);
    if (user.banned_until && user.banned_until.getTime() > Date.now()) throw new AuthError(403, 'user_banned', 'User is banned');
    return createSession(tx, ctx.tokenSettings(), user, 'otp', clientInfo(request.req));
  });
  json(request.req, request.res, 200, session);
}

export async function verifyGet(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { backend, db, limits } = ctx;
  limits.verify.take(clientAddress(request.req));
  const type = request.query.get('type') ?? '';
  const hash = request.query.get('token') ?? '';
  const redirectTo = allowedRedirect(backend.settings.siteUrl, request.query.get('redirect_to'));
  try {
    if (!hash) throw validationFailed('Verify requires a token or a token hash');
    const session = await withTransaction(db, async (tx) => {
      const user = await redeemLinkToken(tx, type, hash, 'Email link is invalid or has expired');
      return createSession(tx, ctx.tokenSettings(), user, 'otp', clientInfo(request.req));
    });
    const fragment = new URLSearchParams({
      access_token: session.access_token,
      expires_at: String(session.expires_at),
      expires_in: String(session.expires_in),
      refresh_token: session.refresh_token,
      sb: '',
      token_type: 'bearer',
      type,
    });
    redirect(request.res, `${redirectTo}#${fragment.toString()}`);
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    const fragment = new URLSearchParams({
      error: err.status >= 500 ? 'server_error' : 'access_denied',
      error_code: err.code,
      error_description: err.message,
      sb: '',
    });
    redirect(request.res, `${redirectTo}#${fragment.toString()}`);
  }
}
