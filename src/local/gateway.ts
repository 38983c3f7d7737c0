// The API gateway in front of the services (Kong in the Supabase CLI): API keys, the Authorization
// rewrite that turns new-format keys into role JWTs, and CORS.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerValue, sendJson } from './http.js';
import { looksLikeJwt, verifyJwt } from './jwt.js';
import type { ApiKeys } from './keys.js';
import type { GatewayAuth } from './service-contract.js';

/** Compares a presented key with a known one in constant time (digests first, so lengths leak nothing either). */
export function sameKey(given: string | null | undefined, known: string): boolean {
  if (typeof given !== 'string' || given === '') return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(known));
}

export function resolveGatewayAuth(req: IncomingMessage, url: URL, keys: ApiKeys, jwtSecret: string): GatewayAuth {
  const apiKey = headerValue(req.headers, 'apikey') ?? url.searchParams.get('apikey');
  const authorization = headerValue(req.headers, 'authorization');
  let token: string | null = null;
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (bearer !== undefined && !bearer.startsWith('sb_')) {
    token = bearer;
  } else if (sameKey(apiKey, keys.secretKey)) {
    token = keys.serviceRoleKey;
  } else if (sameKey(apiKey, keys.publishableKey)) {
    token = keys.anonKey;
  } else if (apiKey && looksLikeJwt(apiKey)) {
    token = apiKey;
  }
  return { apiKey: apiKey ?? null, token, verified: token === null ? null : verifyJwt(token, jwtSecret) };
}

/** The hosted gateway's answer to a missing or unknown key (the local Kong lets them through; we follow hosted). */
export function rejectApiKey(res: ServerResponse, auth: GatewayAuth, keys: ApiKeys, jwtSecret: string): boolean {
  if (auth.apiKey === null || auth.apiKey === '') {
    sendJson(res, 401, {
      message: 'No API key found in request',
      hint: 'No `apikey` request header or url param was found.',
    });
    return true;
  }
  const known =
    sameKey(auth.apiKey, keys.publishableKey) ||
    sameKey(auth.apiKey, keys.secretKey) ||
    (looksLikeJwt(auth.apiKey) && verifyJwt(auth.apiKey, jwtSecret).ok);
  if (!known) {
    sendJson(res, 401, {
      message: 'Invalid API key',
      hint: 'Double check your Supabase `anon` or `service_role` API key.',
    });
    return true;
  }
  return false;
}

const CORS_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS';

/**
 * CORS as Supabase's gateway answers it: any origin, no credentials. A preflight is answered here and never
 * reaches a service; its allowed headers echo what the browser asked for.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('Access-Control-Allow-Origin', '*');
  const isPreflight = req.method === 'OPTIONS' && headerValue(req.headers, 'access-control-request-method') !== undefined;
  if (!isPreflight) {
    res.setHeader(
      'Access-Control-Expose-Headers',
      'Content-Range, Content-Location, Location, Range-Unit, X-Total-Count, Link, X-Supabase-Api-Version, ' +
        'Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires, Tus-Resumable, Tus-Version, Tus-Max-Size, Tus-Extension',
    );
    return false;
  }
  res.setHeader('Access-Control-Allow-Methods', CORS_METHODS);
  const requested = headerValue(req.headers, 'access-control-request-headers');
  if (requested) res.setHeader('Access-Control-Allow-Headers', requested);
  res.setHeader('Vary', 'Access-Control-Request-Headers');
  res.writeHead(200, { 'Content-Length': 0 });
  res.end();
  return true;
}
