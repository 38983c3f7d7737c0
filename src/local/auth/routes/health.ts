// GET /auth/v1/health
import type { AuthContext } from '../context.js';
import type { AuthRequest } from '../request.js';
import { json } from '../respond.js';

export async function health(_ctx: AuthContext, request: AuthRequest): Promise<void> {
  json(request.req, request.res, 200, { version: 'local', name: 'GoTrue', description: 'GoTrue is a user registration and authentication API' });
}
