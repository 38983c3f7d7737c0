// POST /auth/v1/logout?scope=global|local|others
import { sendEmpty } from '../../http.js';
import { withTransaction } from '../../transaction.js';
import { requireUser } from '../caller.js';
import type { AuthContext } from '../context.js';
import { validationFailed, versionHeaders } from '../errors.js';
import type { AuthRequest } from '../request.js';
import { logout } from '../sessions.js';
import { isUuid } from '../users.js';

export async function logoutRoute(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const scope = request.query.get('scope') || 'global';
  if (scope !== 'global' && scope !== 'local' && scope !== 'others') throw validationFailed('Unsupported logout scope');
  const { user, claims } = await requireUser(ctx.db, request);
  const sessionId = typeof claims.session_id === 'string' && isUuid(claims.session_id) ? claims.session_id : null;
  await withTransaction(ctx.db, (tx) => logout(tx, user.id, sessionId, scope));
  sendEmpty(request.res, 204, versionHeaders(request.req));
}
