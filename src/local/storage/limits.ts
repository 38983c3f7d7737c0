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

const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
/** RFC 9110 media type: `type/subtype` then `; name=value` parameters (token or quoted-string values). */
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})((?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\r\\n]*"))*)[ \\t]*$`);

export interface MediaType {
  /** `type/subtype`, lowercased. */
  essence: string;
  type: string;
  subtype: string;
}

/** The declared type as a media type, or null when it is not exactly one `type/subtype` with parameters. */
export function parseMediaType(value: string): MediaType | null {
  const m = MEDIA_TYPE.exec(value.trim());
  if (!m) return null;
  const type = m[1]!.toLowerCase();
  const subtype = m[2]!.toLowerCase();
  return { essence: `${type}/${subtype}`, type, subtype };
}

/**
 * The declared type must be exactly one `type/subtype` (parameters such as `; codecs=...` may follow) and
 * that pair must be in the bucket's list (`video/*` allows any subtype). Anything else, `video/mp4/x,text/html`
 * included, is refused. An empty or missing list allows every well-formed type.
 */
export function assertMimeTypeAllowed(mimeType: string, allowed: string[] | null): void {
  const media = parseMediaType(mimeType);
  if (!media) throw storageErrors.invalidMimeType(mimeType);
  if (allowed === null || allowed.length === 0) return;
  for (const entry of allowed) {
    const [allowedType, allowedSubtype] = entry.trim().toLowerCase().split('/');
    if (allowedType === media.type && (allowedSubtype === '*' || allowedSubtype === media.subtype)) return;
  }
  throw storageErrors.invalidMimeType(mimeType);
}

/** Types a browser may show in place (a player); every other object is served as an attachment. */
export const INLINE_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/x-matroska',
  'video/x-m4v',
  'video/x-msvideo',
  'video/ogg',
  'video/mpeg',
]);

/**
 * The headers that decide how a browser treats a served object: the stored type when it is a well-formed
 * media type (else application/octet-stream), never sniffed, and an attachment unless it is one of the exact
 * video types (older rows may hold a type stored before the exact check).
 */
export function servedTypeHeaders(storedType: string | null | undefined, filename: string, forceDownload: boolean): Record<string, string> {
  const media = storedType ? parseMediaType(storedType) : null;
  const contentType = media ? storedType!.trim() : 'application/octet-stream';
  const inline = !forceDownload && media !== null && INLINE_MEDIA_TYPES.has(media.essence);
  const encoded = encodeURIComponent(filename);
  return {
    'Content-Type': contentType,
    'X-Content-Type-Options': 'nosniff',
    'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename=${encoded}; filename*=UTF-8''${encoded}`,
    'Content-Security-Policy': "default-src 'none'; media-src 'self'; sandbox",
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

/** `cacheControl` as Storage stores it: digits become max-age, anything else is kept (standard) or no-cache (TUS). */
export function cacheControlFromSeconds(value: string | null | undefined): string {
  if (value && /^-?\d+$/.test(value)) return `max-age=${value}`;
  return 'no-cache';
}
