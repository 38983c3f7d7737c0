// The seed's users (supabase/seed.sql) carry published passwords, and any web page can reach 127.0.0.1,
// so a local backend never keeps them: on every start, a seed user whose password is still the published
// one gets this data directory's own random password (kept in secrets.json, printed by `local status`).
import { randomBytes } from 'node:crypto';

export interface SeedUser {
  id: string;
  email: string;
  /** The password written in supabase/seed.sql. */
  published: string;
  /** The key of this user's password in secrets.json. */
  secret: 'demo_password' | 'operator_password';
}

export const SEED_USERS: readonly SeedUser[] = [
  { id: 'd0000000-0000-4000-8000-000000000001', email: 'demo@example.com', published: 'demo-password', secret: 'demo_password' },
  { id: 'd0000000-0000-4000-8000-000000000002', email: 'operator@example.com', published: 'operator-password', secret: 'operator_password' },
];

export function generateSeedPassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * Replaces each seed user's published password with its per-directory one; a password the person changed
 * since is left alone. Returns the emails changed. Runs as the superuser (auth.users is GoTrue's).
 */
export async function replacePublishedSeedPasswords(
  superuserUrl: string,
  passwords: Record<SeedUser['secret'], string>,
): Promise<string[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    const changed: string[] = [];
    for (const user of SEED_USERS) {
      const { rowCount } = await client.query(
        `update auth.users
            set encrypted_password = extensions.crypt($2::text, extensions.gen_salt('bf', 10)), updated_at = now()
          where id = $1 and encrypted_password is not null and encrypted_password = extensions.crypt($3::text, encrypted_password)`,
        [user.id, passwords[user.secret], user.published],
      );
      if (rowCount) changed.push(user.email);
    }
    return changed;
  } finally {
    await client.end();
  }
}
