// Content fixtures for the database suites: rows created through the API roles, as the CLI would.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { asUser, type FreshDatabase, type TestUser } from '../support/db.js';

export interface SessionRow {
  id: string;
  user_id: string;
  name: string;
  session_type: string;
  key: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ModuleRow {
  id: string;
  session_id: string;
  user_id: string;
  name: string;
  key: string | null;
  order_index: number;
}

export interface VideoRow {
  id: string;
  module_id: string;
  user_id: string;
  key: string | null;
  file_name: string;
  file_size: string;
  mime_type: string;
  sha256: string;
  status: string;
  file_url: string;
  order_index: number;
}

/** Inserts a session as the user (plain table write, as `session create` does). */
export async function createSession(db: FreshDatabase, user: TestUser, fields: { name?: string; key?: string; session_type?: string } = {}): Promise<SessionRow> {
  return asUser(db.api, user, async (c) => {
    const { rows } = await c.query<SessionRow>(
      `insert into public.sessions (name, key, session_type) values ($1, $2, coalesce($3, 'Linear Flow')) returning *`,
      [fields.name ?? `Session ${randomBytes(3).toString('hex')}`, fields.key ?? null, fields.session_type ?? null],
    );
    return rows[0]!;
  });
}

/** add_module as the user. */
export async function addModule(db: FreshDatabase, user: TestUser, sessionId: string, name: string, orderIndex: number | null = null, key: string | null = null): Promise<ModuleRow> {
  return asUser(db.api, user, async (c) => {
    const { rows } = await c.query<ModuleRow>('select * from public.add_module($1, $2, $3, $4)', [sessionId, name, orderIndex, key]);
    return rows[0]!;
  });
}

export function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** begin_video as the user; bytes default to a random 1 MiB video/mp4. */
export async function beginVideo(
  db: FreshDatabase,
  user: TestUser,
  moduleId: string,
  file: { name?: string; size?: number | string; sha256?: string; mime?: string } = {},
): Promise<VideoRow> {
  return asUser(db.api, user, async (c) => {
    const { rows } = await c.query<VideoRow>('select * from public.begin_video($1, $2, $3, $4, $5)', [
      moduleId,
      file.name ?? 'clip.mp4',
      file.size ?? 1_048_576,
      file.sha256 ?? sha256Of(randomBytes(8).toString('hex')),
      file.mime ?? 'video/mp4',
    ]);
    return rows[0]!;
  });
}

/** Writes a storage.objects row as the Storage server would after an upload (superuser). */
export async function storeObject(pool: pg.Pool, name: string, metadata: Record<string, unknown>, ownerId?: string): Promise<void> {
  await pool.query(
    `insert into storage.objects (bucket_id, name, owner, owner_id, metadata, version)
     values ('videos', $1, $2::uuid, $2::text, $3::jsonb, gen_random_uuid()::text)`,
    [name, ownerId ?? null, JSON.stringify(metadata)],
  );
}

/** Order indexes of a session's modules, as the superuser sees them. */
export async function moduleOrder(pool: pg.Pool, sessionId: string): Promise<Array<{ name: string; order_index: number }>> {
  const { rows } = await pool.query('select name, order_index from public.modules where session_id = $1 order by order_index', [sessionId]);
  return rows;
}

/** Order indexes of a module's videos, as the superuser sees them. */
export async function videoOrder(pool: pg.Pool, moduleId: string): Promise<Array<{ file_name: string; order_index: number }>> {
  const { rows } = await pool.query('select file_name, order_index from public.videos where module_id = $1 order by order_index', [moduleId]);
  return rows;
}
