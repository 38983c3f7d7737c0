import type { IO } from '../base/io.js';
import type { ProjectConfig } from '../config/project.js';
import type { AuthTarget } from './session-auth.js';
import { debugFetch } from './debug-fetch.js';
import { authError } from '../base/errors.js';

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
export async function resolveIdentity(io: IO, config: ProjectConfig): Promise<Identity> {
  const envToken = io.env.SESSION_ACCESS_TOKEN?.trim();
  if (envToken) {
    const claims = decodeJwtClaims(envToken);
    if (!claims.sub) throw authError('SESSION_ACCESS_TOKEN has no user', 'use a user access token, not an API key', 'bad_token');
    if (claims.exp !== undefined && claims.exp * 1000 <= Date.now()) {
      throw authError('SESSION_ACCESS_TOKEN has expired', 'mint a new token, or unset it and run `session login`', 'token_expired');
    }
    return { user: { id: claims.sub, email: claims.email ?? null }, source: 'env_token', accessToken: async () => envToken };
  }
  return storedIdentity(io, config);
}

/** Where Auth calls for this project go: its URL and key, through the --debug logging fetch. */
export function authTarget(io: IO, config: ProjectConfig): AuthTarget {
  return { url: config.url, anonKey: config.anonKey, fetch: debugFetch(io) };
}

/**
 * The stored session for this profile and project (DESIGN.md section 4). With nothing stored,
 * `SESSION_EMAIL` / `SESSION_PASSWORD` sign in once and the session is stored for the next
 * commands (Supabase limits password sign-ins to about 30 per 5 minutes).
 */
async function storedIdentity(io: IO, config: ProjectConfig): Promise<Identity> {
  const [{ credentialsPath, freshCredentials, notSignedIn, readCredentials, toStored, writeCredentials, wrongProjectError }, { refreshSession, passwordSignIn }] =
    await Promise.all([import('../config/credentials.js'), import('./session-auth.js')]);
  const file = credentialsPath(config.profile, io.env);
  const target = authTarget(io, config);
  let creds = await readCredentials(file);
  let source: Identity['source'] = 'stored';

  if (!creds) {
    const email = io.env.SESSION_EMAIL?.trim();
    const password = io.env.SESSION_PASSWORD;
    if (!email || !password) throw notSignedIn(file, config.url);
    io.debug(`no stored sign-in for profile ${config.profile}; signing in as ${email} from SESSION_EMAIL`);
    creds = toStored(config.url, await passwordSignIn(target, email, password), 'password');
    await writeCredentials(file, creds);
    source = 'password';
  } else if (creds.url !== config.url) {
    throw wrongProjectError(creds.url, config.url);
  }

  let current = creds;
  return {
    user: { id: current.user.id, email: current.user.email },
    source,
    async accessToken() {
      current = await freshCredentials(file, current, {
        url: config.url,
        refresh: (token) => {
          io.debug('access token expires within a minute; refreshing');
          return refreshSession(target, token);
        },
      });
      return current.access_token;
    },
  };
}
