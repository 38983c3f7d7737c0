// What `session doctor` expects of a project, read from the migrations; and how `session setup`
// shows commands and hides secrets.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledObjectsFrom, readBundledObjects } from '../../src/core/hosted/bundled.js';
import { maskValues } from '../../src/core/hosted/supabase-cli.js';
import { checkSetupOptions, commandLine, splitDbUrl } from '../../src/core/hosted/setup.js';
import { maskSecrets } from '../../src/base/mask.js';
import { listMigrations, splitStatements } from '../../src/local/postgres.js';

describe('the bundled migrations', () => {
  it('define the public functions of DESIGN.md (and of docs/*.md since), the device_auth ones for the service role only', async () => {
    const objects = await readBundledObjects();
    const users = objects.functions.filter((f) => f.forUsers).map((f) => f.name).sort();
    expect(users).toEqual(
      ['ack_deleted_objects', 'add_module', 'begin_video', 'claim_deleted_objects', 'finish_video', 'import_session', 'list_modules', 'list_sessions', 'move_module', 'move_module_to', 'move_video', 'move_video_to', 'remove_module', 'remove_video', 'resolve_id', 'resolve_refs', 'session_tree', 'set_videos_media', 'upload_limits'].sort(),
    );
    const serviceOnly = objects.functions.filter((f) => !f.forUsers).map((f) => f.name).sort();
    expect(serviceOnly).toEqual(['device_auth_decide', 'device_auth_lookup', 'device_auth_note_attempt', 'device_auth_note_start', 'device_auth_poll', 'device_auth_start']);
    expect(objects.tables.sort()).toEqual(['authors', 'modules', 'sessions', 'videos']);
  });

  it('read parameters with their types and defaults', async () => {
    const objects = await readBundledObjects();
    const addModule = objects.functions.find((f) => f.name === 'add_module');
    expect(addModule?.params).toEqual([
      { name: 'p_session_id', type: 'uuid', hasDefault: false },
      { name: 'p_name', type: 'text', hasDefault: false },
      { name: 'p_order_index', type: 'integer', hasDefault: true },
      { name: 'p_key', type: 'text', hasDefault: true },
    ]);
    expect(objects.functions.find((f) => f.name === 'ack_deleted_objects')?.params).toEqual([{ name: 'p_paths', type: 'text[]', hasDefault: false }]);
    expect(objects.functions.find((f) => f.name === 'upload_limits')?.params).toEqual([]);
  });

  it('give the videos bucket the values config.toml also holds', async () => {
    const { bucket } = await readBundledObjects();
    const toml = readFileSync(new URL('../../supabase/config.toml', import.meta.url), 'utf8');
    const types = JSON.parse(/\[storage\.buckets\.videos\][\s\S]*?allowed_mime_types = (\[[^\]]*\])/.exec(toml)![1]!) as string[];
    expect(bucket).toEqual({ id: 'videos', public: false, fileSizeLimit: 50 * 1024 ** 3, allowedMimeTypes: types });
  });

  it('follow later statements: drop, grant, revoke, create or replace, bucket updates', () => {
    const objects = bundledObjectsFrom([
      'create function public.a(p_x uuid) returns void language sql as $$ select 1 $$',
      'create function public.b() returns void language sql as $$ select 1 $$',
      '-- service role only\nrevoke execute on function public.b() from public, anon, authenticated',
      'create or replace function public.b() returns int language sql as $$ select 2 $$',
      'create function public.c(in p_y text = \'x\', out p_z int) returns int language sql as $$ select 1 $$',
      'drop function if exists public.a(uuid)',
      'create table public.t (id int)',
      'create table if not exists public.u (id int)',
      'drop table public.t',
      "insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values ('videos', 'videos', false, 100, array['video/mp4'])",
      "update storage.buckets set file_size_limit = 200, allowed_mime_types = array['video/mp4', 'video/webm'] where id = 'videos'",
    ]);
    expect(objects.functions).toEqual([
      { name: 'b', params: [], forUsers: false },
      { name: 'c', params: [{ name: 'p_y', type: 'text', hasDefault: true }], forUsers: true },
    ]);
    expect(objects.tables).toEqual(['u']);
    expect(objects.bucket).toEqual({ id: 'videos', public: false, fileSizeLimit: 200, allowedMimeTypes: ['video/mp4', 'video/webm'] });
  });

  it('follow alter function: a rename in public keeps parameters and grants, a move to another schema leaves the API', () => {
    const objects = bundledObjectsFrom([
      'create function public.a(p_x jsonb) returns void language sql as $$ select 1 $$',
      'revoke all on function public.a(jsonb) from public, anon, authenticated',
      'alter function public.a(jsonb) rename to b',
      'create function public.c(p_y numeric(10, 2)) returns void language sql as $$ select 1 $$',
      'alter function public.c(numeric) rename to c_rows',
      'alter function public.c_rows(numeric) set schema private',
      'create function public.c(p_y numeric(10, 2)) returns void language sql as $$ select 2 $$',
      "alter function public.c(numeric) set search_path = ''",
    ]);
    expect(objects.functions).toEqual([
      { name: 'b', params: [{ name: 'p_x', type: 'jsonb', hasDefault: false }], forUsers: false },
      { name: 'c', params: [{ name: 'p_y', type: 'numeric(10, 2)', hasDefault: false }], forUsers: true },
    ]);
  });

  it('cover every migration file (the parser sees each statement)', () => {
    const statements = listMigrations().flatMap((m) => splitStatements(readFileSync(m.path, 'utf8')));
    const creates = statements.filter((s) => /create\s+(or\s+replace\s+)?function\s+public\./i.test(s)).length;
    const names = new Set(statements.flatMap((s) => [.../create\s+(?:or\s+replace\s+)?function\s+public\.(\w+)/gi.exec(s)?.slice(1) ?? []]));
    expect(creates).toBeGreaterThan(0);
    expect(bundledObjectsFrom(statements).functions.map((f) => f.name).sort()).toEqual([...names].sort());
  });
});

