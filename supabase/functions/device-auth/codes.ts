// The two codes of a device login (RFC 8628 section 6.1): a long random device code the CLI
// keeps secret, and a short user code a person can read and type.

/** Base-20 consonants: no vowels (no words), no digits (no 0/O, 1/I look-alikes). */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

/** 8 characters, uniform over the alphabet (bytes ≥ 240 are redrawn, so no modulo bias). */
export function newUserCode(): string {
  let code = '';
  const bytes = new Uint8Array(16);
  while (code.length < USER_CODE_LENGTH) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte >= 240) continue;
      code += USER_CODE_ALPHABET[byte % 20];
      if (code.length === USER_CODE_LENGTH) break;
    }
  }
  return code;
}

/** 32 random bytes, base64url: what the CLI polls with. */
export function newDeviceCode(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** SHA-256 in hex: the only form of the device code the database keeps. */
export async function hashDeviceCode(deviceCode: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(deviceCode));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `abcd-efgh`, `ABCD EFGH` and `ABCDEFGH` are the same code; null when it cannot be one. */
export function normalizeUserCode(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== USER_CODE_LENGTH) return null;
  for (const ch of code) if (!USER_CODE_ALPHABET.includes(ch)) return null;
  return code;
}

/** How people see a code: ABCD-EFGH. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}
