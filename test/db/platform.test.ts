// The platform objects (src/local/platform): roles, auth and storage as on Supabase.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { asAnon, asRole, asUser, createUser, freshDatabase, sqlState, type FreshDatabase } from '../support/db.js';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase({ from: 'platform' });
});
afterAll(async () => {
  await db?.cleanup();
});

describe('roles', () => {
  it.each([
    ['postgres', { rolsuper: false, rolcanlogin: true, rolcreatedb: true, rolcreaterole: true, rolreplication: true, rolbypassrls: true }],
    ['anon', { rolsuper: false, rolcanlogin: false, rolbypassrls: false, rolinherit: true }],
    ['authenticated', { rolsuper: false, rolcanlogin: false, rolbypassrls: false, rolinherit: true }],
    ['service_role', { rolsuper: false, rolcanlogin: false, rolbypassrls: true }],
    ['authenticator', { rolsuper: false, rolcanlogin: true, rolinherit: false, rolbypassrls: false }],
    ['supabase_auth_admin', { rolsuper: false, rolcanlogin: true, rolinherit: false }],
    ['supabase_storage_admin', { rolsuper: false, rolcanlogin: true, rolinherit: false }],
    ['supabase_admin', { rolsuper: true }],
  ])('%s has Supabase attributes', async (role, attrs) => {
    const { rows } = await db.pool.query('select * from pg_roles where rolname = $1', [role]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject(attrs);
  });

  it('postgres logs in and has extensions on its search path', async () => {
    const client = new pg.Client({ connectionString: db.postgresUrl });
    await client.connect();
    const { rows } = await client.query('select current_user, current_setting($1) as sp, extensions.gen_random_uuid() is not null as ok', ['search_path']);
    await client.end();
    expect(rows[0]).toEqual({ current_user: 'postgres', sp: '"$user", public, extensions', ok: true });
  });

  it('authenticator can become every API role and nothing else', async () => {
    for (const role of ['anon', 'authenticated', 'service_role']) {
      const { rows } = await db.pool.query('select pg_has_role($1, $2, $3) as ok', ['authenticator', role, 'MEMBER']);
      expect(rows[0].ok).toBe(true);
    }
    const { rows } = await db.pool.query(`select pg_has_role('authenticator', 'postgres', 'MEMBER') as ok`);
    expect(rows[0].ok).toBe(false);
  });

  it('extensions live in schema extensions', async () => {
    const { rows } = await db.pool.query(
      `select e.extname, n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        where e.extname in ('pgcrypto', 'moddatetime') order by 1`,
    );
    expect(rows).toEqual([
      { extname: 'moddatetime', nspname: 'extensions' },
      { extname: 'pgcrypto', nspname: 'extensions' },
    ]);
  });
});

describe('auth helpers', () => {
  it('auth.uid() reads request.jwt.claims, and the legacy claim wins', async () => {
    const user = await createUser(db.pool, { email: 'helpers@example.com' });
    const rows = await asUser(db.api, user, async (c) => (await c.query('select auth.uid() as uid, auth.role() as role, auth.email() as email, auth.jwt() ->> $1 as aud', ['aud'])).rows, { rollback: true });
    expect(rows[0]).toEqual({ uid: user.id, role: 'authenticated', email: 'helpers@example.com', aud: 'authenticated' });
    const other = '00000000-0000-0000-0000-00000000abcd';
    const legacy = await asUser(db.api, user, async (c) => {
      await c.query(`select set_config('request.jwt.claim.sub', $1, true)`, [other]);
      return (await c.query('select auth.uid() as uid')).rows[0].uid;
    }, { rollback: true });
    expect(legacy).toBe(other);
  });

  it('auth.uid() is null without claims', async () => {
    const { rows } = await db.pool.query('select auth.uid() as uid, auth.jwt() as jwt');
    expect(rows[0]).toEqual({ uid: null, jwt: null });
  });

  it('API roles cannot read auth.users', async () => {
    expect(await sqlState(asAnon(db.api, (c) => c.query('select * from auth.users')))).toBe('42501');
    expect(await sqlState(asRole(db.api, 'authenticated', {}, (c) => c.query('select * from auth.users')))).toBe('42501');
  });

  it('confirmed_at is generated and users cascade to identities, sessions and tokens', async () => {
    const user = await createUser(db.pool, { email: 'cascade@example.com' });
    const sid = '11111111-2222-4333-8444-555555555555';
    await db.pool.query(`insert into auth.sessions (id, user_id, created_at, updated_at, aal) values ($1, $2, now(), now(), 'aal1')`, [sid, user.id]);
    await db.pool.query(`insert into auth.refresh_tokens (token, user_id, revoked, session_id, created_at, updated_at) values ('tok12345', $1, false, $2, now(), now())`, [user.id, sid]);
    await db.pool.query(`insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to) values (gen_random_uuid(), $1, 'recovery_token', 'abc', 'cascade@example.com')`, [user.id]);
    const { rows } = await db.pool.query('select confirmed_at is not null as c from auth.users where id = $1', [user.id]);
    expect(rows[0].c).toBe(true);
    await db.pool.query('delete from auth.users where id = $1', [user.id]);
    const counts = await db.pool.query(
      `select (select count(*) from auth.identities where user_id = $1)::int as i,
              (select count(*) from auth.sessions where user_id = $1)::int as s,
              (select count(*) from auth.refresh_tokens where session_id = $2)::int as r,
              (select count(*) from auth.one_time_tokens where user_id = $1)::int as o`,
      [user.id, sid],
    );
    expect(counts.rows[0]).toEqual({ i: 0, s: 0, r: 0, o: 0 });
  });
});

describe('storage', () => {
  it('path helpers behave like Supabase Storage', async () => {
    const { rows } = await db.pool.query(
      `select storage.foldername('a/b/c.png') as f, storage.filename('a/b/c.png') as n,
              storage.extension('a/b/c.tar.gz') as e, storage.extension('a/noext') as e2, storage.foldername('c.png') as f2`,
    );
    expect(rows[0]).toEqual({ f: ['a', 'b'], n: 'c.png', e: 'gz', e2: 'noext', f2: [] });
  });

  it('path_tokens is generated from the name', async () => {
    await db.pool.query(`insert into storage.buckets (id, name) values ('scratch', 'scratch')`);
    const { rows } = await db.pool.query(`insert into storage.objects (bucket_id, name) values ('scratch', 'x/y/z.txt') returning path_tokens`);
    expect(rows[0].path_tokens).toEqual(['x', 'y', 'z.txt']);
  });

  it('refuses SQL deletes with 42501 unless storage.allow_delete_query is true', async () => {
    expect(await sqlState(db.pool.query(`delete from storage.objects where bucket_id = 'scratch'`))).toBe('42501');
    expect(await sqlState(db.pool.query(`delete from storage.buckets where id = 'scratch'`))).toBe('42501');
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await client.query(`select set_config('storage.allow_delete_query', 'true', true)`);
      const res = await client.query(`delete from storage.objects where bucket_id = 'scratch'`);
      expect(res.rowCount).toBe(1);
      await client.query('commit');
    } finally {
      client.release();
    }
  });

  it('postgres can create policies on storage.objects (it is a member of supabase_storage_admin)', async () => {
    const client = new pg.Client({ connectionString: db.postgresUrl });
    await client.connect();
    await client.query('begin');
    await client.query(`create policy "probe" on storage.objects for select to authenticated using (false)`);
    await client.query('rollback');
    await client.end();
  });
});

describe('public defaults', () => {
  it('new tables in public are granted ALL to anon and authenticated by default', async () => {
    const client = new pg.Client({ connectionString: db.postgresUrl });
    await client.connect();
    await client.query('begin');
    await client.query('create table public.probe (id int)');
    const { rows } = await client.query(`select has_table_privilege('anon', 'public.probe', 'TRUNCATE') as t, has_table_privilege('authenticated', 'public.probe', 'DELETE') as d`);
    await client.query('rollback');
    await client.end();
    expect(rows[0]).toEqual({ t: true, d: true });
  });

  it('pgrst.db_schemas exposes public', async () => {
    const client = new pg.Client({ connectionString: db.postgresUrl });
    await client.connect();
    const { rows } = await client.query(`select current_setting('pgrst.db_schemas', true) as s`);
    await client.end();
    expect(rows[0].s).toBe('public, graphql_public');
  });
});
