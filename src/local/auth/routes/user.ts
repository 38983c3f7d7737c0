// GET /auth/v1/user
import { requireUser } from '../caller.js';
import type { AuthContext } from '../context.js';
import type { AuthRequest } from '../request.js';
import { json } from '../respond.js';
import { userJson } from '../users.js';

export async function getUser(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { user } = await requireUser(ctx.db, request);
  json(request.req, request.res, 200, userJson(user));
}
