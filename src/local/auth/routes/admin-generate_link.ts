// POST /auth/v1/admin/generate_link?redirect_to=
import { withTransaction } from '../../transaction.js';
import { requireAdmin } from '../caller.js';
import type { AuthContext } from '../context.js';
import { AuthError, validationFailed } from '../errors.js';
import { allowedRedirect, issueLinkToken, type LinkType } from '../links.js';
import { isObject, readParams, type AuthRequest } from '../request.js';
import { json } from '../respond.js';
import { checkPasswordStrength, findUserByEmail, findUserById, insertUser, normaliseEmail, userJson } from '../users.js';

export async function adminGenerateLink(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { backend, db, crypto } = ctx;
  requireAdmin(request);
  const body = await readParams(request.req);
  const requestedType = typeof body.type === 'string' ? body.type : '';
  if (!['signup', 'invite', 'magiclink', 'recovery'].includes(requestedType)) {
    throw validationFailed(`Invalid email action link type requested: ${requestedType}`);
  }
  const email = normaliseEmail(body.email);
  const redirectTo = allowedRedirect(
    backend.settings.siteUrl,
    request.query.get('redirect_to') ?? (typeof body.redirect_to === 'string' ? body.redirect_to : null),
  );
  const userMetadata = isObject(body.data) ? body.data : {};
  const result = await withTransaction(db, async (tx) => {
    let type = requestedType as LinkType;
    let user = await findUserByEmail(tx, email);
    if (type === 'magiclink' && !user) type = 'signup';
    if (type === 'recovery' && !user) throw new AuthError(404, 'user_not_found', 'User with this email not found');
    if (type === 'invite') {
      if (user?.email_confirmed_at) throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
      if (!user) {
        const id = await insertUser(tx, crypto, { email, phone: null, emailConfirmed: false, phoneConfirmed: false, invited: true, userMetadata });
        user = await findUserById(tx, id);
      }
    }
    if (type === 'signup') {
      if (user?.email_confirmed_at) throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
      const password = typeof body.password === 'string' && body.password !== '' ? body.password : null;
      if (requestedType === 'signup') {
        if (!password) throw validationFailed('Signup requires a valid password');
        checkPasswordStrength(password, backend.settings.minimumPasswordLength);
      }
      if (!user) {
        const id = await insertUser(tx, crypto, { email, phone: null, password, emailConfirmed: false, phoneConfirmed: false, userMetadata });
        user = await findUserById(tx, id);
      }
    }
    const { otp, hash } = await issueLinkToken(tx, user!, type);
    return { user: (await findUserById(tx, user!.id))!, type, otp, hash };
  });
  const link = new URL(`${backend.url()}/auth/v1/verify`);
  link.searchParams.set('token', result.hash);
  link.searchParams.set('type', result.type);
  link.searchParams.set('redirect_to', redirectTo);
  json(request.req, request.res, 200, {
    ...userJson(result.user),
    action_link: link.toString(),
    email_otp: result.otp,
    hashed_token: result.hash,
    verification_type: result.type,
    redirect_to: redirectTo,
  });
}
