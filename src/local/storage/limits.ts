// Object keys, bucket names, and the bucket limits (file_size_limit, allowed_mime_types) as Storage applies them.
import { storageErrors } from './errors.js';

/** Storage's global cap for standard and resumable uploads as the Supabase CLI configures it locally (UPLOAD_FILE_SIZE_LIMIT). */
export const GLOBAL_FILE_SIZE_LIMIT = 52_428_800_000;

/** Characters Storage accepts in object keys (src/storage/limits.ts isValidKey). */
const VALID_KEY = /^(\w|\/|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)*$/;
const VALID_BUCKET = /^(\w|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)*$/;

/**
 * Throws InvalidKey unless `key` is a key Storage accepts. Keys become file paths here, so segments that are
 * empty, `.` or `..` are refused as well (S3 would store them literally; a file system would resolve them).
 */
export function assertValidKey(key: string): void {
  if (key.length === 0 || key.length > 1024 || !VALID_KEY.test(key)) throw storageErrors.invalidKey(key);
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw storageErrors.invalidKey(key);
  }
}

export function assertValidBucketName(name: string): void {
  if (name.length === 0 || name.length > 100 || !VALID_BUCKET.test(name) || name === '.' || name === '..') {
    throw storageErrors.invalidBucketName();
  }
}

export interface BucketLimits {
  id: string;
  public: boolean;
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
}

/** The bucket's limit capped by the global one; a missing or zero bucket limit means the global one. */
export function maxFileSize(bucket: Pick<BucketLimits, 'file_size_limit'>): number {
  const limit = bucket.file_size_limit;
  if (limit === null || limit <= 0) return GLOBAL_FILE_SIZE_LIMIT;
  return Math.min(limit, GLOBAL_FILE_SIZE_LIMIT);
}

/**
 * Storage splits the declared type on '/' and compares type and subtype with each allowed entry (`video/*`
 * matches any subtype). Parameters stay part of the subtype, so `text/plain;charset=UTF-8` matches `text/*`
 * but not `text/plain`. An empty or missing list allows everything.
 */
export function assertMimeTypeAllowed(mimeType: string, allowed: string[] | null): void {
  if (allowed === null || allowed.length === 0) return;
  const requested = mimeType.split('/');
  if (requested.length < 2) throw storageErrors.invalidMimeType(mimeType);
  const [type, subtype] = requested;
  for (const entry of allowed) {
    const [allowedType, allowedSubtype] = entry.split('/');
    if (allowedType === type && (allowedSubtype === '*' || allowedSubtype === subtype)) return;
  }
  throw storageErrors.invalidMimeType(mimeType);
}

/** `cacheControl` as Storage stores it: digits become max-age, anything else is kept (standard) or no-cache (TUS). */
export function cacheControlFromSeconds(value: string | null | undefined): string {
  if (value && /^-?\d+$/.test(value)) return `max-age=${value}`;
  return 'no-cache';
}
