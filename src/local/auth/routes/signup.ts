// POST /auth/v1/signup
import { clientAddress } from '../../http.js';
import { withTransaction } from '../../transaction.js';
import type { AuthContext } from '../context.js';
import { AuthError, validationFailed } from '../errors.js';
import { clientInfo, isObject, readParams, type AuthRequest } from '../request.js';
import { json } from '../respond.js';
import { createSession } from '../sessions.js';
import { checkPasswordStrength, findUserByEmail, findUserById, insertUser, normaliseEmail } from '../users.js';

export async function signup(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { backend, db, crypto, limits } = ctx;
  const body = await readParams(request.req);
  const email = normaliseEmail(body.email);
  limits.signIn.take(`email:${email}`, clientAddress(request.req));
  const password = typeof body.password === 'string' ? body.password : '';
  if (!password) throw validationFailed('Signup requires a valid password');
  checkPasswordStrength(password, backend.settings.minimumPasswordLength);
  const userMetadata = isObject(body.data) ? body.data : {};
  const session = await withTransaction(db, async (tx) => {
    if (await findUserByEmail(tx, email)) throw new AuthError(422, 'user_already_exists', 'User already registered');
    const id = await insertUser(tx, crypto, {
      email,
      phone: null,
      password,
      emailConfirmed: true, // auth.email.enable_confirmations = false locally: users are confirmed at once
      phoneConfirmed: false,
      userMetadata,
    });
    const user = (await findUserById(tx, id))!;
    return createSession(tx, ctx.tokenSettings(), user, 'password', clientInfo(request.req));
  });
  json(request.req, request.res, 200, session);
}
