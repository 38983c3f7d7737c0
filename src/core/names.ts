import { usageError } from '../base/errors.js';

/** The database's limit on session and module names (a CHECK constraint); checked here first. */
export const MAX_NAME_LENGTH = 255;

const C0_NAMES = [
  'NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'BEL', 'BS', 'TAB', 'LF', 'VT', 'FF', 'CR', 'SO', 'SI',
  'DLE', 'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US',
];
const C1_NAMES = [
  'PAD', 'HOP', 'BPH', 'NBH', 'IND', 'NEL', 'SSA', 'ESA', 'HTS', 'HTJ', 'VTS', 'PLD', 'PLU', 'RI', 'SS2', 'SS3',
  'DCS', 'PU1', 'PU2', 'STS', 'CCH', 'MW', 'SPA', 'EPA', 'SOS', 'SGCI', 'SCI', 'CSI', 'ST', 'OSC', 'PM', 'APC',
];

export interface ControlCharacter {
  /** Its short name: ESC, BEL, LF, DEL, CSI... */
  name: string;
  /** `U+001B` */
  codePoint: string;
  /** 1-based, in characters (code points) of the text as given. */
  position: number;
}

/** The first C0, DEL or C1 control character in `text`, or null (the database refuses the same set). */
export function findControlCharacter(text: string): ControlCharacter | null {
  let position = 0;
  for (const ch of text) {
    position += 1;
    const code = ch.codePointAt(0)!;
    let name: string | undefined;
    if (code < 0x20) name = C0_NAMES[code];
    else if (code === 0x7f) name = 'DEL';
    else if (code >= 0x80 && code <= 0x9f) name = C1_NAMES[code - 0x80];
    if (name !== undefined) return { name, codePoint: `U+${code.toString(16).toUpperCase().padStart(4, '0')}`, position };
  }
  return null;
}

/** `contains a control character (ESC, U+001B) at position 4`, or null. */
export function controlCharacterProblem(text: string): string | null {
  const found = findControlCharacter(text);
  return found ? `contains a control character (${found.name}, ${found.codePoint}) at position ${found.position}` : null;
}

/**
 * A name as stored: trimmed, non-blank, at most 255 characters (counted as PostgreSQL
 * counts them, by code point), no control characters (newline and tab included, also at the ends).
 * Bad names fail before any request.
 */
export function checkName(name: string | undefined, what: 'session' | 'module'): string {
  const text = (name ?? '').trim();
  if (!text) throw usageError(`the ${what} name is blank`, `pass a ${what} name, e.g. "Intro to SQL"`, 'invalid_name');
  const control = controlCharacterProblem(name ?? '');
  if (control) throw usageError(`the ${what} name ${control}`, 'remove it: names are shown to other people and programs as typed', 'invalid_name');
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
  const control = controlCharacterProblem(key);
  if (control) throw usageError(`the key ${control}`, 'remove it', 'invalid_key');
  if ([...text].length > MAX_NAME_LENGTH) throw usageError(`the key is longer than ${MAX_NAME_LENGTH} characters`, 'use a shorter key', 'invalid_key');
  return text;
}
