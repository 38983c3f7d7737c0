// /auth/v1: the subset of Supabase Auth (GoTrue) that auth-js and this project use.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import { BodyTooLargeError, clientAddress, headerValue, readBody, sendEmpty, sendJson } from '../http.js';
import type { JwtClaims } from '../jwt.js';
import type { BackendContext, BackendService, ServiceRequest } from '../service-contract.js';
import { withTransaction } from '../transaction.js';
import { AuthError, OAuthError, badRequest, sendAuthError, validationFailed, versionHeaders } from './errors.js';
import { issueLinkToken, redeemLinkToken, tokenHash, type LinkType } from './links.js';
import { RateLimiter, SignInLimiter } from './rate-limit.js';
import { createSession, logout, refreshTokenGrant, type ClientInfo, type TokenSettings } from './sessions.js';
import {
  checkPasswordStrength,
  findUserByEmail,
  findUserById,
  findUserByPhone,
  insertUser,
  isUuid,
  mergeMetadata,
  normaliseEmail,
  parseBanDuration,
  userJson,
  type UserRow,
} from './users.js';

const ADMIN_ROLES = new Set(['service_role', 'supabase_admin']);
/** Routes the gateway leaves open (email links are clicked in a browser without any key). */
const OPEN_PATHS = new Set(['/verify', '/callback', '/authorize', '/health', '/.well-known/jwks.json']);

type Body = Record<string, unknown>;

interface AuthRequest extends ServiceRequest {
  query: URLSearchParams;
}

