// Response helpers for web-standard handlers (Request → Response), shared by every function.

/** The verification page may be hosted on another origin than the project, so browsers need CORS. */
export const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'authorization, x-client-info, apikey, content-type',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Max-Age': '600',
};

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...CORS_HEADERS, ...headers },
  });
}

/** `{"error": code, "message": text}`: what the page and the CLI read. */
export function failure(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json(status, { error: code, message }, headers);
}

export function preflight(): Response {
  return new Response(null, { status: 204, headers: CORS_HEADERS });
}

/** Reads a JSON or form-encoded body into a flat record of strings; anything else is an empty record. */
export async function readParams(req: Request): Promise<Record<string, unknown>> {
  const type = (req.headers.get('content-type') ?? '').toLowerCase();
  const text = await req.text();
  if (text.trim() === '') return {};
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new BadRequest('the request body is not valid JSON');
  }
}

export class BadRequest extends Error {}

/** The route below the function's name: `/functions/v1/device-auth/code` and `/device-auth/code` both give `code`. */
export function routeOf(req: Request, functionName: string): string {
  const segments = new URL(req.url).pathname.split('/').filter(Boolean);
  const at = segments.lastIndexOf(functionName);
  return (at >= 0 ? segments.slice(at + 1) : segments.slice(-1)).join('/');
}

/** The bearer token of a request, or null. */
export function bearerToken(req: Request): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '');
  return match ? match[1]! : null;
}
