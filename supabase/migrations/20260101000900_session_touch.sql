-- Session touch: a session's updated_at follows its content
--
-- `list_sessions` orders by sessions.updated_at, which the BEFORE UPDATE trigger on sessions
-- only moves when the session row itself is written. Statement-level AFTER triggers on modules
-- and videos (insert, update, delete; cascades included, they fire per cascaded statement)
-- collect the affected sessions from the transition tables and touch each once per statement:
--   update sessions set updated_at = now() where id = any(<sessions>) and updated_at < now()
-- * `updated_at < now()`: a transaction touches a session at most once (add_module's shift and
--   insert, import_session's many statements), and never moves it backwards (a transaction that
--   started earlier waits for a later one's touch and then skips the row).
-- * A module or video moved to another parent touches both sessions.
-- * A session deleted in the same statement (cascade) is no longer visible: nothing to touch.
-- * SECURITY INVOKER: the touch is an UPDATE of the caller's own session under its UPDATE
--   policy (modules and videos carry their session's owner); service_role bypasses RLS; an
--   operator writes no rows, so there is nothing to touch.
--
-- Lock order: session, then module, then video. The touch locks the session row (FOR NO KEY
-- UPDATE strength: updated_at is in no unique index), so every function that writes modules or
-- videos locks the session first, as deleting a session (then its modules, then their videos)
-- must. add_module, move_module, remove_module and import_session already did; begin_video,
-- finish_video, move_video and remove_video are redefined here to lock the session before the
-- module or video. Content changes of one session are serialised by that row lock; they were
-- per module before, each a short transaction (the bytes go through Storage in between).
-- Plain single-row writes (a module rename, a video's key) lock their row before the trigger
-- locks the session: racing a function that moves or deletes that same row, one of the two
-- can still get PostgreSQL's deadlock error (40P01).

create function private.touch_sessions_of_modules()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  if tg_op = 'INSERT' then
    select array_agg(distinct n.session_id) into v_ids from new_rows n;
  elsif tg_op = 'UPDATE' then
    select array_agg(distinct t.session_id) into v_ids
    from (select o.session_id from old_rows o union select n.session_id from new_rows n) t;
  else
    select array_agg(distinct o.session_id) into v_ids from old_rows o;
  end if;
  if v_ids is not null then
    update public.sessions s
    set updated_at = now()
    where s.id = any (v_ids)
      and s.updated_at < now();
  end if;
  return null;
end
$$;
comment on function private.touch_sessions_of_modules() is 'Statement trigger on modules: advances updated_at of the sessions whose modules changed.';
revoke all on function private.touch_sessions_of_modules() from public, anon, authenticated, service_role;

create function private.touch_sessions_of_videos()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  -- Videos deleted by a module's cascade find no module: that module's own trigger touches.
  if tg_op = 'INSERT' then
    select array_agg(distinct m.session_id) into v_ids
    from public.modules m
    where m.id in (select n.module_id from new_rows n);
  elsif tg_op = 'UPDATE' then
    select array_agg(distinct m.session_id) into v_ids
    from public.modules m
    where m.id in (select o.module_id from old_rows o union select n.module_id from new_rows n);
  else
    select array_agg(distinct m.session_id) into v_ids
    from public.modules m
    where m.id in (select o.module_id from old_rows o);
  end if;
  if v_ids is not null then
    update public.sessions s
    set updated_at = now()
    where s.id = any (v_ids)
      and s.updated_at < now();
  end if;
  return null;
end
$$;
comment on function private.touch_sessions_of_videos() is 'Statement trigger on videos: advances updated_at of the sessions whose videos changed.';
revoke all on function private.touch_sessions_of_videos() from public, anon, authenticated, service_role;

-- Transition tables allow one event per trigger: three triggers per table.
create trigger modules_touch_session_insert
  after insert on public.modules
  referencing new table as new_rows
  for each statement execute function private.touch_sessions_of_modules();
create trigger modules_touch_session_update
  after update on public.modules
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.touch_sessions_of_modules();
create trigger modules_touch_session_delete
  after delete on public.modules
  referencing old table as old_rows
  for each statement execute function private.touch_sessions_of_modules();

create trigger videos_touch_session_insert
  after insert on public.videos
  referencing new table as new_rows
  for each statement execute function private.touch_sessions_of_videos();
create trigger videos_touch_session_update
  after update on public.videos
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.touch_sessions_of_videos();
create trigger videos_touch_session_delete
  after delete on public.videos
  referencing old table as old_rows
  for each statement execute function private.touch_sessions_of_videos();

-- The video functions, as in the ordering and upload migrations but locking the session first.
-- Each finds its session without a lock, locks it, then locks the module or video and checks
-- it is still in that session. Errors and results are unchanged.

create or replace function public.move_video(p_video_id uuid, p_order_index integer)
returns setof public.videos
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_session_id uuid;
  v_module_id uuid;
  v_from integer;
  v_count integer;
begin
  select m.session_id, v.module_id into v_session_id, v_module_id
  from public.videos v
  join public.modules m on m.id = v.module_id
  where v.id = p_video_id;
  if not found then
    raise exception 'video % not found', p_video_id using errcode = 'PT404';
  end if;

  perform 1 from public.sessions s where s.id = v_session_id for no key update;
  if not found then
    raise exception 'video % not found', p_video_id
      using errcode = 'PT404', hint = 'You can only change your own videos.';
  end if;

  perform 1 from public.modules m where m.id = v_module_id and m.session_id = v_session_id for no key update;
  if not found then
    raise exception 'video % not found', p_video_id
      using errcode = 'PT404', hint = 'You can only change your own videos.';
  end if;

  select v.order_index into v_from
  from public.videos v
  where v.id = p_video_id and v.module_id = v_module_id;
  if not found then
    raise exception 'video % not found', p_video_id using errcode = 'PT404';
  end if;

  select count(*) into v_count from public.videos v where v.module_id = v_module_id;
  if p_order_index is null or p_order_index < 0 or p_order_index > v_count - 1 then
    raise exception 'order_index % is out of range: use 0..%', p_order_index, v_count - 1
      using errcode = '22023';
  end if;

  if p_order_index <> v_from then
    update public.videos v
    set order_index = case
        when v.id = p_video_id then p_order_index
        when v_from < p_order_index then v.order_index - 1
        else v.order_index + 1
      end
    where v.module_id = v_module_id
      and v.order_index between least(v_from, p_order_index) and greatest(v_from, p_order_index);
  end if;

  return query
    select v.* from public.videos v
    where v.module_id = v_module_id
    order by v.order_index;
end
$$;

create or replace function public.remove_video(p_video_id uuid)
returns void
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_session_id uuid;
  v_module_id uuid;
  v_from integer;
begin
  select m.session_id, v.module_id into v_session_id, v_module_id
  from public.videos v
  join public.modules m on m.id = v.module_id
  where v.id = p_video_id;
  if not found then
    raise exception 'video % not found', p_video_id using errcode = 'PT404';
  end if;

  perform 1 from public.sessions s where s.id = v_session_id for no key update;
  if not found then
    raise exception 'video % not found', p_video_id
      using errcode = 'PT404', hint = 'You can only change your own videos.';
  end if;

  perform 1 from public.modules m where m.id = v_module_id and m.session_id = v_session_id for no key update;
  if not found then
    raise exception 'video % not found', p_video_id
      using errcode = 'PT404', hint = 'You can only change your own videos.';
  end if;

  delete from public.videos v
  where v.id = p_video_id and v.module_id = v_module_id
  returning v.order_index into v_from;
  if not found then
    raise exception 'video % not found', p_video_id using errcode = 'PT404';
  end if;

  update public.videos v
  set order_index = v.order_index - 1
  where v.module_id = v_module_id
    and v.order_index > v_from;
end
$$;

create or replace function public.begin_video(
  p_module_id uuid,
  p_file_name text,
  p_file_size bigint,
  p_sha256 text,
  p_mime_type text
)
returns public.videos
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_session_id uuid;
  v_user_id uuid;
  v_sha256 text := lower(p_sha256);
  v_row public.videos;
  v_limit bigint;
  v_types text[];
  v_id uuid := gen_random_uuid();
  v_count integer;
begin
  select m.session_id into v_session_id
  from public.modules m
  where m.id = p_module_id;
  if found then
    perform 1 from public.sessions s where s.id = v_session_id for no key update;
  end if;
  -- Serialises appends to this module; finds no row when the module is not the caller's.
  select m.session_id, m.user_id into v_session_id, v_user_id
  from public.modules m
  where m.id = p_module_id
    and m.session_id = v_session_id
  for no key update;
  if not found then
    raise exception 'module % not found', p_module_id
      using errcode = 'PT404', hint = 'You can only upload to your own modules.';
  end if;

  if p_sha256 is null or p_sha256 !~ '^[0-9A-Fa-f]{64}$' then
    raise exception 'sha256 must be 64 hexadecimal characters'
      using errcode = '22023';
  end if;

  select v.* into v_row
  from public.videos v
  where v.module_id = p_module_id
    and v.sha256 = v_sha256
    and v.file_size = p_file_size
  order by (v.status = 'ready') desc, v.created_at
  limit 1;
  if found then
    return v_row;
  end if;

  select b.file_size_limit, b.allowed_mime_types into v_limit, v_types
  from storage.buckets b
  where b.id = 'videos';
  if p_file_size is null or p_file_size < 1 or p_file_size > coalesce(v_limit, 53687091200) then
    raise exception 'file_size % is out of range: use 1..%', p_file_size, coalesce(v_limit, 53687091200)
      using errcode = '22023';
  end if;
  if p_mime_type is null or not (p_mime_type = any (coalesce(v_types, array[p_mime_type]))) then
    raise exception 'mime type % is not allowed: use one of %', p_mime_type, array_to_string(v_types, ', ')
      using errcode = '22023';
  end if;

  select count(*) into v_count from public.videos v where v.module_id = p_module_id;

  insert into public.videos (id, module_id, user_id, file_name, file_size, mime_type, sha256, status, file_url, order_index)
  values (
    v_id, p_module_id, v_user_id, p_file_name, p_file_size, p_mime_type, v_sha256, 'uploading',
    private.video_object_name(v_user_id, v_session_id, p_module_id, v_id, p_file_name),
    v_count
  )
  returning * into v_row;
  return v_row;
end
$$;

create or replace function public.finish_video(p_video_id uuid)
returns public.videos
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_session_id uuid;
  v_module_id uuid;
  v_row public.videos;
  v_metadata jsonb;
begin
  select m.session_id, v.module_id into v_session_id, v_module_id
  from public.videos v
  join public.modules m on m.id = v.module_id
  where v.id = p_video_id;
  if found then
    perform 1 from public.sessions s where s.id = v_session_id for no key update;
  end if;
  select v.* into v_row
  from public.videos v
  where v.id = p_video_id
    and v.module_id = v_module_id
  for no key update;
  if not found then
    raise exception 'video % not found', p_video_id
      using errcode = 'PT404', hint = 'You can only finish your own uploads.';
  end if;

  select o.metadata into v_metadata
  from storage.objects o
  where o.bucket_id = 'videos' and o.name = v_row.file_url;
  if not found then
    raise exception 'no object uploaded at % yet', v_row.file_url
      using errcode = 'PT409', hint = 'Upload the file, then finish it again.';
  end if;

  update public.videos v
  set status = 'ready',
      file_size = coalesce(nullif(v_metadata ->> 'size', '')::bigint, v.file_size),
      mime_type = coalesce(nullif(split_part(v_metadata ->> 'mimetype', ';', 1), ''), v.mime_type)
  where v.id = p_video_id
  returning * into v_row;
  return v_row;
end
$$;