export async function authService(backend: BackendContext): Promise<BackendService> {
  const db = backend.admin;
  const crypto = await pgcryptoSchema(db);
  const limits = {
    signIn: new SignInLimiter(backend.settings.rateLimits.signIn),
    tokenRefresh: new RateLimiter(backend.settings.rateLimits.tokenRefresh),
    verify: new RateLimiter(backend.settings.rateLimits.verify),
  };
  const tokenSettings = (): TokenSettings => ({
    jwtSecret: backend.jwtSecret,
    jwtExpiry: backend.settings.jwtExpiry,
    refreshTokenReuseInterval: backend.settings.refreshTokenReuseInterval,
    issuer: `${backend.url()}/auth/v1`,
  });

  async function handle(request: AuthRequest): Promise<void> {
    const { method, path, req, res } = request;
    const route = path.replace(/\/+$/, '') || '/';
    if (route === '/health' && method === 'GET') {
      return json(req, res, 200, { version: 'local', name: 'GoTrue', description: 'GoTrue is a user registration and authentication API' });
    }
    if (route === '/settings' && method === 'GET') return json(req, res, 200, settingsBody());
    if (route === '/.well-known/jwks.json' && method === 'GET') return json(req, res, 200, { keys: [] });
    if (route === '/token' && method === 'POST') return token(request);
    if (route === '/signup' && method === 'POST') return signup(request);
    if (route === '/verify' && (method === 'GET' || method === 'POST')) return verify(request);
    if (route === '/user' && method === 'GET') return getUser(request);
    if (route === '/logout' && method === 'POST') return logoutRoute(request);
    if (route === '/admin/users' && method === 'GET') return adminListUsers(request);
    if (route === '/admin/users' && method === 'POST') return adminCreateUser(request);
    if (route === '/admin/generate_link' && method === 'POST') return adminGenerateLink(request);
    const userRoute = route.match(/^\/admin\/users\/([^/]+)$/);
    if (userRoute) {
      const id = decodeURIComponent(userRoute[1]!);
      if (method === 'GET') return adminGetUser(request, id);
      if (method === 'PUT') return adminUpdateUser(request, id);
      if (method === 'DELETE') return adminDeleteUser(request, id);
    }
    throw new AuthError(404, 'not_found', 'Not Found');
  }

  // --- token grants ---------------------------------------------------------------------------

  async function token(request: AuthRequest): Promise<void> {
    const grantType = request.query.get('grant_type');
    if (grantType === 'password') return passwordGrant(request);
    if (grantType === 'refresh_token') return refreshGrant(request);
    throw badRequest('invalid_credentials', 'unsupported_grant_type');
  }

  async function passwordGrant(request: AuthRequest): Promise<void> {
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
      return createSession(tx, tokenSettings(), user, 'password', clientInfo(request.req));
    });
    json(request.req, request.res, 200, session);
  }

  async function refreshGrant(request: AuthRequest): Promise<void> {
    limits.tokenRefresh.take(clientAddress(request.req));
    const body = await readParams(request.req);
    const presented = typeof body.refresh_token === 'string' ? body.refresh_token : '';
    if (presented === '') throw new OAuthError('invalid_request', 'refresh_token required');
    if (presented.length < 12) throw validationFailed('Refresh token is not valid');
    const outcome = await withTransaction(db, (tx) => refreshTokenGrant(tx, tokenSettings(), presented));
    if ('error' in outcome) throw outcome.error;
    json(request.req, request.res, 200, outcome.session);
  }

  async function signup(request: AuthRequest): Promise<void> {
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
      return createSession(tx, tokenSettings(), user, 'password', clientInfo(request.req));
    });
    json(request.req, request.res, 200, session);
  }

  // --- email links ---------------------------------------------------------------------------

  async function verify(request: AuthRequest): Promise<void> {
    limits.verify.take(clientAddress(request.req));
    if (request.method === 'GET') return verifyGet(request);
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
      return createSession(tx, tokenSettings(), user, 'otp', clientInfo(request.req));
    });
    json(request.req, request.res, 200, session);
  }

  async function verifyGet(request: AuthRequest): Promise<void> {
    const type = request.query.get('type') ?? '';
    const hash = request.query.get('token') ?? '';
    const redirectTo = allowedRedirect(request.query.get('redirect_to'));
    try {
      if (!hash) throw validationFailed('Verify requires a token or a token hash');
      const session = await withTransaction(db, async (tx) => {
        const user = await redeemLinkToken(tx, type, hash, 'Email link is invalid or has expired');
        return createSession(tx, tokenSettings(), user, 'otp', clientInfo(request.req));
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

  // --- the signed-in user --------------------------------------------------------------------

  async function getUser(request: AuthRequest): Promise<void> {
    const { user } = await requireUser(request);
    json(request.req, request.res, 200, userJson(user));
  }

  async function logoutRoute(request: AuthRequest): Promise<void> {
    const scope = request.query.get('scope') || 'global';
    if (scope !== 'global' && scope !== 'local' && scope !== 'others') throw validationFailed('Unsupported logout scope');
    const { user, claims } = await requireUser(request);
    const sessionId = typeof claims.session_id === 'string' && isUuid(claims.session_id) ? claims.session_id : null;
    await withTransaction(db, (tx) => logout(tx, user.id, sessionId, scope));
    sendEmpty(request.res, 204, versionHeaders(request.req));
  }

  /** GoTrue's requireAuthentication plus the user (and session) lookup. */
  async function requireUser(request: AuthRequest): Promise<{ user: UserRow; claims: JwtClaims }> {
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

  function requireJwt(request: AuthRequest): JwtClaims {
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

  function requireAdmin(request: AuthRequest): void {
    const claims = requireJwt(request);
    if (typeof claims.role !== 'string' || !ADMIN_ROLES.has(claims.role)) throw new AuthError(403, 'not_admin', 'User not allowed');
  }

  // --- admin ---------------------------------------------------------------------------------

  async function adminListUsers(request: AuthRequest): Promise<void> {
    requireAdmin(request);
    const page = Math.max(1, Number.parseInt(request.query.get('page') ?? '1', 10) || 1);
    const perPage = Math.min(1000, Math.max(1, Number.parseInt(request.query.get('per_page') ?? '50', 10) || 50));
    const total = await db.query<{ n: string }>(`select count(*)::text as n from auth.users where instance_id = $1 and aud = 'authenticated'`, [
      '00000000-0000-0000-0000-000000000000',
    ]);
    const { rows } = await db.query<{ id: string }>(
      `select id from auth.users where instance_id = $1 and aud = 'authenticated' order by created_at desc, id limit $2 offset $3`,
      ['00000000-0000-0000-0000-000000000000', perPage, (page - 1) * perPage],
    );
    const users: Record<string, unknown>[] = [];
    for (const { id } of rows) {
      const user = await findUserById(db, id);
      if (user) users.push(userJson(user));
    }
    const count = Number(total.rows[0]?.n ?? 0);
    const lastPage = Math.max(1, Math.ceil(count / perPage));
    const base = `${backend.url()}/auth/v1/admin/users`;
    const links: string[] = [];
    if (page < lastPage) links.push(`<${base}?page=${page + 1}&per_page=${perPage}>; rel="next"`);
    links.push(`<${base}?page=${lastPage}&per_page=${perPage}>; rel="last"`);
    json(request.req, request.res, 200, { users, aud: 'authenticated' }, { 'X-Total-Count': String(count), Link: links.join(', ') });
  }

  async function adminCreateUser(request: AuthRequest): Promise<void> {
    requireAdmin(request);
    const body = await readParams(request.req);
    const email = body.email === undefined || body.email === null || body.email === '' ? null : normaliseEmail(body.email);
    const phone = typeof body.phone === 'string' && body.phone !== '' ? body.phone.replace(/[^0-9]/g, '') : null;
    if (!email && !phone) throw validationFailed('Unable to validate email address: invalid format');
    if (body.password && body.password_hash) throw validationFailed('Only a password or a password hash should be provided');
    if (body.id !== undefined && !isUuid(body.id)) throw validationFailed('ID must conform to the uuid v4 format');
    const password = typeof body.password === 'string' && body.password !== '' ? body.password : null;
    if (password !== null) checkPasswordStrength(password, backend.settings.minimumPasswordLength);
    let bannedUntil: Date | null = null;
    if (typeof body.ban_duration === 'string') {
      const seconds = parseBanDuration(body.ban_duration);
      bannedUntil = seconds === null ? null : new Date(Date.now() + seconds * 1000);
    }
    const user = await withTransaction(db, async (tx) => {
      if (email && (await findUserByEmail(tx, email))) {
        throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
      }
      if (phone && (await findUserByPhone(tx, phone))) {
        throw new AuthError(422, 'phone_exists', 'A user with this phone number has already been registered');
      }
      const id = await insertUser(tx, crypto, {
        id: isUuid(body.id) ? body.id : undefined,
        email,
        phone,
        password,
        passwordHash: typeof body.password_hash === 'string' ? body.password_hash : null,
        emailConfirmed: body.email_confirm === true,
        phoneConfirmed: body.phone_confirm === true,
        appMetadata: isObject(body.app_metadata) ? body.app_metadata : {},
        userMetadata: isObject(body.user_metadata) ? body.user_metadata : {},
        role: typeof body.role === 'string' && body.role !== '' ? body.role : undefined,
        bannedUntil,
      });
      return (await findUserById(tx, id))!;
    });
    json(request.req, request.res, 200, userJson(user));
  }

  async function adminGetUser(request: AuthRequest, id: string): Promise<void> {
    requireAdmin(request);
    const user = await loadUser(id);
    json(request.req, request.res, 200, userJson(user));
  }

  async function adminUpdateUser(request: AuthRequest, id: string): Promise<void> {
    requireAdmin(request);
    await loadUser(id);
    const body = await readParams(request.req);
    const user = await withTransaction(db, async (tx) => {
      const current = (await findUserById(tx, id, true))!;
      if (body.email !== undefined && body.email !== current.email) {
        const email = normaliseEmail(body.email);
        const other = await findUserByEmail(tx, email);
        if (other && other.id !== id) throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
        await tx.query('update auth.users set email = $2 where id = $1', [id, email]);
        await tx.query(
          `update auth.identities set identity_data = identity_data || jsonb_build_object('email', $2::text)
            where user_id = $1 and provider = 'email'`,
          [id, email],
        );
      }
      if (typeof body.password === 'string' && body.password !== '') {
        checkPasswordStrength(body.password, backend.settings.minimumPasswordLength);
        await tx.query(`update auth.users set encrypted_password = ${crypto}.crypt($2::text, ${crypto}.gen_salt('bf', 10)) where id = $1`, [
          id,
          body.password,
        ]);
      }
      if (body.email_confirm === true) {
        await tx.query('update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()) where id = $1', [id]);
      }
      if (isObject(body.app_metadata)) {
        await tx.query('update auth.users set raw_app_meta_data = $2::jsonb where id = $1', [
          id,
          JSON.stringify(mergeMetadata(current.raw_app_meta_data, body.app_metadata)),
        ]);
      }
      if (isObject(body.user_metadata)) {
        await tx.query('update auth.users set raw_user_meta_data = $2::jsonb where id = $1', [
          id,
          JSON.stringify(mergeMetadata(current.raw_user_meta_data, body.user_metadata)),
        ]);
      }
      if (typeof body.ban_duration === 'string') {
        const seconds = parseBanDuration(body.ban_duration);
        await tx.query(`update auth.users set banned_until = $2 where id = $1`, [
          id,
          seconds === null ? null : new Date(Date.now() + seconds * 1000),
        ]);
      }
      await tx.query('update auth.users set updated_at = now() where id = $1', [id]);
      return (await findUserById(tx, id))!;
    });
    json(request.req, request.res, 200, userJson(user));
  }

  async function adminDeleteUser(request: AuthRequest, id: string): Promise<void> {
    requireAdmin(request);
    await loadUser(id);
    await withTransaction(db, async (tx) => {
      await logout(tx, id, null, 'global');
      await tx.query('delete from auth.one_time_tokens where user_id = $1', [id]);
      await tx.query('delete from auth.identities where user_id = $1', [id]);
      await tx.query('delete from auth.users where id = $1', [id]);
    });
    json(request.req, request.res, 200, {});
  }

  async function adminGenerateLink(request: AuthRequest): Promise<void> {
    requireAdmin(request);
    const body = await readParams(request.req);
    const requestedType = typeof body.type === 'string' ? body.type : '';
    if (!['signup', 'invite', 'magiclink', 'recovery'].includes(requestedType)) {
      throw validationFailed(`Invalid email action link type requested: ${requestedType}`);
    }
    const email = normaliseEmail(body.email);
    const redirectTo = allowedRedirect(request.query.get('redirect_to') ?? (typeof body.redirect_to === 'string' ? body.redirect_to : null));
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

  // --- helpers -------------------------------------------------------------------------------

  async function loadUser(id: string): Promise<UserRow> {
    if (!isUuid(id)) throw new AuthError(404, 'user_not_found', 'User not found');
    const user = await findUserById(db, id);
    if (!user) throw new AuthError(404, 'user_not_found', 'User not found');
    return user;
  }

  /** GoTrue accepts redirect targets under the site URL or the local hosts; anything else falls back to the site URL. */
  function allowedRedirect(candidate: string | null): string {
    const site = backend.settings.siteUrl;
    if (!candidate) return site;
    try {
      const url = new URL(candidate);
      const siteUrl = new URL(site);
      if (url.host === siteUrl.host || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return url.toString();
    } catch {
      // not a URL: fall back
    }
    return site;
  }

  function settingsBody(): Record<string, unknown> {
    return {
      external: { email: true, phone: false, anonymous_users: false },
      disable_signup: false,
      mailer_autoconfirm: true,
      phone_autoconfirm: false,
      sms_provider: '',
      saml_enabled: false,
    };
  }

  return {
    prefix: '/auth/v1',
    requiresApiKey: (path) => !OPEN_PATHS.has(path.replace(/\/+$/, '') || '/'),
    async handle(request) {
      const authRequest: AuthRequest = { ...request, query: request.url.searchParams };
      try {
        await handle(authRequest);
      } catch (err) {
        if (err instanceof AuthError || err instanceof OAuthError) {
          sendAuthError(request.req, request.res, err);
          return;
        }
        if (err instanceof BodyTooLargeError) {
          sendAuthError(request.req, request.res, new AuthError(413, 'request_too_large', 'Request body too large'));
          return;
        }
        backend.log(`auth: ${request.method} ${request.path}: ${err instanceof Error ? err.stack : String(err)}`);
        sendAuthError(request.req, request.res, new AuthError(500, 'unexpected_failure', 'Unexpected failure, please check server logs for more information'));
      }
    },
  };
}

function json(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, status, body, { ...versionHeaders(req), ...headers });
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, 'Content-Length': 0 });
  res.end();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** GoTrue's retrieveRequestParams: a JSON object body, or 400 bad_json. */
async function readParams(req: IncomingMessage): Promise<Body> {
  const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new AuthError(400, 'bad_json', `Could not parse request body as JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new AuthError(400, 'bad_json', 'Could not parse request body as JSON: expected an object');
  return parsed;
}

function clientInfo(req: IncomingMessage): ClientInfo {
  return { userAgent: headerValue(req.headers, 'user-agent') ?? null, ip: clientAddress(req) };
}

/** The schema pgcrypto lives in (extensions on Supabase); bcrypt hashing and checks use its crypt(). */
async function pgcryptoSchema(pool: pg.Pool): Promise<string> {
  const find = () =>
    pool.query<{ nspname: string }>(
      `select n.nspname from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace where e.extname = 'pgcrypto'`,
    );
  let { rows } = await find();
  if (!rows[0]) {
    await pool.query('create schema if not exists extensions; create extension if not exists pgcrypto with schema extensions');
    ({ rows } = await find());
  }
  return `"${rows[0]!.nspname.replace(/"/g, '""')}"`;
}
