import { usageError } from './errors.js';

/** The database's limit on session and module names (a CHECK constraint); checked here first. */
export const MAX_NAME_LENGTH = 255;

/**
 * A name as stored: trimmed, non-blank, at most 255 characters (counted as PostgreSQL
 * counts them, by code point). Bad names fail before any request.
 */
export function checkName(name: string | undefined, what: 'session' | 'module'): string {
  const text = (name ?? '').trim();
  if (!text) throw usageError(`the ${what} name is blank`, `pass a ${what} name, e.g. "Intro to SQL"`, 'invalid_name');
  const length = [...text].length;
  if (length > MAX_NAME_LENGTH) {
    throw usageError(`the ${what} name is ${length} characters long`, `use at most ${MAX_NAME_LENGTH} characters`, 'invalid_name');
  }
  return text;
}

/** The same rule as a prompt validator: true, or the reason. */
export function nameProblem(name: string, what: 'session' | 'module'): string | true {
  try {
    checkName(name, what);
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}

/** An import key: optional, non-blank when given. */
export function checkKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  const text = key.trim();
  if (!text) throw usageError('the key is blank', 'omit --key, or pass a non-blank key', 'invalid_key');
  if ([...text].length > MAX_NAME_LENGTH) throw usageError(`the key is longer than ${MAX_NAME_LENGTH} characters`, 'use a shorter key', 'invalid_key');
  return text;
}