describe('setup commands and secrets', () => {
  it('moves the password out of a connection string', () => {
    expect(splitDbUrl('postgresql://postgres:s%40cret@db.example.co:5432/postgres?sslmode=require', {})).toEqual({
      url: 'postgresql://postgres@db.example.co:5432/postgres?sslmode=require',
      password: 's@cret',
    });
    expect(splitDbUrl('postgresql://postgres@h/postgres', { SUPABASE_DB_PASSWORD: 'from-env' }).password).toBe('from-env');
    expect(splitDbUrl('postgresql://postgres@h/postgres', {}).password).toBeNull();
  });

  it('shows commands with secret environment values by name only', () => {
    expect(commandLine({ args: ['db', 'push', '--db-url', 'postgresql://postgres@h:5432/postgres?sslmode=disable', '--yes'], secretEnv: { PGPASSWORD: 'hunter22' } })).toBe(
      "PGPASSWORD=[masked] supabase db push --db-url 'postgresql://postgres@h:5432/postgres?sslmode=disable' --yes",
    );
  });

  it('masks known secret values, encoded or not, and token shapes', () => {
    const out = maskValues('connect postgres:p@ss w0rd@host failed; url postgres:p%40ss%20w0rd@host; token sbp_0123456789abcdef0123', ['p@ss w0rd']);
    expect(out).toBe('connect postgres:[masked]@host failed; url postgres:[masked]@host; token sbp_[masked]');
    expect(maskSecrets('SUPABASE_ACCESS_TOKEN=sbp_abcdef0123456789')).not.toContain('abcdef0123456789');
  });

  it('refuses flag combinations that cannot work, as usage errors', () => {
    const exit = (opts: Parameters<typeof checkSetupOptions>[0]) => {
      try {
        checkSetupOptions(opts);
        return 0;
      } catch (err) {
        return (err as { exitCode: number }).exitCode;
      }
    };
    expect(exit({})).toBe(2);
    expect(exit({ projectRef: 'abcdefghijklmnopqrst' })).toBe(2);
    expect(exit({ projectRef: 'abcdefghijklmnopqrst', pageUrl: 'ftp://x' })).toBe(2);
    expect(exit({ dbUrl: 'mysql://x' })).toBe(2);
    expect(exit({ projectRef: 'abcdefghijklmnopqrst', pageUrl: 'https://example.org/device' })).toBe(0);
    expect(exit({ dbUrl: 'postgresql://postgres@localhost/postgres' })).toBe(0);
  });
});
