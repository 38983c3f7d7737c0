// auth.users rows as GoTrue reads, writes and serialises them.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { AuthError, validationFailed } from './errors.js';

export const ZERO_INSTANCE = '00000000-0000-0000-0000-000000000000';
export const AUDIENCE = 'authenticated';

type Queryable = pg.Pool | pg.PoolClient;

export interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  invited_at: Date | null;
  confirmation_token: string | null;
  confirmation_sent_at: Date | null;
  recovery_token: string | null;
  recovery_sent_at: Date | null;
  email_change: string | null;
  email_change_sent_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  created_at: Date | null;
  updated_at: Date | null;
  phone: string | null;
  phone_confirmed_at: Date | null;
  phone_change: string | null;
  phone_change_sent_at: Date | null;
  confirmed_at: Date | null;
  banned_until: Date | null;
  reauthentication_sent_at: Date | null;
  deleted_at: Date | null;
  is_anonymous: boolean | null;
  identities: IdentityRow[] | null;
}

interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Record<string, unknown>;
  provider: string;
  last_sign_in_at: string | null;
  created_at: string | null;
  updated_at: string | null;
  email: string | null;
}

const USER_COLUMNS = `u.*, (
  select coalesce(json_agg(json_build_object(
           'id', i.id, 'provider_id', i.provider_id, 'user_id', i.user_id, 'identity_data', i.identity_data,
           'provider', i.provider, 'last_sign_in_at', i.last_sign_in_at, 'created_at', i.created_at,
           'updated_at', i.updated_at, 'email', i.identity_data ->> 'email') order by i.created_at), '[]'::json)
    from auth.identities i where i.user_id = u.id) as identities`;

const iso = (d: Date | string | null | undefined): string | undefined => {
  if (d === null || d === undefined) return undefined;
  return (d instanceof Date ? d : new Date(d)).toISOString();
};

/** GoTrue's user JSON: fields marked omitempty there are left out when empty. */
export function userJson(row: UserRow): Record<string, unknown> {
  const out: Record<string, unknown> = { id: row.id, aud: row.aud ?? '', role: row.role ?? '', email: row.email ?? '' };
  const optional = (key: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') out[key] = value;
  };
  optional('email_confirmed_at', iso(row.email_confirmed_at));
  optional('invited_at', iso(row.invited_at));
  out.phone = row.phone ?? '';
  optional('phone_confirmed_at', iso(row.phone_confirmed_at));
  optional('confirmation_sent_at', iso(row.confirmation_sent_at));
  optional('confirmed_at', iso(row.confirmed_at ?? row.email_confirmed_at ?? row.phone_confirmed_at));
  optional('recovery_sent_at', iso(row.recovery_sent_at));
  optional('new_email', row.email_change);
  optional('email_change_sent_at', iso(row.email_change_sent_at));
  optional('new_phone', row.phone_change);
  optional('phone_change_sent_at', iso(row.phone_change_sent_at));
  optional('reauthentication_sent_at', iso(row.reauthentication_sent_at));
  optional('last_sign_in_at', iso(row.last_sign_in_at));
  out.app_metadata = row.raw_app_meta_data ?? {};
  out.user_metadata = row.raw_user_meta_data ?? {};
  out.identities = (row.identities ?? []).map((i) => {
    const identity: Record<string, unknown> = {
      identity_id: i.id,
      id: i.provider_id,
      user_id: i.user_id,
      identity_data: i.identity_data,
      provider: i.provider,
    };
    if (i.last_sign_in_at) identity.last_sign_in_at = iso(i.last_sign_in_at);
    identity.created_at = iso(i.created_at);
    identity.updated_at = iso(i.updated_at);
    if (i.email) identity.email = i.email;
    return identity;
  });
  out.created_at = iso(row.created_at);
  out.updated_at = iso(row.updated_at);
  optional('banned_until', iso(row.banned_until));
  optional('deleted_at', iso(row.deleted_at));
  out.is_anonymous = row.is_anonymous ?? false;
  return out;
}

