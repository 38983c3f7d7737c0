// Device-code login (RFC 8628) for the `session` CLI, on Supabase Auth, which has no device grant.
//
//   POST code     anon key        start: device_code, user_code, verification_uri(_complete), expires_in, interval
//   POST token    anon key        poll: RFC 8628 errors, or once a fresh session for the approver
//   GET  lookup   user JWT        ?user_code=: what the person is about to approve
//   POST approve  user JWT        {"user_code": "ABCD-EFGH"}: bind the code to the caller
//   POST deny     user JWT        {"user_code": "ABCD-EFGH"}: refuse it
//
// verify_jwt is off for this function (config.toml): routes that need a user check the JWT with
// Supabase Auth themselves. State lives in the private schema `device_auth`, reached through
// service_role-only RPCs (supabase/migrations/*_device_auth.sql). See docs/device-login.md.
import type { EmailOtpType, User } from '@supabase/supabase-js';
import { numberEnv, readEnv, requireEnv } from '../_shared/env.ts';
import { BadRequest, failure, json, preflight, readParams, routeOf } from '../_shared/http.ts';
import { adminClient, anonClient, requestUser } from '../_shared/supabase.ts';
import { formatUserCode, hashDeviceCode, newDeviceCode, newUserCode, normalizeUserCode } from './codes.ts';

const FUNCTION_NAME = 'device-auth';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface Settings {
  /** Seconds a code lives (DEVICE_AUTH_EXPIRES_IN, default 900 = 15 minutes). */
  expiresIn: number;
  /** Seconds between polls (DEVICE_AUTH_INTERVAL, default 5, as RFC 8628 suggests). */
  interval: number;
  /** Where people approve (DEVICE_AUTH_VERIFICATION_URL, default <SUPABASE_URL>/device). */
  verificationUri: string;
  /** Lookups plus decisions per user per 10 minutes (DEVICE_AUTH_RATE_LIMIT, default 30). */
  attemptsPerWindow: number;
  /** Logins started per client per 10 minutes (DEVICE_AUTH_START_LIMIT, default 20). */
  startsPerClient: number;
  /** Logins started by everyone per 10 minutes (DEVICE_AUTH_START_LIMIT_TOTAL, default 300). */
  startsTotal: number;
}

const RATE_WINDOW_SECONDS = 600;

function settings(): Settings {
  const site = readEnv('DEVICE_AUTH_VERIFICATION_URL') ?? `${requireEnv('SUPABASE_URL').replace(/\/+$/, '')}/device`;
  return {
    expiresIn: numberEnv('DEVICE_AUTH_EXPIRES_IN', 900, 1, 3600),
    interval: numberEnv('DEVICE_AUTH_INTERVAL', 5, 1, 60),
    verificationUri: site,
    attemptsPerWindow: numberEnv('DEVICE_AUTH_RATE_LIMIT', 30, 1, 10_000),
    startsPerClient: numberEnv('DEVICE_AUTH_START_LIMIT', 20, 1, 10_000),
    startsTotal: numberEnv('DEVICE_AUTH_START_LIMIT_TOTAL', 300, 1, 1_000_000),
  };
}

export default async function handler(req: Request): Promise<Response> {
  if (req.method === 'OPTIONS') return preflight();
  const route = routeOf(req, FUNCTION_NAME);
  try {
    switch (`${req.method} ${route}`) {
      case 'POST code':
        return await startLogin(req);
      case 'POST token':
        return await pollToken(req);
      case 'GET lookup':
        return await lookupCode(req);
      case 'POST approve':
        return await decide(req, true);
      case 'POST deny':
        return await decide(req, false);
      default:
        return failure(404, 'not_found', `no route ${req.method} /${FUNCTION_NAME}/${route}`);
    }
  } catch (err) {
    if (err instanceof BadRequest) return failure(400, 'invalid_request', err.message);
    console.error(`device-auth ${req.method} ${route}:`, err);
    return failure(500, 'server_error', 'the login service failed; try again');
  }
}

// ---- CLI routes ----------------------------------------------------------------------------

