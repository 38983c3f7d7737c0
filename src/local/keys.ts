// The project's API keys, all derived from one JWT secret so a data directory always prints the same keys.
import { createHmac, randomBytes } from 'node:crypto';
import { signJwt } from './jwt.js';

export interface ApiKeys {
  /** Legacy anon key: an HS256 JWT with role anon. */
  anonKey: string;
  /** Legacy service-role key: an HS256 JWT with role service_role (bypasses RLS). */
  serviceRoleKey: string;
  /** New-format keys; the gateway turns them into the two JWTs above. */
  publishableKey: string;
  secretKey: string;
}

/** Far in the future, like the Supabase CLI's demo keys. */
const API_KEY_EXPIRY = 1983812996;
export const API_KEY_ISSUER = 'supabase-local';

export async function deriveApiKeys(jwtSecret: string): Promise<ApiKeys> {
  const tag = (label: string) => createHmac('sha256', jwtSecret).update(label).digest('base64url').slice(0, 31);
  const [anonKey, serviceRoleKey] = await Promise.all([
    signJwt({ iss: API_KEY_ISSUER, role: 'anon', exp: API_KEY_EXPIRY }, jwtSecret),
    signJwt({ iss: API_KEY_ISSUER, role: 'service_role', exp: API_KEY_EXPIRY }, jwtSecret),
  ]);
  return {
    anonKey,
    serviceRoleKey,
    publishableKey: `sb_publishable_${tag('publishable')}`,
    secretKey: `sb_secret_${tag('secret')}`,
  };
}

/** A new random JWT secret (64 hex characters; Supabase requires at least 32). */
export function generateJwtSecret(): string {
  return randomBytes(32).toString('hex');
}