export async function findUserById(db: Queryable, id: string, forUpdate = false): Promise<UserRow | null> {
  if (!isUuid(id)) return null;
  const { rows } = await db.query<UserRow>(
    `select ${USER_COLUMNS} from auth.users u where u.id = $1${forUpdate ? ' for update of u' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

/** GoTrue's lookup: the zero instance, lower-cased email, the audience, no SSO users. */
export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(
    `select ${USER_COLUMNS} from auth.users u
      where u.instance_id = $1 and lower(u.email) = lower($2) and u.aud = $3 and u.is_sso_user = false`,
    [ZERO_INSTANCE, email, AUDIENCE],
  );
  return rows[0] ?? null;
}

export async function findUserByPhone(db: Queryable, phone: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(
    `select ${USER_COLUMNS} from auth.users u where u.instance_id = $1 and u.phone = $2 and u.aud = $3 and u.is_sso_user = false`,
    [ZERO_INSTANCE, phone, AUDIENCE],
  );
  return rows[0] ?? null;
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

export function normaliseEmail(raw: unknown): string {
  if (typeof raw !== 'string') throw validationFailed('Unable to validate email address: invalid format');
  const email = raw.trim().toLowerCase();
  if (email.length > 255 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw validationFailed('Unable to validate email address: invalid format');
  }
  return email;
}

export function checkPasswordStrength(password: string, minimumLength: number): void {
  if (password.length < minimumLength) {
    throw new AuthError(422, 'weak_password', `Password should be at least ${minimumLength} characters.`, {
      weak_password: { reasons: ['length'] },
    });
  }
}

export interface NewUser {
  id?: string;
  email: string | null;
  phone: string | null;
  /** Plain password, hashed here with bcrypt (pgcrypto), or a ready bcrypt hash. */
  password?: string | null;
  passwordHash?: string | null;
  emailConfirmed: boolean;
  phoneConfirmed: boolean;
  invited?: boolean;
  appMetadata?: Record<string, unknown>;
  userMetadata?: Record<string, unknown>;
  role?: string;
  bannedUntil?: Date | null;
}

/** Inserts a user with GoTrue's defaults (empty-string token columns, the email identity). */
export async function insertUser(db: pg.PoolClient, crypto: string, input: NewUser): Promise<string> {
  const id = input.id ?? randomUUID();
  const provider = input.email ? 'email' : 'phone';
  const appMetadata = { provider, providers: [provider], ...(input.appMetadata ?? {}) };
  const hashSql = input.passwordHash
    ? '$5::text'
    : input.password
      ? `${crypto}.crypt($5::text, ${crypto}.gen_salt('bf', 10))`
      : `coalesce($5::text, '')`;
  const params: unknown[] = [
    id,
    ZERO_INSTANCE,
    input.email,
    input.phone,
    input.passwordHash ?? input.password ?? null,
    input.emailConfirmed,
    input.phoneConfirmed,
    JSON.stringify(appMetadata),
    JSON.stringify(input.userMetadata ?? {}),
    input.role ?? AUDIENCE,
    input.bannedUntil ?? null,
    input.invited ?? false,
  ];
  try {
    await db.query(
      `insert into auth.users (id, instance_id, aud, role, email, phone, encrypted_password,
         email_confirmed_at, phone_confirmed_at, invited_at, raw_app_meta_data, raw_user_meta_data, banned_until,
         confirmation_token, recovery_token, email_change_token_new, email_change, email_change_token_current,
         phone_change, phone_change_token, reauthentication_token, is_sso_user, is_anonymous, created_at, updated_at)
       values ($1, $2, '${AUDIENCE}', $10, $3, $4, ${hashSql},
         case when $6 then now() end, case when $7 then now() end, case when $12 then now() end,
         $8::jsonb, $9::jsonb, $11, '', '', '', '', '', '', '', '', false, false, now(), now())`,
      params,
    );
  } catch (err) {
    const e = err as { code?: string; constraint?: string; detail?: string };
    if (e.code === '23505') {
      if (e.detail?.includes('(phone)')) throw new AuthError(422, 'phone_exists', 'A user with this phone number has already been registered');
      if (e.detail?.includes('(id)')) throw new AuthError(422, 'user_already_exists', 'User already registered');
      throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
    }
    throw err;
  }
  const identityData: Record<string, unknown> = input.email
    ? { sub: id, email: input.email, email_verified: input.emailConfirmed, phone_verified: false }
    : { sub: id, phone: input.phone, email_verified: false, phone_verified: input.phoneConfirmed };
  await db.query(
    `insert into auth.identities (id, provider_id, user_id, identity_data, provider, created_at, updated_at)
     values (gen_random_uuid(), $1::text, $1::uuid, $2::jsonb, $3, now(), now())`,
    [id, JSON.stringify(identityData), provider],
  );
  return id;
}

/** GoTrue merges metadata updates key by key; a null value removes the key. */
export function mergeMetadata(
  current: Record<string, unknown> | null,
  update: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** Parses a Go duration like "24h", "1h30m", "none"; returns seconds, or null for "none". */
export function parseBanDuration(value: string): number | null {
  if (value === 'none') return null;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const scale: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  let consumed = 0;
  for (const match of value.matchAll(re)) {
    total += Number(match[1]) * (scale[match[2] ?? 's'] ?? 1);
    consumed += match[0].length;
  }
  if (consumed !== value.length || consumed === 0) throw validationFailed('invalid format for ban duration: time: invalid duration');
  return total;
}
