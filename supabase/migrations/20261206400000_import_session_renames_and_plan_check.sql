-- Import, second step: renamed modules and a check against the plan
--
-- import_session(p_manifest jsonb) keeps its contract (20261125200000_import_session.sql) and
-- learns two optional fields:
-- * sessions[].module_renames: [{"from": "10-wrap_up", "to": "03-wrap_up"}]: modules of an
--   existing session whose key changes, applied before the rows are matched by key. A renamed
--   or renumbered course folder becomes a rename in place: the module's id, its videos and their
--   objects stay, nothing is deleted, nothing is uploaded again. counts.modules.renamed says how many (absent when none).
-- * expect: {"sessions": {"created"}, "modules": {"created", "deleted", "renamed"},
--            "videos": {"created", "deleted", "replaced"}}: what the plan the client showed
--   says these counts will be. When applying gives other counts (the tree changed between the
--   plan and the apply), the function raises PT409 and the whole import rolls back: the user is
--   never told one thing while another is written.
--
-- The body of the first version moves to private.import_session_rows (unchanged, still SECURITY
-- INVOKER, executable by authenticated and service_role); public.import_session wraps it.

alter function public.import_session(jsonb) rename to import_session_rows;
alter function public.import_session_rows(jsonb) set schema private;
comment on function private.import_session_rows(jsonb) is 'The row phase of import_session (matching by key, order, prune); called by public.import_session.';
revoke all on function private.import_session_rows(jsonb) from public, anon;
grant execute on function private.import_session_rows(jsonb) to authenticated, service_role;

