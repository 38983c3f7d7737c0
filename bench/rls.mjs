// RLS overhead benchmark: list_sessions and session_tree as an owner under row-level security
// (role authenticated) against the same SQL as a role that bypasses RLS (service_role, same
// claims), on 1,000 users, 10,000 sessions, 20,000 modules and 100,000 videos.
// Run: node bench/rls.mjs [--iterations N]   (starts its own embedded PostgreSQL, then removes it)
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { importBundled, repoRoot } from './lib/server.mjs';

const iterations = Number(process.argv[process.argv.indexOf('--iterations') + 1]) || 200;

// bench/lib/postgres.ts is TypeScript: bundle it next to the repo's node_modules.
const { startMigratedPostgres } = await importBundled('bench/lib/postgres.ts', 'postgres');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const parent = mkdtempSync(join(tmpdir(), 'session-bench-'));
chmodSync(parent, 0o755);
const server = await startMigratedPostgres(parent, repoRoot);
try {
  const { adminUrl } = server;

  const db = new pg.Client({ connectionString: adminUrl });
  db.on('error', () => undefined);
  await db.connect();
  const t0 = Date.now();
  await db.query(`
    insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
                            confirmation_token, recovery_token, email_change_token_new, email_change)
    select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
           'bench' || g || '@example.com', '{"provider":"email"}', '{}', now(), now(), '', '', '', ''
    from generate_series(1, 1000) g`);
  await db.query(`
    insert into public.sessions (user_id, name, updated_at)
    select u.id, 'Session ' || g, now() - make_interval(secs => g)
    from auth.users u cross join generate_series(1, 10) g`);
  await db.query(`
    insert into public.modules (session_id, user_id, name, order_index)
    select s.id, s.user_id, 'Module ' || g, g - 1
    from public.sessions s cross join generate_series(1, 2) g`);
  await db.query(`
    insert into public.videos (id, module_id, user_id, file_name, file_size, mime_type, sha256, status, file_url, order_index)
    select x.vid, m.id, m.user_id, 'clip' || g || '.mp4', 100000000 + g, 'video/mp4', encode(extensions.digest(x.vid::text, 'sha256'), 'hex'), 'ready',
           m.user_id || '/' || m.session_id || '/' || m.id || '/' || x.vid || '/clip' || g || '.mp4', g - 1
    from public.modules m cross join generate_series(1, 5) g cross join lateral (select gen_random_uuid() as vid, m.id as mid, g as n) x`);
  await db.query('analyze');
  const counts = (await db.query(`select (select count(*) from auth.users)::int as users, (select count(*) from public.sessions)::int as sessions,
    (select count(*) from public.modules)::int as modules, (select count(*) from public.videos)::int as videos`)).rows[0];
  console.log(`data: ${JSON.stringify(counts)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const users = (await db.query(`select u.id, u.email, (select s.id from public.sessions s where s.user_id = u.id order by s.updated_at desc limit 1) as session_id
    from auth.users u order by random() limit 100`)).rows;

  async function time(role, sql, user) {
    const claims = JSON.stringify({ sub: user.id, role: 'authenticated', aud: 'authenticated', email: user.email, app_metadata: { provider: 'email' } });
    await db.query('begin');
    await db.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [role, claims]);
    const start = process.hrtime.bigint();
    await db.query(sql, [user.session_id]);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    await db.query('commit');
    return ms;
  }

  const cases = [
    ['list_sessions', 'select public.list_sessions() where $1::uuid is not null'],
    ['session_tree', 'select public.session_tree($1)'],
  ];
  const results = [];
  for (const [name, sql] of cases) {
    const timings = { authenticated: [], service_role: [] };
    for (let i = 0; i < 20; i++) for (const role of Object.keys(timings)) await time(role, sql, users[i % users.length]);
    for (let i = 0; i < iterations; i++) {
      const user = users[i % users.length];
      // Alternate the order so neither role always runs on a warmer cache.
      const roles = i % 2 ? ['authenticated', 'service_role'] : ['service_role', 'authenticated'];
      for (const role of roles) timings[role].push(await time(role, sql, user));
    }
    const rls = median(timings.authenticated);
    const bypass = median(timings.service_role);
    results.push({ name, rls, bypass, ratio: rls / bypass });
  }
  console.log(`iterations per case and role: ${iterations}`);
  console.log('function        RLS (ms)  bypass (ms)  ratio');
  for (const r of results) console.log(`${r.name.padEnd(15)} ${r.rls.toFixed(3).padStart(8)}  ${r.bypass.toFixed(3).padStart(11)}  ${r.ratio.toFixed(2)}x`);
  await db.end();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await server.stop();
}
