// Email links and one-time codes: /admin/generate_link creates them, /verify redeems them; allowedRedirect picks where a link may send the browser.
import { createHash, randomInt } from 'node:crypto';
import type pg from 'pg';
import { AuthError, validationFailed } from './errors.js';
import { findUserById, type UserRow } from './users.js';

export const OTP_LENGTH = 6;
/** auth.email.otp_expiry: links and codes are valid for an hour. */
export const OTP_EXPIRY_SECONDS = 3600;

export type LinkType = 'signup' | 'invite' | 'magiclink' | 'recovery';

/** Which users column holds the token hash, and its one_time_tokens type. */
const TOKEN_SLOT: Record<LinkType, { column: 'confirmation_token' | 'recovery_token'; sentAt: string; otType: string }> = {
  signup: { column: 'confirmation_token', sentAt: 'confirmation_sent_at', otType: 'confirmation_token' },
  invite: { column: 'confirmation_token', sentAt: 'confirmation_sent_at', otType: 'confirmation_token' },
  magiclink: { column: 'recovery_token', sentAt: 'recovery_sent_at', otType: 'recovery_token' },
  recovery: { column: 'recovery_token', sentAt: 'recovery_sent_at', otType: 'recovery_token' },
};

export function generateOtp(): string {
  let otp = '';
  for (let i = 0; i < OTP_LENGTH; i++) otp += String(randomInt(10));
  return otp;
}

/** GoTrue's token hash: hex SHA-224 of the lower-cased email followed by the code. */
export function tokenHash(email: string, otp: string): string {
  return createHash('sha224').update(email.toLowerCase() + otp).digest('hex');
}

/** Stores a fresh link token for `user` and returns the code and its hash. */
export async function issueLinkToken(db: pg.PoolClient, user: UserRow, type: LinkType): Promise<{ otp: string; hash: string }> {
  const email = user.email ?? '';
  const otp = generateOtp();
  const hash = tokenHash(email, otp);
  const slot = TOKEN_SLOT[type];
  await db.query(`update auth.users set ${slot.column} = $2, ${slot.sentAt} = now(), updated_at = now() where id = $1`, [
    user.id,
    hash,
  ]);
  await db.query('delete from auth.one_time_tokens where user_id = $1 and token_type = $2', [user.id, slot.otType]);
  await db.query(
    `insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at)
     values (gen_random_uuid(), $1, $2, $3, $4, now(), now())`,
    [user.id, slot.otType, hash, email],
  );
  return { otp, hash };
}

const VERIFY_TYPES = new Set(['signup', 'invite', 'magiclink', 'recovery', 'email']);

/**
 * Finds the user whose link token matches, checks it has not expired, consumes it and confirms the email.
 * Throws 403 otp_expired with the message GoTrue uses for the token_hash or the email+token form.
 */
export async function redeemLinkToken(
  db: pg.PoolClient,
  type: string,
  hash: string,
  expiredMessage: string,
): Promise<UserRow> {
  if (!VERIFY_TYPES.has(type)) throw validationFailed('Invalid email verification type');
  const slots =
    type === 'email'
      ? [TOKEN_SLOT.signup, TOKEN_SLOT.magiclink]
      : [TOKEN_SLOT[type as LinkType]];
  for (const slot of slots) {
    const { rows } = await db.query<{ id: string; fresh: boolean }>(
      `select id, coalesce(${slot.sentAt} + make_interval(secs => $2) > now(), false) as fresh
         from auth.users where ${slot.column} = $1 and ${slot.column} <> '' for update`,
      [hash, OTP_EXPIRY_SECONDS],
    );
    const row = rows[0];
    if (!row) continue;
    if (!row.fresh) break;
    await db.query(
      `update auth.users set ${slot.column} = '',
              email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now()
        where id = $1`,
      [row.id],
    );
    await db.query('delete from auth.one_time_tokens where user_id = $1 and token_type = $2', [row.id, slot.otType]);
    await db.query(
      `update auth.identities set identity_data = identity_data || '{"email_verified": true}'::jsonb
        where user_id = $1 and provider = 'email'`,
      [row.id],
    );
    return (await findUserById(db, row.id))!;
  }
  throw new AuthError(403, 'otp_expired', expiredMessage);
}

/** GoTrue accepts redirect targets under the site URL or the local hosts; anything else falls back to the site URL. */
export function allowedRedirect(site: string, candidate: string | null): string {
  if (!candidate) return site;
  try {
    const url = new URL(candidate);
    const siteUrl = new URL(site);
    if (url.host === siteUrl.host || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return url.toString();
  } catch {
    // not a URL: fall back
  }
  return site;
}
