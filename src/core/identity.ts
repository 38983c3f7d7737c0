import type { Context } from './context.js';
import type { ProjectConfig } from '../config/project.js';
import { authError } from './errors.js';

/** Who a command acts as, and a source of access tokens that are fresh when asked for. */
export interface Identity {
  user: { id: string; email: string | null };
  source: 'env_token' | 'stored' | 'password';
  accessToken(): Promise<string>;
}

/** Reads the `sub`, `email` and `exp` claims of a JWT without verifying it (the server verifies). */
export function decodeJwtClaims(token: string): { sub?: string; email?: string; exp?: number; [k: string]: unknown } {
  const part = token.split('.')[1];
  if (!part) throw authError('the access token is not a JWT', 'check SESSION_ACCESS_TOKEN, or run `session login`', 'bad_token');
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { sub?: string; email?: string; exp?: number };
  } catch {
    throw authError('the access token is not a JWT', 'check SESSION_ACCESS_TOKEN, or run `session login`', 'bad_token');
  }
}

/**
 * The identity order of DESIGN.md section 4: `SESSION_ACCESS_TOKEN`, else the stored
 * session for this profile and project, else `SESSION_EMAIL` / `SESSION_PASSWORD` once.
 */
export async function resolveIdentity(ctx: Context, config: ProjectConfig): Promise<Identity> {
  const envToken = ctx.io.env.SESSION_ACCESS_TOKEN?.trim();
  if (envToken) {
    const claims = decodeJwtClaims(envToken);
    if (!claims.sub) throw authError('SESSION_ACCESS_TOKEN has no user', 'use a user access token, not an API key', 'bad_token');
    if (claims.exp !== undefined && claims.exp * 1000 <= Date.now()) {
      throw authError('SESSION_ACCESS_TOKEN has expired', 'mint a new token, or unset it and run `session login`', 'token_expired');
    }
    return { user: { id: claims.sub, email: claims.email ?? null }, source: 'env_token', accessToken: async () => envToken };
  }
  const { storedIdentity } = await import('../config/credentials.js');
  return storedIdentity(ctx, config);
}