async function startLogin(req: Request): Promise<Response> {
  const params = await readParams(req);
  const config = settings();
  const clientName = cleanClientName(params.client_name);
  // A client may ask for a shorter life than the server's, never a longer one.
  const requested = Number(params.expires_in);
  const expiresIn = Number.isInteger(requested) && requested > 0 ? Math.min(requested, config.expiresIn) : config.expiresIn;

  const admin = adminClient();
  // Anyone with the anon key may start a login: limit how fast, per client and overall.
  const { data: noted, error: limitError } = await admin.rpc('device_auth_note_start', {
    p_client: clientOf(req),
    p_limit: config.startsPerClient,
    p_total_limit: config.startsTotal,
    p_window_seconds: RATE_WINDOW_SECONDS,
  });
  if (limitError) throw new Error(`device_auth_note_start: ${limitError.message}`);
  const refused = rateLimited(noted, 'too many logins started');
  if (refused) return refused;

  const deviceCode = newDeviceCode();
  const deviceCodeHash = await hashDeviceCode(deviceCode);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const userCode = newUserCode();
    const { error } = await admin.rpc('device_auth_start', {
      p_device_code_hash: deviceCodeHash,
      p_user_code: userCode,
      p_client_name: clientName,
      p_expires_in: expiresIn,
      p_interval: config.interval,
    });
    if (error?.code === '23505') continue; // the user code is taken: draw another
    if (error) throw new Error(`device_auth_start: ${error.message}`);
    const shown = formatUserCode(userCode);
    return json(200, {
      device_code: deviceCode,
      user_code: shown,
      verification_uri: config.verificationUri,
      verification_uri_complete: `${config.verificationUri}?code=${shown}`,
      expires_in: expiresIn,
      interval: config.interval,
    });
  }
  throw new Error('could not find a free user code');
}

/** The caller's address as the platform's gateway reports it (the local backend sets x-forwarded-for itself). */
function clientOf(req: Request): string {
  const forwarded = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return req.headers.get('cf-connecting-ip') ?? req.headers.get('x-real-ip') ?? (forwarded || 'unknown');
}

/** RFC 8628 section 3.5: token errors are 400 with {"error", "error_description"}. */
function tokenError(error: string, description: string, extra: Record<string, unknown> = {}): Response {
  return json(400, { error, error_description: description, ...extra });
}

async function pollToken(req: Request): Promise<Response> {
  const params = await readParams(req);
  if (params.grant_type !== undefined && params.grant_type !== DEVICE_GRANT) {
    return tokenError('unsupported_grant_type', `grant_type must be ${DEVICE_GRANT}`);
  }
  if (typeof params.device_code !== 'string' || params.device_code === '') {
    return tokenError('invalid_request', 'device_code is required');
  }
  const { data, error } = await adminClient().rpc('device_auth_poll', {
    p_device_code_hash: await hashDeviceCode(params.device_code),
  });
  if (error) throw new Error(`device_auth_poll: ${error.message}`);
  const poll = data as { result: string; interval?: number; user_id?: string; email?: string };
  switch (poll.result) {
    case 'authorization_pending':
      return tokenError('authorization_pending', 'the code has not been approved yet', { interval: poll.interval });
    case 'slow_down':
      return tokenError('slow_down', `polling too fast; wait ${poll.interval} seconds between requests`, { interval: poll.interval });
    case 'expired_token':
      return tokenError('expired_token', 'the code expired before it was approved');
    case 'access_denied':
      return tokenError('access_denied', 'the login was denied');
    case 'approved':
      return await mintSession(poll.user_id!, poll.email!);
    default:
      return tokenError('invalid_grant', 'the device code is unknown or was already used');
  }
}

/**
 * A new Supabase session for the approver, never the browser's own: an admin magic link for
 * their email, redeemed at once with its token hash. The code is already consumed, so this runs once.
 */
async function mintSession(userId: string, email: string): Promise<Response> {
  const { data: link, error: linkError } = await adminClient().auth.admin.generateLink({ type: 'magiclink', email });
  if (linkError || !link.properties) throw new Error(`generate_link: ${linkError?.message ?? 'no token'}`);
  if (link.user.id !== userId || link.properties.verification_type !== 'magiclink') {
    // The approver's email now belongs to someone else, or to no one: never hand out that session.
    return tokenError('invalid_grant', 'the approving account changed; start the login again');
  }
  const { data: verified, error: verifyError } = await anonClient().auth.verifyOtp({
    token_hash: link.properties.hashed_token,
    type: link.properties.verification_type as EmailOtpType,
  });
  const session = verified.session;
  if (verifyError || !session) throw new Error(`verify: ${verifyError?.message ?? 'no session'}`);
  if (session.user.id !== userId) return tokenError('invalid_grant', 'the approving account changed; start the login again');
  return json(200, {
    access_token: session.access_token,
    token_type: 'bearer',
    expires_in: session.expires_in,
    expires_at: session.expires_at,
    refresh_token: session.refresh_token,
    user: { id: session.user.id, email: session.user.email ?? email },
  });
}

