// GET /auth/v1/.well-known/jwks.json
// (The file drops the path's leading dot: a file named .well-known.ts would be hidden.)
import type { AuthContext } from '../context.js';
import type { AuthRequest } from '../request.js';
import { json } from '../respond.js';

/** No asymmetric signing keys locally: tokens are HS256 with the project's secret. */
export async function jwks(_ctx: AuthContext, request: AuthRequest): Promise<void> {
  json(request.req, request.res, 200, { keys: [] });
}
