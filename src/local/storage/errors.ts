// Storage's error model: every 4xx is sent as HTTP 400 with the real status as a *string* `statusCode` in a
// three-key body ({statusCode, error, message}); only 500s keep their status. TUS routes answer the other way
// round: the real status with the message as plain text (see tus-server.ts).
import type { ServerResponse } from 'node:http';

export interface StorageErrorBody {
  statusCode: string;
  error: string;
  message: string;
}

export class StorageError extends Error {
  /** Set when the request body was left unread and is too large to drain: the response closes the connection. */
  closeConnection = false;

  constructor(
    /** The real status, e.g. 403, 409, 413; sent as a string in the body. */
    readonly status: number,
    /** Storage's short error name (`Duplicate`, `not_found`, `invalid_mime_type`, ...). */
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }

  get body(): StorageErrorBody {
    return { statusCode: String(this.status), error: this.error, message: this.message };
  }

  /** HTTP status on the wire for normal (non-TUS) routes. */
  get httpStatus(): number {
    return this.status >= 500 ? 500 : 400;
  }
}

export const storageErrors = {
  bucketNotFound: () => new StorageError(404, 'Bucket not found', 'Bucket not found'),
  objectNotFound: () => new StorageError(404, 'not_found', 'Object not found'),
  duplicate: () => new StorageError(409, 'Duplicate', 'The resource already exists'),
  entityTooLarge: () => new StorageError(413, 'Payload too large', 'The object exceeded the maximum allowed size'),
  invalidMimeType: (mimeType: string) =>
    new StorageError(415, 'invalid_mime_type', `mime type ${mimeType} is not supported`),
  invalidKey: (key: string) => new StorageError(400, 'InvalidKey', `Invalid key: ${key}`),
  invalidBucketName: () => new StorageError(400, 'Invalid Input', 'Bucket name invalid'),
  accessDenied: (message: string) => new StorageError(403, 'Unauthorized', message),
  rlsDenied: () => new StorageError(403, 'Unauthorized', 'new row violates row-level security policy'),
  invalidJwt: (message: string) => new StorageError(400, 'InvalidJWT', message),
  invalidSignature: (message: string) => new StorageError(400, 'InvalidSignature', message),
  invalidRequest: (message: string) => new StorageError(400, 'InvalidRequest', message),
  missingParameter: (name: string) => new StorageError(400, 'MissingParameter', `Missing Required Parameter ${name}`),
  lockedResource: () => new StorageError(409, 'ResourceLocked', 'Resource already locked'),
  notFoundRoute: (method: string, path: string) =>
    new StorageError(404, 'Not Found', `Route ${method}:${path} not found`),
  internal: () => new StorageError(500, 'internal', 'Internal Server Error'),
} as const;

interface PgErrorLike {
  code?: string;
  message?: string;
}

/** Turns a database error raised while acting as the caller into Storage's error (knex.ts DBError in Storage). */
export function fromDatabaseError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const pgErr = err as PgErrorLike;
  switch (pgErr?.code) {
    case '42501':
      return pgErr.message?.startsWith('new row violates row-level security policy')
        ? storageErrors.rlsDenied()
        : storageErrors.accessDenied(pgErr.message ?? 'permission denied');
    case '23505':
      return storageErrors.duplicate();
    case '23503':
      return storageErrors.bucketNotFound();
    case '55P03':
      return storageErrors.lockedResource();
    case '53300':
      return new StorageError(429, 'SlowDown', pgErr.message ?? 'too many requests at once');
    case '57014':
      return new StorageError(504, 'DatabaseTimeout', 'the request took longer than the statement timeout');
    default:
      return storageErrors.internal();
  }
}

export function sendStorageError(res: ServerResponse, error: StorageError, headOnly = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = headOnly ? '' : JSON.stringify(error.body);
  res.writeHead(error.httpStatus, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...(error.closeConnection ? { Connection: 'close' } : {}),
  });
  res.end(text);
}
