// GoTrue's error responses: the 2024-01-01 shape when the client asks for it (auth-js always does), the
// legacy shape otherwise, and OAuth-style errors for a few token-endpoint cases.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerValue, sendJson } from '../http.js';

export const API_VERSION_HEADER = 'X-Supabase-Api-Version';
const API_VERSION_2024 = '2024-01-01';

export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** An OAuth2-style error body ({error, error_description}), which GoTrue still uses for a few token errors. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export const badRequest = (code: string, message: string) => new AuthError(400, code, message);
export const validationFailed = (message: string) => new AuthError(400, 'validation_failed', message);

/** The API version the request asked for, if it is one GoTrue knows (it echoes only those). */
export function requestedApiVersion(req: IncomingMessage): string | null {
  const value = headerValue(req.headers, API_VERSION_HEADER)?.trim();
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  return value >= API_VERSION_2024 ? API_VERSION_2024 : null;
}

export function versionHeaders(req: IncomingMessage): Record<string, string> {
  const version = requestedApiVersion(req);
  return version ? { [API_VERSION_HEADER]: version } : {};
}

export function sendAuthError(req: IncomingMessage, res: ServerResponse, err: AuthError | OAuthError): void {
  if (err instanceof OAuthError) {
    sendJson(res, err.status, { error: err.error, error_description: err.description }, versionHeaders(req));
    return;
  }
  const headers = { ...versionHeaders(req), 'x-sb-error-code': err.code };
  if (requestedApiVersion(req)) {
    sendJson(res, err.status, { code: err.code, message: err.message, ...err.extra }, headers);
  } else {
    sendJson(res, err.status, { code: err.status, error_code: err.code, msg: err.message, ...err.extra }, headers);
  }
}
