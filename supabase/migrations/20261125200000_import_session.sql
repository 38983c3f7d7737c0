-- Bulk import: import_session(p_manifest jsonb)
--
-- `session import` writes every row of a whole course in one call, so in one transaction:
-- when anything fails the function raises and PostgREST rolls the whole request back. The
-- bytes go afterwards, through Storage (tus) and finish_video, like any upload.
--
-- p_manifest is the desired state, with the facts of each local file:
--   {"prune": false,
--    "sessions": [{"key", "name", "session_type" (null: leave as is / default),
--                  "modules": [{"key", "name",
--                               "videos": [{"key", "file_name", "file_size", "sha256", "mime_type"}]}]}]}
--
-- Rows are matched by their import keys (sessions per author, modules per session, videos per
-- module): the `key` unique constraints are not deferrable, so they can be ON CONFLICT
-- arbiters; the order_index constraints are deferrable and deferred here, so any reordering
-- is one statement per table and is checked before the function returns.
-- * Listed rows take the manifest's order; rows it does not list keep their relative order
--   after them, or are deleted when "prune" is true (their objects are queued for deletion by
--   the videos' AFTER DELETE trigger).
-- * A video whose key matches but whose sha256 differs is replaced by a new row (new id, new
--   object path, status `uploading`): a `ready` row never goes back to `uploading`.
-- * New videos are `uploading` rows at their final object path; the client then uploads.
--
-- Returns {"sessions": [session_tree(...) for each session, in manifest order],
--          "counts": {"sessions"|"modules"|"videos": {"created", "updated", "deleted"}}}
-- where "updated" counts rows written (renamed, moved, or videos replaced: videos also count
-- "replaced", whose old objects wait in the delete queue like deleted ones).
--
-- Errors: 22023 (400) a malformed manifest, naming the field; 42501 no caller; constraint
-- violations (23xxx) as raised. SECURITY INVOKER: RLS judges every row.

-- Raises 22023 unless p_manifest has the shape above; messages name the field.
create function private.check_import_manifest(p_manifest jsonb)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_session jsonb;
  v_module jsonb;
  v_video jsonb;
  v_s integer := 0;
  v_m integer;
  v_v integer;
  v_dup text;
begin
  if jsonb_typeof(p_manifest) is distinct from 'object' then
    raise exception 'the manifest must be a JSON object' using errcode = '22023';
  end if;
  if jsonb_typeof(p_manifest -> 'prune') not in ('boolean', 'null') then
    raise exception 'prune: must be true or false' using errcode = '22023';
  end if;
  if jsonb_typeof(p_manifest -> 'sessions') is distinct from 'array' or jsonb_array_length(p_manifest -> 'sessions') = 0 then
    raise exception 'sessions: must be a non-empty array' using errcode = '22023';
  end if;

  select k into v_dup from (select e ->> 'key' as k from jsonb_array_elements(p_manifest -> 'sessions') e) t
  group by k having count(*) > 1 limit 1;
  if found then
    raise exception 'sessions: duplicate key "%"', v_dup using errcode = '22023';
  end if;

  for v_session in select e from jsonb_array_elements(p_manifest -> 'sessions') e loop
    if jsonb_typeof(v_session -> 'key') is distinct from 'string' or jsonb_typeof(v_session -> 'name') is distinct from 'string' then
      raise exception 'sessions[%]: key and name must be strings', v_s using errcode = '22023';
    end if;
    if jsonb_typeof(v_session -> 'session_type') not in ('string', 'null') then
      raise exception 'sessions[%].session_type: must be a string or null', v_s using errcode = '22023';
    end if;
    if jsonb_typeof(v_session -> 'modules') is distinct from 'array' then
      raise exception 'sessions[%].modules: must be an array', v_s using errcode = '22023';
    end if;
    select k into v_dup from (select e ->> 'key' as k from jsonb_array_elements(v_session -> 'modules') e) t
    group by k having count(*) > 1 limit 1;
    if found then
      raise exception 'sessions[%].modules: duplicate key "%"', v_s, v_dup using errcode = '22023';
    end if;

    v_m := 0;
    for v_module in select e from jsonb_array_elements(v_session -> 'modules') e loop
      if jsonb_typeof(v_module -> 'key') is distinct from 'string' or jsonb_typeof(v_module -> 'name') is distinct from 'string' then
        raise exception 'sessions[%].modules[%]: key and name must be strings', v_s, v_m using errcode = '22023';
      end if;
      if jsonb_typeof(v_module -> 'videos') is distinct from 'array' then
        raise exception 'sessions[%].modules[%].videos: must be an array', v_s, v_m using errcode = '22023';
      end if;
      select k into v_dup from (select e ->> 'key' as k from jsonb_array_elements(v_module -> 'videos') e) t
      group by k having count(*) > 1 limit 1;
      if found then
        raise exception 'sessions[%].modules[%].videos: duplicate key "%"', v_s, v_m, v_dup using errcode = '22023';
      end if;

      v_v := 0;
      for v_video in select e from jsonb_array_elements(v_module -> 'videos') e loop
        if jsonb_typeof(v_video -> 'key') is distinct from 'string'
          or jsonb_typeof(v_video -> 'file_name') is distinct from 'string'
          or jsonb_typeof(v_video -> 'mime_type') is distinct from 'string'
          or jsonb_typeof(v_video -> 'file_size') is distinct from 'number'
          or coalesce(v_video ->> 'sha256', '') !~ '^[0-9a-f]{64}$' then
          raise exception 'sessions[%].modules[%].videos[%]: needs key, file_name, mime_type (strings), file_size (a number) and sha256 (64 lower-case hex digits)',
            v_s, v_m, v_v using errcode = '22023';
        end if;
        v_v := v_v + 1;
      end loop;
      v_m := v_m + 1;
    end loop;
    v_s := v_s + 1;
  end loop;
end
$$;
comment on function private.check_import_manifest(jsonb) is 'Raises 22023, naming the field, unless the import manifest is well formed.';
revoke all on function private.check_import_manifest(jsonb) from public, anon;
grant execute on function private.check_import_manifest(jsonb) to authenticated, service_role;

create function public.import_session(p_manifest jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_prune boolean := coalesce((p_manifest ->> 'prune')::boolean, false);
  v_session jsonb;
  v_session_id uuid;
  v_old_name text;
  v_old_type text;
  v_modules jsonb;
  v_videos jsonb;
  v_module_ids uuid[];
  v_created integer;
  v_updated integer;
  v_deleted integer;
  v_cascaded integer;
  v_replaced integer;
  v_kept_moved integer;
  v_trees jsonb := '[]'::jsonb;
  v_counts jsonb := '{"sessions": {"created": 0, "updated": 0, "deleted": 0},
                      "modules": {"created": 0, "updated": 0, "deleted": 0},
                      "videos": {"created": 0, "updated": 0, "deleted": 0, "replaced": 0}}'::jsonb;
begin
  if v_uid is null then
    raise exception 'import_session needs a signed-in user' using errcode = '42501';
  end if;
  perform private.check_import_manifest(p_manifest);

  -- Order constraints are checked once, before returning (see the end).
  set constraints public.modules_session_id_order_index_key, public.videos_module_id_order_index_key deferred;

  for v_session in select e from jsonb_array_elements(p_manifest -> 'sessions') e loop
    -- The session, by key among the caller's own; locked like add_module locks it.
    select s.id, s.name, s.session_type into v_session_id, v_old_name, v_old_type
    from public.sessions s
    where s.user_id = v_uid and s.key = v_session ->> 'key'
    for no key update;
    if not found then
      if v_session ->> 'session_type' is null then
        insert into public.sessions (user_id, name, key)
        values (v_uid, v_session ->> 'name', v_session ->> 'key')
        returning id into v_session_id;
      else
        insert into public.sessions (user_id, name, key, session_type)
        values (v_uid, v_session ->> 'name', v_session ->> 'key', v_session ->> 'session_type')
        returning id into v_session_id;
      end if;
      v_counts := jsonb_set(v_counts, '{sessions,created}', to_jsonb((v_counts #>> '{sessions,created}')::integer + 1));
    elsif v_old_name is distinct from v_session ->> 'name'
      or (v_session ->> 'session_type' is not null and v_old_type is distinct from v_session ->> 'session_type') then
      update public.sessions s
      set name = v_session ->> 'name',
          session_type = coalesce(v_session ->> 'session_type', s.session_type)
      where s.id = v_session_id;
      v_counts := jsonb_set(v_counts, '{sessions,updated}', to_jsonb((v_counts #>> '{sessions,updated}')::integer + 1));
    end if;

    -- Modules: the listed ones with their 0-based position.
    select coalesce(jsonb_agg(jsonb_build_object('key', e ->> 'key', 'name', e ->> 'name', 'order_index', n - 1) order by n), '[]'::jsonb)
    into v_modules
    from jsonb_array_elements(v_session -> 'modules') with ordinality as t(e, n);

    v_deleted := 0;
    v_cascaded := 0;
    v_kept_moved := 0;
    if v_prune then
      with gone as (
        delete from public.modules m
        where m.session_id = v_session_id
          and (m.key is null or not exists (
            select 1 from jsonb_to_recordset(v_modules) as d(key text) where d.key = m.key))
        returning m.id
      )
      -- The main query sees the videos as they were before the delete cascades.
      select count(*), (select count(*) from public.videos v where v.module_id in (select id from gone))
      into v_deleted, v_cascaded
      from gone;
    else
      -- Rows the manifest does not list go after the listed ones, in their current order.
      update public.modules m
      set order_index = k.order_index
      from (
        select m2.id, jsonb_array_length(v_modules) + row_number() over (order by m2.order_index) - 1 as order_index
        from public.modules m2
        where m2.session_id = v_session_id
          and (m2.key is null or not exists (
            select 1 from jsonb_to_recordset(v_modules) as d(key text) where d.key = m2.key))
      ) k
      where m.id = k.id and m.order_index <> k.order_index;
      get diagnostics v_kept_moved = row_count;
    end if;

    with written as (
      insert into public.modules as m (session_id, user_id, name, key, order_index)
      select v_session_id, v_uid, d.name, d.key, d.order_index
      from jsonb_to_recordset(v_modules) as d(key text, name text, order_index integer)
      on conflict (session_id, key) do update
        set name = excluded.name, order_index = excluded.order_index
        where (m.name, m.order_index) is distinct from (excluded.name, excluded.order_index)
      returning (xmax = 0) as created
    )
    select count(*) filter (where created), count(*) filter (where not created)
    into v_created, v_updated
    from written;
    v_counts := jsonb_set(v_counts, '{modules}', jsonb_build_object(
      'created', (v_counts #>> '{modules,created}')::integer + v_created,
      'updated', (v_counts #>> '{modules,updated}')::integer + v_updated + v_kept_moved,
      'deleted', (v_counts #>> '{modules,deleted}')::integer + v_deleted));

    -- Videos of the listed modules, with their module's id and 0-based position.
    select coalesce(array_agg(m.id), '{}'),
           coalesce((
             select jsonb_agg(v.e || jsonb_build_object('module_id', mo.id, 'order_index', v.n - 1) order by t.n, v.n)
             from jsonb_array_elements(v_session -> 'modules') with ordinality as t(e, n)
             join public.modules mo on mo.session_id = v_session_id and mo.key = t.e ->> 'key'
             cross join lateral jsonb_array_elements(t.e -> 'videos') with ordinality as v(e, n)
           ), '[]'::jsonb)
    into v_module_ids, v_videos
    from public.modules m
    join jsonb_to_recordset(v_modules) as d(key text) on d.key = m.key
    where m.session_id = v_session_id;

    -- Same key, other bytes: the old row goes (its object is queued), a new one comes.
    with gone as (
      delete from public.videos v
      using jsonb_to_recordset(v_videos) as d(module_id uuid, key text, sha256 text)
      where v.module_id = d.module_id and v.key = d.key and v.sha256 <> d.sha256
      returning v.id
    )
    select count(*) into v_replaced from gone;

    if v_prune then
      delete from public.videos v
      where v.module_id = any (v_module_ids)
        and (v.key is null or not exists (
          select 1 from jsonb_to_recordset(v_videos) as d(module_id uuid, key text)
          where d.module_id = v.module_id and d.key = v.key));
      get diagnostics v_deleted = row_count;
      v_kept_moved := 0;
    else
      v_deleted := 0;
      update public.videos v
      set order_index = k.order_index
      from (
        select v2.id,
               coalesce(listed.n, 0) + row_number() over (partition by v2.module_id order by v2.order_index) - 1 as order_index
        from public.videos v2
        left join (
          select d.module_id, count(*) as n
          from jsonb_to_recordset(v_videos) as d(module_id uuid)
          group by d.module_id
        ) listed on listed.module_id = v2.module_id
        where v2.module_id = any (v_module_ids)
          and (v2.key is null or not exists (
            select 1 from jsonb_to_recordset(v_videos) as d(module_id uuid, key text)
            where d.module_id = v2.module_id and d.key = v2.key))
      ) k
      where v.id = k.id and v.order_index <> k.order_index;
      get diagnostics v_kept_moved = row_count;
    end if;

    with written as (
      insert into public.videos as v (id, module_id, user_id, key, file_name, file_size, mime_type, sha256, status, file_url, order_index)
      select n.id, n.module_id, v_uid, n.key, n.file_name, n.file_size, n.mime_type, n.sha256, 'uploading',
             private.video_object_name(v_uid, v_session_id, n.module_id, n.id, n.file_name),
             n.order_index
      -- gen_random_uuid() in the subquery's target list: one id per row.
      from (
        select gen_random_uuid() as id, d.*
        from jsonb_to_recordset(v_videos) as d(module_id uuid, key text, file_name text, file_size bigint, mime_type text, sha256 text, order_index integer)
      ) n
      on conflict (module_id, key) do update
        set order_index = excluded.order_index, file_name = excluded.file_name
        where (v.order_index, v.file_name) is distinct from (excluded.order_index, excluded.file_name)
      returning (xmax = 0) as created
    )
    select count(*) filter (where created), count(*) filter (where not created)
    into v_created, v_updated
    from written;
    v_counts := jsonb_set(v_counts, '{videos}', jsonb_build_object(
      'created', (v_counts #>> '{videos,created}')::integer + v_created - v_replaced,
      'updated', (v_counts #>> '{videos,updated}')::integer + v_updated + v_replaced + v_kept_moved,
      'deleted', (v_counts #>> '{videos,deleted}')::integer + v_deleted + v_cascaded,
      'replaced', (v_counts #>> '{videos,replaced}')::integer + v_replaced));

    v_trees := v_trees || jsonb_build_array(public.session_tree(v_session_id));
  end loop;

  -- Any clash of positions surfaces here, inside the function, not at commit.
  set constraints public.modules_session_id_order_index_key, public.videos_module_id_order_index_key immediate;

  return jsonb_build_object('sessions', v_trees, 'counts', v_counts);
end
$$;
comment on function public.import_session(jsonb) is 'Creates or updates whole sessions from an import manifest in one transaction; returns their trees and row counts.';

revoke all on function public.import_session(jsonb) from public, anon;
grant execute on function public.import_session(jsonb) to authenticated, service_role;
