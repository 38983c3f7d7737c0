// /auth/v1: the subset of Supabase Auth (GoTrue) that auth-js and this project use.
// ROUTES lists every route; each handler lives in routes/<leading path segments>.ts.
import { BodyTooLargeError } from '../http.js';
import type { BackendContext, BackendService, ServiceRequest } from '../service-contract.js';
import { createAuthContext, type AuthContext } from './context.js';
import { AuthError, OAuthError, sendAuthError } from './errors.js';
import type { AuthRequest } from './request.js';
import { adminGenerateLink } from './routes/admin-generate_link.js';
import { adminCreateUser, adminDeleteUser, adminGetUser, adminListUsers, adminUpdateUser } from './routes/admin-users.js';
import { health } from './routes/health.js';
import { logoutRoute } from './routes/logout.js';
import { settings } from './routes/settings.js';
import { signup } from './routes/signup.js';
import { token } from './routes/token.js';
import { getUser } from './routes/user.js';
import { verifyGet, verifyPost } from './routes/verify.js';
import { jwks } from './routes/well-known.js';

export interface AuthRoute {
  method: string;
  /** Below /auth/v1; a `:name` segment matches one non-empty segment, percent-decoded into request.params. */
  path: string;
  handler: (ctx: AuthContext, request: AuthRequest) => Promise<void>;
}

/** In dispatch order. A path or method not listed is 404 not_found (GoTrue answers no 405); trailing slashes are ignored. */
export const ROUTES: readonly AuthRoute[] = [
  { method: 'GET', path: '/health', handler: health },
  { method: 'GET', path: '/settings', handler: settings },
  { method: 'GET', path: '/.well-known/jwks.json', handler: jwks },
  { method: 'POST', path: '/token', handler: token },
  { method: 'POST', path: '/signup', handler: signup },
  { method: 'GET', path: '/verify', handler: verifyGet },
  { method: 'POST', path: '/verify', handler: verifyPost },
  { method: 'GET', path: '/user', handler: getUser },
  { method: 'POST', path: '/logout', handler: logoutRoute },
  { method: 'GET', path: '/admin/users', handler: adminListUsers },
  { method: 'POST', path: '/admin/users', handler: adminCreateUser },
  { method: 'POST', path: '/admin/generate_link', handler: adminGenerateLink },
  { method: 'GET', path: '/admin/users/:id', handler: adminGetUser },
  { method: 'PUT', path: '/admin/users/:id', handler: adminUpdateUser },
  { method: 'DELETE', path: '/admin/users/:id', handler: adminDeleteUser },
];

/** Routes the gateway leaves open (email links are clicked in a browser without any key). */
const OPEN_PATHS = new Set(['/verify', '/callback', '/authorize', '/health', '/.well-known/jwks.json']);

export async function authService(backend: BackendContext): Promise<BackendService> {
  const ctx = await createAuthContext(backend);
  return {
    prefix: '/auth/v1',
    requiresApiKey: (path) => !OPEN_PATHS.has(path.replace(/\/+$/, '') || '/'),
    async handle(request) {
      try {
        await dispatch(ctx, request);
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

async function dispatch(ctx: AuthContext, request: ServiceRequest): Promise<void> {
  const path = request.path.replace(/\/+$/, '') || '/';
  for (const route of ROUTES) {
    // Parameters are decoded as soon as the path matches, before the method is looked at: a segment
    // that does not decode is a 500 whatever the method (URIError).
    const params = matchPath(route.path, path);
    if (params === null || route.method !== request.method) continue;
    return route.handler(ctx, { ...request, query: request.url.searchParams, params });
  }
  throw new AuthError(404, 'not_found', 'Not Found');
}

/** The decoded `:name` segments when `path` has the pattern's shape, else null. */
function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const raw: Array<[string, string]> = [];
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]!;
    if (segment.startsWith(':')) {
      if (got[i] === '') return null;
      raw.push([segment.slice(1), got[i]!]);
    } else if (segment !== got[i]) {
      return null;
    }
  }
  const params: Record<string, string> = {};
  for (const [name, value] of raw) params[name] = decodeURIComponent(value);
  return params;
}
