// GET    /auth/v1/admin/users?page=&per_page=
// POST   /auth/v1/admin/users
// GET    /auth/v1/admin/users/:id
// PUT    /auth/v1/admin/users/:id
// DELETE /auth/v1/admin/users/:id
import type pg from 'pg';
import { withTransaction } from '../../transaction.js';
import { requireAdmin } from '../caller.js';
import type { AuthContext } from '../context.js';
import { AuthError, validationFailed } from '../errors.js';
import { isObject, readParams, type AuthRequest } from '../request.js';
import { json } from '../respond.js';
import { logout } from '../sessions.js';
import {
  checkPasswordStrength,
  findUserByEmail,
  findUserById,
  findUserByPhone,
  insertUser,
  isUuid,
  mergeMetadata,
  normaliseEmail,
  parseBanDuration,
  userJson,
  type UserRow,
} from '../users.js';

export async function adminListUsers(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { backend, db } = ctx;
  requireAdmin(request);
  const page = Math.max(1, Number.parseInt(request.query.get('page') ?? '1', 10) || 1);
  const perPage = Math.min(1000, Math.max(1, Number.parseInt(request.query.get('per_page') ?? '50', 10) || 50));
  const total = await db.query<{ n: string }>(`select count(*)::text as n from auth.users where instance_id = $1 and aud = 'authenticated'`, [
    '00000000-0000-0000-0000-000000000000',
  ]);
  const { rows } = await db.query<{ id: string }>(
    `select id from auth.users where instance_id = $1 and aud = 'authenticated' order by created_at desc, id limit $2 offset $3`,
    ['00000000-0000-0000-0000-000000000000', perPage, (page - 1) * perPage],
  );
  const users: Record<string, unknown>[] = [];
  for (const { id } of rows) {
    const user = await findUserById(db, id);
    if (user) users.push(userJson(user));
  }
  const count = Number(total.rows[0]?.n ?? 0);
  const lastPage = Math.max(1, Math.ceil(count / perPage));
  const base = `${backend.url()}/auth/v1/admin/users`;
  const links: string[] = [];
  if (page < lastPage) links.push(`<${base}?page=${page + 1}&per_page=${perPage}>; rel="next"`);
  links.push(`<${base}?page=${lastPage}&per_page=${perPage}>; rel="last"`);
  json(request.req, request.res, 200, { users, aud: 'authenticated' }, { 'X-Total-Count': String(count), Link: links.join(', ') });
}

export async function adminCreateUser(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { backend, db, crypto } = ctx;
  requireAdmin(request);
  const body = await readParams(request.req);
  const email = body.email === undefined || body.email === null || body.email === '' ? null : normaliseEmail(body.email);
  const phone = typeof body.phone === 'string' && body.phone !== '' ? body.phone.replace(/[^0-9]/g, '') : null;
  if (!email && !phone) throw validationFailed('Unable to validate email address: invalid format');
  if (body.password && body.password_hash) throw validationFailed('Only a password or a password hash should be provided');
  if (body.id !== undefined && !isUuid(body.id)) throw validationFailed('ID must conform to the uuid v4 format');
  const password = typeof body.password === 'string' && body.password !== '' ? body.password : null;
  if (password !== null) checkPasswordStrength(password, backend.settings.minimumPasswordLength);
  let bannedUntil: Date | null = null;
  if (typeof body.ban_duration === 'string') {
    const seconds = parseBanDuration(body.ban_duration);
    bannedUntil = seconds === null ? null : new Date(Date.now() + seconds * 1000);
  }
  const user = await withTransaction(db, async (tx) => {
    if (email && (await findUserByEmail(tx, email))) {
      throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
    }
    if (phone && (await findUserByPhone(tx, phone))) {
      throw new AuthError(422, 'phone_exists', 'A user with this phone number has already been registered');
    }
    const id = await insertUser(tx, crypto, {
      id: isUuid(body.id) ? body.id : undefined,
      email,
      phone,
      password,
      passwordHash: typeof body.password_hash === 'string' ? body.password_hash : null,
      emailConfirmed: body.email_confirm === true,
      phoneConfirmed: body.phone_confirm === true,
      appMetadata: isObject(body.app_metadata) ? body.app_metadata : {},
      userMetadata: isObject(body.user_metadata) ? body.user_metadata : {},
      role: typeof body.role === 'string' && body.role !== '' ? body.role : undefined,
      bannedUntil,
    });
    return (await findUserById(tx, id))!;
  });
  json(request.req, request.res, 200, userJson(user));
}