create function public.import_session(p_manifest jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_session jsonb;
  v_session_id uuid;
  v_ids uuid[];
  v_tos text[];
  v_n integer;
  v_renamed integer := 0;
  v_result jsonb;
  v_check record;
  v_want integer;
  v_got integer;
begin
  if v_uid is null then
    raise exception 'import_session needs a signed-in user' using errcode = '42501';
  end if;
  perform private.check_import_manifest(p_manifest);

  for v_session in select e from jsonb_array_elements(p_manifest -> 'sessions') e loop
    if jsonb_typeof(v_session -> 'module_renames') not in ('array', 'null') then
      raise exception 'sessions: module_renames must be an array' using errcode = '22023';
    end if;
    if coalesce(jsonb_array_length(v_session -> 'module_renames'), 0) = 0 then
      continue;
    end if;
    select s.id into v_session_id
    from public.sessions s
    where s.user_id = v_uid and s.key = v_session ->> 'key'
    for no key update;
    if not found then
      raise exception 'session "%" is gone: its modules cannot be renamed; nothing was written', v_session ->> 'key' using errcode = 'PT409';
    end if;
    -- Keys are unique and not deferrable: clear them first, so renames may swap keys.
    with r as (
      select d."from", d."to" from jsonb_to_recordset(v_session -> 'module_renames') as d("from" text, "to" text)
    ), cleared as (
      update public.modules m set key = null
      from r
      where m.session_id = v_session_id and m.key = r."from"
      returning m.id, r."to"
    )
    select coalesce(array_agg(c.id), '{}'), coalesce(array_agg(c."to"), '{}') into v_ids, v_tos from cleared c;
    update public.modules m
    set key = t."to"
    from unnest(v_ids, v_tos) as t(id, "to")
    where m.id = t.id;
    get diagnostics v_n = row_count;
    if v_n <> jsonb_array_length(v_session -> 'module_renames') then
      raise exception 'a module to rename in session "%" is gone; nothing was written', v_session ->> 'key' using errcode = 'PT409';
    end if;
    v_renamed := v_renamed + v_n;
  end loop;

  v_result := private.import_session_rows(p_manifest);
  if v_renamed > 0 then
    v_result := jsonb_set(v_result, '{counts,modules,renamed}', to_jsonb(v_renamed));
  end if;

  if jsonb_typeof(p_manifest -> 'expect') = 'object' then
    for v_check in
      select * from (values ('sessions', 'created'), ('modules', 'created'), ('modules', 'deleted'), ('modules', 'renamed'),
                            ('videos', 'created'), ('videos', 'deleted'), ('videos', 'replaced')) as t(kind, what)
    loop
      v_want := (p_manifest -> 'expect' -> v_check.kind ->> v_check.what)::integer;
      continue when v_want is null;
      v_got := coalesce((v_result -> 'counts' -> v_check.kind ->> v_check.what)::integer, 0);
      if v_got <> v_want then
        raise exception 'the sessions changed since the plan (% %: planned %, applying gives %); nothing was written',
          v_check.kind, v_check.what, v_want, v_got
          using errcode = 'PT409', hint = 'run the import again: it plans against what is there now';
      end if;
    end loop;
  end if;
  return v_result;
end
$$;
comment on function public.import_session(jsonb) is 'Creates or updates whole sessions from an import manifest in one transaction (module renames first); refuses to apply when the counts differ from the plan''s; returns trees and counts.';
revoke all on function public.import_session(jsonb) from public, anon;
grant execute on function public.import_session(jsonb) to authenticated, service_role;

-- The row phase, redefined for large courses (1,000 modules × 10 videos in one call). The first
-- version tested "key is null or not exists (select … from jsonb_to_recordset(list))" for every
-- existing row: the OR kept PostgreSQL from turning the test into a hashed anti-join, so each row
-- decoded the whole list again (quadratic: 56 s for a change to a 10,000-video session, far past
-- the 8 s statement timeout of `authenticated`). A null key never equals a listed one, so "not
-- exists" alone keeps keyless rows, and the planner hashes the list once. And the rows of a session
-- just imported have no statistics yet (autovacuum has not analysed them), so the planner guessed one
-- row and joined the 10,000 listed videos to the 10,000 stored ones by nested loop (100 million
-- comparisons, 64 s): the function runs with enable_nestloop off, so every join of a list to the
-- tables is a hash join, whatever the statistics say. Listed videos are updated where they changed
-- and inserted where new, instead of one upsert that locked and re-checked every row. Behaviour is
-- unchanged.
create or replace function private.import_session_rows(p_manifest jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
set enable_nestloop = off
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
          and not exists (
            select 1 from jsonb_to_recordset(v_modules) as d(key text) where d.key = m.key)
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
          and not exists (
            select 1 from jsonb_to_recordset(v_modules) as d(key text) where d.key = m2.key)
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
      where v.module_id in (select unnest(v_module_ids))
        and not exists (
          select 1 from jsonb_to_recordset(v_videos) as d(module_id uuid, key text)
          where d.module_id = v.module_id and d.key = v.key);
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
        where v2.module_id in (select unnest(v_module_ids))
          and not exists (
            select 1 from jsonb_to_recordset(v_videos) as d(module_id uuid, key text)
            where d.module_id = v2.module_id and d.key = v2.key)
      ) k
      where v.id = k.id and v.order_index <> k.order_index;
      get diagnostics v_kept_moved = row_count;
    end if;

    -- Listed videos already there: written only when their position or file name changes.
    update public.videos v
    set order_index = d.order_index, file_name = d.file_name
    from jsonb_to_recordset(v_videos) as d(module_id uuid, key text, file_name text, order_index integer)
    where v.module_id = d.module_id and v.key = d.key
      and (v.order_index, v.file_name) is distinct from (d.order_index, d.file_name);
    get diagnostics v_updated = row_count;
    -- New ones (and the new rows of replaced ones): inserted, `uploading`, at their object path.
    -- An upsert would lock and re-check all 10,000 rows of an unchanged course; this touches only what changes.
    -- The object path's last part (the slug of the file name) is worked out once per distinct name:
    -- private.video_object_name with placeholder ids, minus their prefix.
    insert into public.videos (id, module_id, user_id, key, file_name, file_size, mime_type, sha256, status, file_url, order_index)
    select n.id, n.module_id, v_uid, n.key, n.file_name, n.file_size, n.mime_type, n.sha256, 'uploading',
           v_uid::text || '/' || v_session_id::text || '/' || n.module_id::text || '/' || n.id::text || '/' || names.slug,
           n.order_index
    -- gen_random_uuid() in the subquery's target list: one id per row.
    from (
      select gen_random_uuid() as id, d.*
      from jsonb_to_recordset(v_videos) as d(module_id uuid, key text, file_name text, file_size bigint, mime_type text, sha256 text, order_index integer)
      where not exists (select 1 from public.videos v where v.module_id = d.module_id and v.key = d.key)
    ) n
    join (
      select f.file_name,
             substr(private.video_object_name(v_uid, v_session_id, '00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000', f.file_name),
                    length(v_uid::text || '/' || v_session_id::text || '/00000000-0000-0000-0000-000000000000/00000000-0000-0000-0000-000000000000/') + 1) as slug
      from (select distinct d.file_name from jsonb_to_recordset(v_videos) as d(file_name text)) f
    ) names on names.file_name = n.file_name;
    get diagnostics v_created = row_count;
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
