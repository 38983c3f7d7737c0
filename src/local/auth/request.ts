// The request as Auth routes see it, and how they read it: the JSON body, the client's address and User-Agent.
import type { IncomingMessage } from 'node:http';
import { clientAddress, headerValue, readBody } from '../http.js';
import type { ServiceRequest } from '../service-contract.js';
import { AuthError } from './errors.js';
import type { ClientInfo } from './sessions.js';

export type Body = Record<string, unknown>;

export interface AuthRequest extends ServiceRequest {
  query: URLSearchParams;
  /** The route's `:name` segments, percent-decoded. */
  params: Record<string, string>;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** GoTrue's retrieveRequestParams: a JSON object body, or 400 bad_json. */
export async function readParams(req: IncomingMessage): Promise<Body> {
  const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new AuthError(400, 'bad_json', `Could not parse request body as JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new AuthError(400, 'bad_json', 'Could not parse request body as JSON: expected an object');
  return parsed;
}

export function clientInfo(req: IncomingMessage): ClientInfo {
  return { userAgent: headerValue(req.headers, 'user-agent') ?? null, ip: clientAddress(req) };
}