export async function adminGetUser(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const id = request.params.id!;
  requireAdmin(request);
  const user = await loadUser(ctx.db, id);
  json(request.req, request.res, 200, userJson(user));
}

export async function adminUpdateUser(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { backend, db, crypto } = ctx;
  const id = request.params.id!;
  requireAdmin(request);
  await loadUser(db, id);
  const body = await readParams(request.req);
  const user = await withTransaction(db, async (tx) => {
    const current = (await findUserById(tx, id, true))!;
    if (body.email !== undefined && body.email !== current.email) {
      const email = normaliseEmail(body.email);
      const other = await findUserByEmail(tx, email);
      if (other && other.id !== id) throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
      await tx.query('update auth.users set email = $2 where id = $1', [id, email]);
      await tx.query(
        `update auth.identities set identity_data = identity_data || jsonb_build_object('email', $2::text)
          where user_id = $1 and provider = 'email'`,
        [id, email],
      );
    }
    if (typeof body.password === 'string' && body.password !== '') {
      checkPasswordStrength(body.password, backend.settings.minimumPasswordLength);
      await tx.query(`update auth.users set encrypted_password = ${crypto}.crypt($2::text, ${crypto}.gen_salt('bf', 10)) where id = $1`, [
        id,
        body.password,
      ]);
    }
    if (body.email_confirm === true) {
      await tx.query('update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()) where id = $1', [id]);
    }
    if (isObject(body.app_metadata)) {
      await tx.query('update auth.users set raw_app_meta_data = $2::jsonb where id = $1', [
        id,
        JSON.stringify(mergeMetadata(current.raw_app_meta_data, body.app_metadata)),
      ]);
    }
    if (isObject(body.user_metadata)) {
      await tx.query('update auth.users set raw_user_meta_data = $2::jsonb where id = $1', [
        id,
        JSON.stringify(mergeMetadata(current.raw_user_meta_data, body.user_metadata)),
      ]);
    }
    if (typeof body.ban_duration === 'string') {
      const seconds = parseBanDuration(body.ban_duration);
      await tx.query(`update auth.users set banned_until = $2 where id = $1`, [
        id,
        seconds === null ? null : new Date(Date.now() + seconds * 1000),
      ]);
    }
    await tx.query('update auth.users set updated_at = now() where id = $1', [id]);
    return (await findUserById(tx, id))!;
  });
  json(request.req, request.res, 200, userJson(user));
}

export async function adminDeleteUser(ctx: AuthContext, request: AuthRequest): Promise<void> {
  const { db } = ctx;
  const id = request.params.id!;
  requireAdmin(request);
  await loadUser(db, id);
  await withTransaction(db, async (tx) => {
    await logout(tx, id, null, 'global');
    await tx.query('delete from auth.one_time_tokens where user_id = $1', [id]);
    await tx.query('delete from auth.identities where user_id = $1', [id]);
    await tx.query('delete from auth.users where id = $1', [id]);
  });
  json(request.req, request.res, 200, {});
}

async function loadUser(db: pg.Pool, id: string): Promise<UserRow> {
  if (!isUuid(id)) throw new AuthError(404, 'user_not_found', 'User not found');
  const user = await findUserById(db, id);
  if (!user) throw new AuthError(404, 'user_not_found', 'User not found');
  return user;
}
