// Auth's successful answers: JSON with the API version header echoed, and the 303 of email links.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http.js';
import { versionHeaders } from './errors.js';

export function json(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, status, body, { ...versionHeaders(req), ...headers });
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, 'Content-Length': 0 });
  res.end();
}
