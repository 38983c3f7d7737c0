// Applying migrations as the non-superuser postgres, recording them as the Supabase CLI does,
// and the seed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { applyMigrations, applySeed, listMigrations, splitStatements } from '../../src/local/postgres.js';
import { asUser, freshDatabase, type FreshDatabase } from '../support/db.js';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase({ from: 'platform' });
});
afterAll(async () => {
  await db?.cleanup();
});

describe('applyMigrations', () => {
  it('applies every migration as postgres and records version, name and statements', async () => {
    const applied = await applyMigrations(db.postgresUrl);
    const files = listMigrations();
    expect(applied).toEqual(files.map((f) => f.version));
    const { rows } = await db.pool.query('select version, name, statements from supabase_migrations.schema_migrations order by version');
    expect(rows.map((r) => [r.version, r.name])).toEqual(files.map((f) => [f.version, f.name]));
    for (const [i, file] of files.entries()) {
      expect(rows[i].statements).toEqual(splitStatements(readFileSync(file.path, 'utf8')));
      expect(rows[i].statements.length).toBeGreaterThan(0);
    }
  });

  it('is a no-op the second time', async () => {
    expect(await applyMigrations(db.postgresUrl)).toEqual([]);
  });

  it('leaves the objects owned by postgres, not the superuser', async () => {
    const { rows } = await db.pool.query(
      `select c.relname, pg_get_userbyid(c.relowner) as owner from pg_class c
        where c.oid in ('public.sessions'::regclass, 'public.modules'::regclass, 'public.videos'::regclass, 'public.authors'::regclass, 'private.deleted_objects'::regclass)
        order by 1`,
    );
    expect(rows.every((r) => r.owner === 'postgres')).toBe(true);
    expect(rows).toHaveLength(5);
  });

  it('has the supabase_migrations table shape of the Supabase CLI', async () => {
    const { rows } = await db.pool.query(
      `select column_name, data_type from information_schema.columns
        where table_schema = 'supabase_migrations' and table_name = 'schema_migrations' order by ordinal_position`,
    );
    expect(rows).toEqual([
      { column_name: 'version', data_type: 'text' },
      { column_name: 'statements', data_type: 'ARRAY' },
      { column_name: 'name', data_type: 'text' },
    ]);
  });
});

describe('seed', () => {
  it('creates the demo and operator users GoTrue-style, with a demo session', async () => {
    await applySeed(db.postgresUrl);
    const users = await db.pool.query(
      `select email, instance_id, aud, role, encrypted_password = extensions.crypt(
                case email when 'demo@example.com' then 'demo-password' else 'operator-password' end, encrypted_password) as password_ok,
              confirmation_token, recovery_token, email_change_token_new, email_change,
              raw_app_meta_data ->> 'role' as app_role, email_confirmed_at is not null as confirmed,
              (select count(*)::int from auth.identities i where i.user_id = u.id and i.provider = 'email') as identities
         from auth.users u order by email`,
    );
    expect(users.rows).toEqual([
      { email: 'demo@example.com', instance_id: '00000000-0000-0000-0000-000000000000', aud: 'authenticated', role: 'authenticated', password_ok: true, confirmation_token: '', recovery_token: '', email_change_token_new: '', email_change: '', app_role: null, confirmed: true, identities: 1 },
      { email: 'operator@example.com', instance_id: '00000000-0000-0000-0000-000000000000', aud: 'authenticated', role: 'authenticated', password_ok: true, confirmation_token: '', recovery_token: '', email_change_token_new: '', email_change: '', app_role: 'operator', confirmed: true, identities: 1 },
    ]);
    const authors = await db.pool.query('select email from public.authors order by email');
    expect(authors.rows).toEqual([{ email: 'demo@example.com' }, { email: 'operator@example.com' }]);
  });

  it("the demo session is readable through the demo user's list_sessions", async () => {
    const demo = { id: 'd0000000-0000-4000-8000-000000000001', email: 'demo@example.com', operator: false, claims: { sub: 'd0000000-0000-4000-8000-000000000001', email: 'demo@example.com', app_metadata: {} } };
    const page = await asUser(db.api, demo, async (c) => (await c.query('select public.list_sessions() as r')).rows[0].r);
    expect(page.sessions).toHaveLength(1);
    expect(page.sessions[0]).toMatchObject({ name: 'Getting started', key: 'getting-started', module_count: 2, video_count: 0, total_bytes: 0 });
  });

  it('can run twice', async () => {
    await applySeed(db.postgresUrl);
    const { rows } = await db.pool.query('select count(*)::int as n from public.modules');
    expect(rows[0].n).toBe(2);
  });

  it('runs as postgres in a fresh login (not the superuser)', async () => {
    const client = new pg.Client({ connectionString: db.postgresUrl });
    await client.connect();
    const { rows } = await client.query('select current_user, usesuper from pg_user where usename = current_user');
    await client.end();
    expect(rows[0]).toEqual({ current_user: 'postgres', usesuper: false });
  });
});

describe('splitStatements', () => {
  it.each([
    ['select 1; select 2;', ['select 1', 'select 2']],
    ['-- comment\ncreate table t (a text default \';\');', ["-- comment\ncreate table t (a text default ';')"]],
    ['create function f() returns int language sql as $$ select 1; $$;\nselect 3', ['create function f() returns int language sql as $$ select 1; $$', 'select 3']],
    ['create function g() returns int language plpgsql as $body$ begin return 1; end $body$;', ['create function g() returns int language plpgsql as $body$ begin return 1; end $body$']],
    ['select "a;b" from t; /* x; y */ select 2;;', ['select "a;b" from t', '/* x; y */ select 2']],
    ['  \n ', []],
  ])('%j', (sql, expected) => {
    expect(splitStatements(sql)).toEqual(expected);
  });
});
