// Supabase Auth and the device-auth function over plain fetch: the few calls a CLI sign-in needs
// (password grant, refresh grant, user, logout, device code and token), without loading supabase-js.
import { CliError, ExitCode, authError, networkError } from '../base/errors.js';
import type { AuthSession } from '../config/credentials.js';

export type { AuthSession };

export interface AuthTarget {
  /** Project URL without a trailing slash. */
  url: string;
  /** Anon or publishable key: sent as `apikey` on every request. */
  anonKey: string;
  fetch?: typeof fetch;
  /** Per request; a hung server must not hold the refresh lock for ever. */
  timeoutMs?: number;
}

/** An error body from GoTrue (`{code, message}` with the 2024-01-01 API version, else `{error_code, msg}`) or OAuth (`{error, error_description}`). */
export interface AuthErrorBody {
  status: number;
  code: string;
  message: string;
}

const API_VERSION = '2024-01-01';

async function call(target: AuthTarget, path: string, init: { method: string; token?: string; body?: unknown }): Promise<{ status: number; data: unknown }> {
  const doFetch = target.fetch ?? fetch;
  const url = `${target.url}${path}`;
  const headers: Record<string, string> = {
    apikey: target.anonKey,
    Authorization: `Bearer ${init.token ?? target.anonKey}`,
    'X-Supabase-Api-Version': API_VERSION,
    'X-Client-Info': 'session-cli',
  };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json;charset=UTF-8';
  let res: Response;
  try {
    res = await doFetch(url, {
      method: init.method,
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
      signal: AbortSignal.timeout(target.timeoutMs ?? 20_000),
    });
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw networkError(url, err);
  }
  const text = await res.text();
  let data: unknown = null;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text.slice(0, 200) };
    }
  }
  return { status: res.status, data };
}

