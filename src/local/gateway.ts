// The API gateway in front of the services (Kong in the Supabase CLI): API keys, the Authorization
// rewrite that turns new-format keys into role JWTs, and CORS.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerValue, sendJson } from './http.js';
import { looksLikeJwt, verifyJwt, type JwtResult } from './jwt.js';
import type { ApiKeys } from './keys.js';
import type { GatewayAuth } from './service-contract.js';

/** Compares a presented key with a known one in constant time (digests first, so lengths leak nothing either). */
export function sameKey(given: string | null | undefined, known: string): boolean {
  if (typeof given !== 'string' || given === '') return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(known));
}

export async function resolveGatewayAuth(req: IncomingMessage, url: URL, keys: ApiKeys, jwtSecret: string): Promise<GatewayAuth> {
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
  return { apiKey: apiKey ?? null, token, verified: token === null ? null : await verifyJwt(token, jwtSecret) };
}

/** The hosted gateway's answer to a missing or unknown key (the local Kong lets them through; we follow hosted). */
export async function rejectApiKey(res: ServerResponse, auth: GatewayAuth, keys: ApiKeys, jwtSecret: string): Promise<boolean> {
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
    (looksLikeJwt(auth.apiKey) && (await verifiedApiKey(auth, jwtSecret)).ok);
  if (!known) {
    sendJson(res, 401, {
      message: 'Invalid API key',
      hint: 'Double check your Supabase `anon` or `service_role` API key.',
    });
    return true;
  }
  return false;
}

/** The API key's verdict: the token's when the key is the token (verified once by resolveGatewayAuth), else its own. */
async function verifiedApiKey(auth: GatewayAuth, jwtSecret: string): Promise<JwtResult> {
  return auth.token === auth.apiKey && auth.verified ? auth.verified : verifyJwt(auth.apiKey!, jwtSecret);
}

const CORS_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS';

/**
 * Which Host headers and browser origins the backend answers. It listens on loopback only, but any web page
 * the person visits can make their browser talk to 127.0.0.1, and a rebound DNS name can make it talk to
 * 127.0.0.1 under a foreign Host. So only its own host names are served, and only its own origins (plus an
 * explicit list) get a CORS grant.
 */
export class OriginPolicy {
  private readonly extra: ReadonlySet<string>;

  constructor(
    private readonly listenHost: string,
    private readonly port: () => number,
    corsOrigins: readonly string[] = [],
  ) {
    this.extra = new Set(corsOrigins.map(normaliseOrigin));
  }

  /** `127.0.0.1:<port>` and `localhost:<port>` (and the listening host, when another was chosen). */
  allowedHosts(): string[] {
    const port = this.port();
    const names = new Set(['127.0.0.1', 'localhost', this.listenHost.includes(':') ? `[${this.listenHost}]` : this.listenHost]);
    return [...names].map((name) => `${name}:${port}`);
  }

  hostAllowed(host: string | undefined): boolean {
    if (host === undefined) return false;
    return this.allowedHosts().includes(host.trim().toLowerCase());
  }

  /** The backend's own origins, which the device page and a local front end use. */
  ownOrigins(): string[] {
    return this.allowedHosts().map((host) => `http://${host}`);
  }

  originAllowed(origin: string): boolean {
    const normal = origin.trim().toLowerCase();
    return this.ownOrigins().includes(normal) || this.extra.has(normal);
  }
}

/** `https://App.Example.com:8443/` → `https://app.example.com:8443`; throws on anything that is not an origin. */
export function normaliseOrigin(value: string): string {
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${value}" is not an origin (scheme://host[:port])`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new Error(`"${value}" is not an origin (scheme://host[:port])`);
  }
  if (text.replace(/\/$/, '').toLowerCase() !== url.origin.toLowerCase()) throw new Error(`"${value}" is not an origin (scheme://host[:port])`);
  return url.origin.toLowerCase();
}

/**
 * Refuses a request whose Host is not one of the backend's own (DNS rebinding) with 421. True when it answered.
 */
export function rejectForeignHost(req: IncomingMessage, res: ServerResponse, policy: OriginPolicy): boolean {
  if (policy.hostAllowed(headerValue(req.headers, 'host'))) return false;
  sendJson(res, 421, {
    message: 'Misdirected Request',
    error: 'host_not_allowed',
    hint: `this local backend answers only for ${policy.allowedHosts().join(' and ')}`,
  });
  return true;
}

/**
 * CORS for the backend's own origins and the explicit list only. A request that carries any other Origin
 * (a page on another site, or `null` from a sandbox or file) is refused outright with 403 and no CORS
 * headers: the browser shows the page nothing, and nothing runs on its behalf (no sign-in, no upload).
 * A preflight is answered here and never reaches a service; its allowed headers echo what the browser asked for.
 * Without a policy no Origin is granted. True when the request was answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, policy?: OriginPolicy): boolean {
  const origin = headerValue(req.headers, 'origin');
  const isPreflight = req.method === 'OPTIONS' && headerValue(req.headers, 'access-control-request-method') !== undefined;
  if (origin === undefined) {
    if (!isPreflight) return false;
    sendJson(res, 403, { message: 'CORS preflight without an Origin', error: 'origin_not_allowed' });
    return true;
  }
  res.setHeader('Vary', 'Origin');
  if (!policy?.originAllowed(origin)) {
    sendJson(res, 403, {
      message: 'Origin not allowed',
      error: 'origin_not_allowed',
      hint: 'the local backend serves only its own origin; start it with --cors-origin <origin> to allow another',
    });
    return true;
  }
  res.setHeader('Access-Control-Allow-Origin', origin);
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
  res.setHeader('Access-Control-Max-Age', '600');
  res.setHeader('Vary', 'Origin, Access-Control-Request-Headers');
  res.writeHead(200, { 'Content-Length': 0 });
  res.end();
  return true;
}
