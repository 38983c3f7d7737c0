// Request bodies of the Storage routes other than uploads: small JSON objects (list, sign, remove, copy), and
// what an upload refused before its body was read does with that body.
import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, headerValue, readBody } from '../http.js';
import { storageErrors, StorageError } from './errors.js';

/** JSON bodies of the list/sign/remove routes are small; Storage's body limit for them is far below this. */
const JSON_BODY_LIMIT = 1024 * 1024;
/** Bodies refused before being read: above this, close the connection instead of draining it. */
const DRAIN_LIMIT = 16 * 1024 * 1024;

/** A JSON object body (null when empty or not an object), up to JSON_BODY_LIMIT. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  let raw: Buffer;
  try {
    raw = await readBody(req, JSON_BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw storageErrors.entityTooLarge();
    throw err;
  }
  if (raw.length === 0) return null;
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    throw storageErrors.invalidRequest('Body is not valid JSON');
  }
}

/** Marks errors raised before a large body was read, so the response closes the connection instead of draining it. */
export function withUnreadBody(req: IncomingMessage, err: unknown): unknown {
  if (err instanceof StorageError && !req.readableEnded) {
    const declared = Number(headerValue(req.headers, 'content-length') ?? Number.NaN);
    if (!(declared <= DRAIN_LIMIT)) err.closeConnection = true;
  }
  return err;
}