export function readAuthError(status: number, data: unknown): AuthErrorBody {
  const body = (data ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const code = str(body.code) ?? str(body.error_code) ?? str(body.error) ?? `http_${status}`;
  const message = str(body.message) ?? str(body.msg) ?? str(body.error_description) ?? str(body.error) ?? `HTTP ${status}`;
  return { status, code, message };
}

function serverFailure(what: string, err: AuthErrorBody): CliError {
  if (err.status === 429) {
    return new CliError(`${what}: too many requests (${err.message})`, { code: 'rate_limited', hint: 'wait a few minutes and try again', exitCode: ExitCode.failure });
  }
  return new CliError(`${what}: ${err.message}`, {
    code: err.status >= 500 ? 'server_error' : `auth_${err.code}`,
    hint: 'run again with --debug for details',
    exitCode: ExitCode.failure,
  });
}

/** Session JSON (GoTrue §2.3) → what we store. `expires_at` falls back to now + expires_in, as auth-js does. */
export function toAuthSession(data: unknown): AuthSession {
  const body = (data ?? {}) as Record<string, unknown>;
  const user = (body.user ?? {}) as Record<string, unknown>;
  if (typeof body.access_token !== 'string' || typeof body.refresh_token !== 'string' || typeof user.id !== 'string') {
    throw new CliError('the server answered without a session', { code: 'bad_session', hint: 'run again with --debug for details', exitCode: ExitCode.failure });
  }
  const expiresAt =
    typeof body.expires_at === 'number'
      ? body.expires_at
      : Math.floor(Date.now() / 1000) + (typeof body.expires_in === 'number' ? body.expires_in : 3600);
  return {
    access_token: body.access_token,
    refresh_token: body.refresh_token,
    expires_at: expiresAt,
    user: { id: user.id, email: typeof user.email === 'string' && user.email !== '' ? user.email : null },
  };
}

// Codes GoTrue answers when a refresh token can no longer be used: the person must sign in again.
const DEAD_REFRESH = new Set([
  'refresh_token_not_found',
  'refresh_token_already_used',
  'session_not_found',
  'session_expired',
  'user_not_found',
  'user_banned',
  'validation_failed',
  'invalid_request',
  'invalid_grant',
]);

export async function passwordSignIn(target: AuthTarget, email: string, password: string): Promise<AuthSession> {
  const { status, data } = await call(target, '/auth/v1/token?grant_type=password', { method: 'POST', body: { email, password } });
  if (status === 200) return toAuthSession(data);
  const err = readAuthError(status, data);
  if (err.code === 'invalid_credentials') throw authError('wrong email or password', 'check the email and password, or run `session login` to approve in a browser', 'invalid_credentials');
  if (err.code === 'email_not_confirmed') throw authError('this email address is not confirmed yet', 'open the confirmation link sent to it, then try again', 'email_not_confirmed');
  if (err.code === 'user_banned') throw authError('this account is banned', 'ask the project owner', 'user_banned');
  throw serverFailure('sign-in failed', err);
}

export async function refreshSession(target: AuthTarget, refreshToken: string): Promise<AuthSession> {
  const { status, data } = await call(target, '/auth/v1/token?grant_type=refresh_token', { method: 'POST', body: { refresh_token: refreshToken } });
  if (status === 200) return toAuthSession(data);
  const err = readAuthError(status, data);
  if (status === 400 || status === 401 || status === 403 || DEAD_REFRESH.has(err.code)) {
    throw authError('your sign-in has expired or was revoked', 'run `session login`', 'session_expired');
  }
  throw serverFailure('could not refresh the sign-in', err);
}

/** `GET /auth/v1/user`: the server's view of the token (a revoked session is refused here). */
export async function fetchUser(target: AuthTarget, accessToken: string): Promise<{ id: string; email: string | null }> {
  const { status, data } = await call(target, '/auth/v1/user', { method: 'GET', token: accessToken });
  if (status === 200) {
    const user = (data ?? {}) as Record<string, unknown>;
    if (typeof user.id === 'string') return { id: user.id, email: typeof user.email === 'string' && user.email !== '' ? user.email : null };
  }
  const err = readAuthError(status, data);
  if (status === 401 || status === 403 || status === 404) {
    throw authError('your sign-in was rejected by the server (expired or revoked)', 'run `session login`', 'token_rejected');
  }
  throw serverFailure('could not read the signed-in user', err);
}

/** `POST /auth/v1/logout?scope=local`: ends this session (and its refresh tokens) only, not the person's others. */
export async function revokeSession(target: AuthTarget, accessToken: string): Promise<void> {
  const { status, data } = await call(target, '/auth/v1/logout?scope=local', { method: 'POST', token: accessToken });
  if (status === 204 || status === 200) return;
  const err = readAuthError(status, data);
  // Already gone on the server: what logout wanted.
  if (status === 404 || err.code === 'session_not_found' || err.code === 'user_not_found') return;
  throw serverFailure('the server did not revoke the session', err);
}

// ---- device-auth function ------------------------------------------------------------------

export interface DeviceCode {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export type DevicePoll =
  | { kind: 'session'; session: AuthSession }
  | { kind: 'pending' }
  | { kind: 'slow_down'; interval: number | null }
  | { kind: 'expired' }
  | { kind: 'denied' }
  | { kind: 'invalid' };

export async function requestDeviceCode(target: AuthTarget, clientName: string): Promise<DeviceCode> {
  const { status, data } = await call(target, '/functions/v1/device-auth/code', { method: 'POST', body: { client_name: clientName } });
  const body = (data ?? {}) as Partial<DeviceCode>;
  if (status === 200 && typeof body.device_code === 'string' && typeof body.user_code === 'string' && typeof body.verification_uri === 'string') {
    const verificationUri = webUrl(body.verification_uri);
    const complete = typeof body.verification_uri_complete === 'string' ? webUrl(body.verification_uri_complete) : verificationUri;
    if (!verificationUri || !complete || !/^[\x21-\x7e]{1,32}$/.test(body.user_code)) {
      throw new CliError('the server answered with an unusable login code or page address', {
        code: 'bad_device_code',
        hint: 'check SUPABASE_URL: it should be your Supabase project',
        exitCode: ExitCode.failure,
      });
    }
    return {
      device_code: body.device_code,
      user_code: body.user_code,
      verification_uri: verificationUri,
      verification_uri_complete: complete,
      expires_in: typeof body.expires_in === 'number' ? body.expires_in : 900,
      interval: typeof body.interval === 'number' && body.interval > 0 ? body.interval : 5,
    };
  }
  if (status === 404) {
    throw new CliError('this project has no device login (the device-auth function is not deployed)', {
      code: 'device_login_unavailable',
      hint: 'deploy it with `supabase functions deploy device-auth`, or use `session login --with-password`',
      exitCode: ExitCode.failure,
    });
  }
  throw serverFailure('could not start the login', readAuthError(status, data));
}

/**
 * The approval page's address as the CLI prints it and hands it to the browser opener: an http(s) URL only,
 * re-serialised (control characters, quotes and spaces come out percent-encoded) and with `|` and `^`
 * encoded too, so neither a terminal nor `cmd /c start` (the Windows opener) reads anything in it as a
 * command. A project server, or a .sessionrc pointing at someone else's, chooses this text. Null otherwise.
 */
export function webUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return url.href.replace(/[|^'`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export async function pollDeviceToken(target: AuthTarget, deviceCode: string): Promise<DevicePoll> {
  const { status, data } = await call(target, '/functions/v1/device-auth/token', {
    method: 'POST',
    body: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode },
  });
  if (status === 200) return { kind: 'session', session: toAuthSession(data) };
  const err = readAuthError(status, data);
  if (status === 400) {
    switch (err.code) {
      case 'authorization_pending':
        return { kind: 'pending' };
      case 'slow_down': {
        const interval = (data as { interval?: unknown } | null)?.interval;
        return { kind: 'slow_down', interval: typeof interval === 'number' ? interval : null };
      }
      case 'expired_token':
        return { kind: 'expired' };
      case 'access_denied':
        return { kind: 'denied' };
      case 'invalid_grant':
        return { kind: 'invalid' };
      default:
        break;
    }
  }
  throw serverFailure('the login failed', err);
}
