// The REST layer writes SQL only from catalog-checked, quoted names and a fixed list of casts, and one
// caller cannot take the whole pool: a statement timeout per request and a cap on requests at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASTS } from '../../src/local/rest/parse.js';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';

let backend: TestBackend;
let alice: SignedInUser;
let bob: SignedInUser;

beforeAll(async () => {
  backend = await startTestBackend({ statementTimeoutMs: 500 });
  alice = await backend.signedInUser();
  bob = await backend.signedInUser();
  await alice.client.from('sessions').insert({ name: 'Mine' });
  // Test-only functions in this file's own database: one that sleeps, one that reports how many of its
  // calls run at this moment (security definer only so it may read other backends' query text).
  await backend.db.pool.query(`
    create function public.hardening_sleep(p_seconds float8) returns int language sql as $$ select pg_catalog.pg_sleep(p_seconds); select 1 $$;
    grant execute on function public.hardening_sleep(float8) to authenticated;
    create function public.probe_concurrency() returns int language plpgsql security definer set search_path = '' as $$
    begin
      perform pg_catalog.pg_sleep(0.3);
      return (select count(*)::int from pg_catalog.pg_stat_activity a
               where a.state = 'active' and a.query like '%probe_concurrency%' and a.usename = 'authenticator');
    end $$;
    grant execute on function public.probe_concurrency() to authenticated;
  `);
});
afterAll(async () => {
  await backend?.close();
});

function get(path: string, user: SignedInUser = alice) {
  return fetch(`${backend.url}/rest/v1/${path}`, { headers: { apikey: backend.anonKey, authorization: `Bearer ${user.session.access_token}` } });
}

describe('select casts', () => {
  it('the cast from the review cannot read pg_user (PGRST100, 400)', async () => {
    const res = await get('sessions?select=usename,usename::text from pg_user t0 union select name,"a\\"b":name');
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ code: 'PGRST100' });
    expect(text).not.toMatch(/supabase_admin|authenticator/);
  });

  it.each(['text from pg_user', 'pg_catalog.text', 'regclass', 'text)', 'int; select 1', 'text--', 'character varying', '"text"', 'name'])(
    'cast %s is refused with PGRST100',
    async (cast) => {
      const res = await get(`sessions?select=${encodeURIComponent(`id::${cast}`)}`);
      expect(res.status, cast).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'PGRST100' });
    },
  );

  it('casts from the fixed list work, in any case', async () => {
    expect(Object.keys(CASTS)).toContain('text');
    const res = await get('sessions?select=id::TEXT,name::text,created_at::date');
    expect(res.status).toBe(200);
    const rows = (await res.json()) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'Mine' });
    expect(typeof rows[0]!.id).toBe('string');
  });

  it('a column the catalog does not know is refused before any SQL (42703, 400)', async () => {
    const res = await get('sessions?select=id,usename');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: '42703', message: 'column sessions.usename does not exist' });
  });

  it.each([
    ['a filter', 'sessions?select=id&usename=eq.x', 'sessions.usename'],
    ['a filter inside or=', 'sessions?select=id&or=(name.eq.x,usename.eq.y)', 'sessions.usename'],
    ['an order', 'sessions?select=id&order=usename.desc', 'sessions.usename'],
    ['an embedded filter', 'sessions?select=id,modules(id)&modules.usename=eq.x', 'modules.usename'],
    ['an embedded order', 'sessions?select=id,modules(id)&modules.order=usename', 'modules.usename'],
  ])('%s on a column the catalog does not know is 42703', async (_label, path, column) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: '42703', message: `column ${column} does not exist` });
  });
});

describe('one caller and the pool', () => {
  it('a statement past the per-request timeout is cancelled (57014)', async () => {
    const { error } = await alice.client.rpc('hardening_sleep', { p_seconds: 30 });
    expect(error).toMatchObject({ code: '57014' });
  });

  it('at most 4 requests of one caller run at once; another user is served meanwhile', async () => {
    const flood = Array.from({ length: 12 }, () => alice.client.rpc('probe_concurrency'));
    let floodDone = 0;
    for (const call of flood) void call.then(() => (floodDone += 1));
    const other = await bob.client.from('sessions').select('id');
    expect(other.error).toBeNull();
    // Bob was answered while most of alice's twelve still waited for her slots.
    expect(floodDone).toBeLessThan(12);
    const results = await Promise.all(flood);
    for (const r of results) expect(r.error).toBeNull();
    const seen = results.map((r) => r.data as number);
    expect(Math.max(...seen)).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeLessThanOrEqual(4);
  });
});
