// The metadata stored with an object: Storage's `metadata` column (size, type, ETag, ...) as uploads, copies
// and finished resumable uploads write it, and the user metadata sent base64-encoded in `x-metadata`.
import type { ObjectMetadata } from './database.js';
import { storageErrors } from './errors.js';

/**
 * storage.objects.metadata as Storage writes it. The ETag follows Storage's file backend in its `mtime` mode
 * ("<mtime ms hex>-<size hex>"), so no byte of a large upload is read twice to hash it.
 */
export function objectMetadata(mtimeMs: number, size: number, mimetype: string, cacheControl: string): ObjectMetadata {
  return {
    eTag: `"${mtimeMs.toString(16)}-${size.toString(16)}"`,
    size,
    mimetype,
    cacheControl,
    lastModified: new Date(mtimeMs).toISOString(),
    contentLength: size,
    httpStatusCode: 200,
  };
}

/** `x-metadata`: base64 JSON of the user metadata (uploads and copies). */
export function parseUserMetadata(header: string | undefined): Record<string, unknown> | null {
  if (!header) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    throw storageErrors.invalidRequest('Invalid x-metadata header: expected base64-encoded JSON');
  }
}