// ---- page routes (signed-in user) ----------------------------------------------------------

type Caller = { user: User; denied?: undefined } | { user?: undefined; denied: Response };

async function signedIn(req: Request, action: 'lookup' | 'approve' | 'deny'): Promise<Caller> {
  const user = await requestUser(req);
  if (!user) return { denied: failure(401, 'unauthorized', 'sign in first: this needs a valid access token') };
  const config = settings();
  const { data, error } = await adminClient().rpc('device_auth_note_attempt', {
    p_user_id: user.id,
    p_action: action,
    p_limit: config.attemptsPerWindow,
    p_window_seconds: RATE_WINDOW_SECONDS,
  });
  if (error) throw new Error(`device_auth_note_attempt: ${error.message}`);
  const refused = rateLimited(data, 'too many attempts');
  return refused ? { denied: refused } : { user };
}

/** 429 with Retry-After when a device_auth_note_* answer says the limit is reached; else null. */
function rateLimited(answer: unknown, what: string): Response | null {
  const limit = answer as { allowed: boolean; retry_after?: number };
  if (limit.allowed) return null;
  const wait = String(limit.retry_after ?? RATE_WINDOW_SECONDS);
  return failure(429, 'rate_limited', `${what}; try again in ${wait} seconds`, { 'Retry-After': wait });
}

async function lookupCode(req: Request): Promise<Response> {
  const code = normalizeUserCode(new URL(req.url).searchParams.get('user_code'));
  if (!code) return failure(400, 'invalid_code', 'a code has 8 letters, like ABCD-EFGH');
  const caller = await signedIn(req, 'lookup');
  if (caller.denied) return caller.denied;
  const { data, error } = await adminClient().rpc('device_auth_lookup', { p_user_code: code });
  if (error) throw new Error(`device_auth_lookup: ${error.message}`);
  if (!data) return failure(404, 'not_found', 'no login is waiting for this code; check it against your terminal');
  const found = data as { user_code: string; client_name: string; created_at: string; expires_at: string; status: string };
  return json(200, { ...found, user_code: formatUserCode(found.user_code) });
}

async function decide(req: Request, approve: boolean): Promise<Response> {
  const params = await readParams(req);
  const code = normalizeUserCode(params.user_code);
  if (!code) return failure(400, 'invalid_code', 'a code has 8 letters, like ABCD-EFGH');
  const caller = await signedIn(req, approve ? 'approve' : 'deny');
  if (caller.denied) return caller.denied;
  const { data, error } = await adminClient().rpc('device_auth_decide', {
    p_user_code: code,
    p_user_id: caller.user.id,
    p_email: caller.user.email ?? null,
    p_approve: approve,
  });
  if (error) throw new Error(`device_auth_decide: ${error.message}`);
  const result = data as { result: string; status?: string; client_name?: string };
  switch (result.result) {
    case 'approved':
    case 'denied':
      return json(200, { status: result.result, user_code: formatUserCode(code), client_name: result.client_name });
    case 'not_found':
      return failure(404, 'not_found', 'no login is waiting for this code; check it against your terminal');
    case 'expired':
      return failure(410, 'expired', 'this code has expired; run `session login` again');
    default:
      return failure(409, 'not_pending', `this code was already ${result.status ?? 'used'}`);
  }
}

function cleanClientName(value: unknown): string {
  // Control characters (C0, DEL, C1) would let a client forge lines on the approval page; the page
  // also shows invisible and bidi characters escaped.
  const text = typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim() : '';
  return text === '' ? 'session CLI' : text.slice(0, 100);
}

// On Supabase's edge runtime the module serves itself; the local backend imports `handler`.
const deno = (globalThis as { Deno?: { serve?: (h: (req: Request) => Promise<Response>) => unknown } }).Deno;
if (deno?.serve) deno.serve(handler);
