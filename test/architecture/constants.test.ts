// One source for the values the database, supabase/config.toml and the CLI must share: the
// session types, the videos bucket's MIME types and its size limit. base/constants.ts holds
// them; this test reads what the migrations made of them in a migrated database. The control
// characters names may not hold are the CLI's findControlCharacter and the names' CHECK constraints.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_TYPE, SESSION_TYPES, VIDEO_MAX_BYTES, VIDEO_MIME_TYPES } from '../../src/base/constants.js';
import { findControlCharacter } from '../../src/core/names.js';
import { freshDatabase, type FreshDatabase } from '../support/db.js';

const ROOT = resolve(import.meta.dirname, '../..');

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.cleanup();
});

/** The quoted literals of a CHECK constraint's definition, in order. */
async function checkLiterals(table: string, constraint: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ def: string }>(
    `select pg_get_constraintdef(c.oid) as def from pg_constraint c where c.conrelid = $1::regclass and c.conname = $2`,
    [`public.${table}`, constraint],
  );
  expect(rows).toHaveLength(1);
  return [...rows[0]!.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!);
}

/** "50GiB" and the like, as the Supabase CLI reads sizes. */
function bytesOf(size: string): number {
  const match = /^(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/i.exec(size);
  if (!match) throw new Error(`not a size: ${size}`);
  const units: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9 };
  return Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]!;
}

describe('shared values agree', () => {
  it('session types: the CHECK constraint and its default', async () => {
    expect(await checkLiterals('sessions', 'sessions_session_type_check')).toEqual([...SESSION_TYPES]);
    const { rows } = await db.pool.query<{ def: string }>(
      `select pg_get_expr(d.adbin, d.adrelid) as def from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
        where d.adrelid = 'public.sessions'::regclass and a.attname = 'session_type'`,
    );
    expect(rows[0]?.def).toBe(`'${DEFAULT_SESSION_TYPE}'::text`);
  });

  it('MIME types: the bucket row, the videos CHECK and config.toml', async () => {
    const { rows } = await db.pool.query<{ allowed_mime_types: string[]; file_size_limit: string }>(
      `select allowed_mime_types, file_size_limit from storage.buckets where id = 'videos'`,
    );
    expect(rows[0]?.allowed_mime_types).toEqual([...VIDEO_MIME_TYPES]);
    expect(await checkLiterals('videos', 'videos_mime_type_check')).toEqual([...VIDEO_MIME_TYPES]);
    expect(configToml().allowed_mime_types).toEqual([...VIDEO_MIME_TYPES]);
  });

  it('size limit: the bucket row, the videos CHECK, the upload function and config.toml', async () => {
    const { rows } = await db.pool.query<{ file_size_limit: string }>(`select file_size_limit from storage.buckets where id = 'videos'`);
    expect(Number(rows[0]?.file_size_limit)).toBe(VIDEO_MAX_BYTES);
    const check = await db.pool.query<{ def: string }>(
      `select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'public.videos'::regclass and conname = 'videos_file_size_check'`,
    );
    expect(check.rows[0]?.def).toContain(`<= '${VIDEO_MAX_BYTES}'`);
    // The fallback when the bucket row has no limit.
    const fn = await db.pool.query<{ src: string }>(`select prosrc as src from pg_proc where proname = 'begin_video' and pronamespace = 'public'::regnamespace`);
    const fallbacks = [...fn.rows.map((r) => r.src).join('\n').matchAll(/coalesce\(v_limit, (\d+)\)/g)].map((m) => Number(m[1]));
    expect(fallbacks.length).toBeGreaterThan(0);
    expect(new Set(fallbacks)).toEqual(new Set([VIDEO_MAX_BYTES]));
    expect(bytesOf(String(configToml().file_size_limit))).toBe(VIDEO_MAX_BYTES);
  });

  it('control characters: the names the CLI refuses are the ones the CHECK constraints refuse', async () => {
    const { rows } = await db.pool.query<{ conname: string; def: string }>(
      `select conname, pg_get_constraintdef(oid) as def from pg_constraint
        where conname in ('sessions_name_no_control_chars', 'modules_name_no_control_chars', 'videos_file_name_no_control_chars') order by conname`,
    );
    expect(rows.map((r) => r.conname)).toEqual(['modules_name_no_control_chars', 'sessions_name_no_control_chars', 'videos_file_name_no_control_chars']);
    // Every code point up to U+04FF (U+0000 cannot be stored in text).
    const points = Array.from({ length: 0x4ff }, (_, i) => i + 1);
    const cli = points.filter((p) => findControlCharacter(String.fromCodePoint(p)) !== null);
    expect(cli.length).toBe(0x1f + 0x21);
    for (const row of rows) {
      const pattern = /!~ '((?:[^']|'')*)'::text/.exec(row.def)?.[1];
      expect(pattern, row.def).toBeDefined();
      const refused = await db.pool.query<{ p: number }>('select p from unnest($1::int[]) p where chr(p) ~ $2 order by p', [points, pattern!.replace(/''/g, "'")]);
      expect(refused.rows.map((r) => r.p), row.conname).toEqual(cli);
    }
  });
});

function configToml(): { allowed_mime_types?: unknown; file_size_limit?: unknown } {
  const doc = parse(readFileSync(resolve(ROOT, 'supabase/config.toml'), 'utf8')) as { storage?: { buckets?: { videos?: Record<string, unknown> } } };
  const bucket = doc.storage?.buckets?.videos;
  expect(bucket).toBeDefined();
  return bucket!;
}
