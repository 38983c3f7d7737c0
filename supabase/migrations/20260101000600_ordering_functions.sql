-- Ordering functions: add, move and remove modules and videos
--
-- Positions are dense, 0..n-1 within the parent. Each function locks the parent row
-- (FOR NO KEY UPDATE: serialises adds and moves in one parent without blocking foreign-key
-- checks), re-reads the positions, then shifts the rows in between with one UPDATE (the unique
-- constraints are DEFERRABLE INITIALLY IMMEDIATE, checked at the end of that statement).
-- Locking needs the UPDATE policy, so the lock finds no row when the parent is not the
-- caller's: the function then raises instead of going on unlocked.
--
-- Errors (SQLSTATE, HTTP status through PostgREST):
-- * PT404 (404): the session, module or video does not exist or is not the caller's;
-- * 22023 (400): a position out of range; the message names the valid range, 0-based.
-- All are SECURITY INVOKER with an empty search_path: RLS judges every row they touch.

create function public.add_module(
  p_session_id uuid,
  p_name text,
  p_order_index integer default null,
  p_key text default null
)
returns public.modules
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_user_id uuid;
  v_count integer;
  v_index integer;
  v_row public.modules;
begin
  select s.user_id into v_user_id
  from public.sessions s
  where s.id = p_session_id
  for no key update;
  if not found then
    raise exception 'session % not found', p_session_id
      using errcode = 'PT404', hint = 'You can only change your own sessions.';
  end if;

  select count(*) into v_count from public.modules m where m.session_id = p_session_id;
  v_index := coalesce(p_order_index, v_count);
  if v_index < 0 or v_index > v_count then
    raise exception 'order_index % is out of range: use 0..%', v_index, v_count
      using errcode = '22023';
  end if;

  if v_index < v_count then
    update public.modules m
    set order_index = m.order_index + 1
    where m.session_id = p_session_id
      and m.order_index >= v_index;
  end if;

  insert into public.modules (session_id, user_id, name, key, order_index)
  values (p_session_id, v_user_id, p_name, p_key, v_index)
  returning * into v_row;
  return v_row;
end
$$;
comment on function public.add_module(uuid, text, integer, text) is 'Adds a module at p_order_index (null: last); returns the row.';

create function public.move_module(p_module_id uuid, p_order_index integer)
returns setof public.modules
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_session_id uuid;
  v_from integer;
  v_count integer;
begin
  select m.session_id into v_session_id from public.modules m where m.id = p_module_id;
  if not found then
    raise exception 'module % not found', p_module_id using errcode = 'PT404';
  end if;

  perform 1 from public.sessions s where s.id = v_session_id for no key update;
  if not found then
    raise exception 'module % not found', p_module_id
      using errcode = 'PT404', hint = 'You can only change your own sessions.';
  end if;

  -- Re-read under the lock: a concurrent move may have changed the position.
  select m.order_index into v_from
  from public.modules m
  where m.id = p_module_id and m.session_id = v_session_id;
  if not found then
    raise exception 'module % not found', p_module_id using errcode = 'PT404';
  end if;

  select count(*) into v_count from public.modules m where m.session_id = v_session_id;
  if p_order_index is null or p_order_index < 0 or p_order_index > v_count - 1 then
    raise exception 'order_index % is out of range: use 0..%', p_order_index, v_count - 1
      using errcode = '22023';
  end if;

  if p_order_index <> v_from then
    update public.modules m
    set order_index = case
        when m.id = p_module_id then p_order_index
        when v_from < p_order_index then m.order_index - 1
        else m.order_index + 1
      end
    where m.session_id = v_session_id
      and m.order_index between least(v_from, p_order_index) and greatest(v_from, p_order_index);
  end if;

  return query
    select m.* from public.modules m
    where m.session_id = v_session_id
    order by m.order_index;
end
$$;
comment on function public.move_module(uuid, integer) is 'Moves a module to p_order_index; returns the session''s modules in order.';

create function public.remove_module(p_module_id uuid)
returns void
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_session_id uuid;
  v_from integer;
begin
  select m.session_id into v_session_id from public.modules m where m.id = p_module_id;
  if not found then
    raise exception 'module % not found', p_module_id using errcode = 'PT404';
  end if;

  perform 1 from public.sessions s where s.id = v_session_id for no key update;
  if not found then
    raise exception 'module % not found', p_module_id
      using errcode = 'PT404', hint = 'You can only change your own sessions.';
  end if;

  delete from public.modules m
  where m.id = p_module_id and m.session_id = v_session_id
  returning m.order_index into v_from;
  if not found then
    raise exception 'module % not found', p_module_id using errcode = 'PT404';
  end if;

  update public.modules m
  set order_index = m.order_index - 1
  where m.session_id = v_session_id
    and m.order_index > v_from;
end
$$;
comment on function public.remove_module(uuid) is 'Deletes a module (its videos cascade and their objects are queued) and closes the gap.';

create function public.move_video(p_video_id uuid, p_order_index integer)
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
comment on function public.move_video(uuid, integer) is 'Moves a video to p_order_index; returns the module''s videos in order.';

create function public.remove_video(p_video_id uuid)
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
comment on function public.remove_video(uuid) is 'Deletes a video (its object path is queued) and closes the gap.';

revoke all on function
  public.add_module(uuid, text, integer, text),
  public.move_module(uuid, integer),
  public.remove_module(uuid),
  public.move_video(uuid, integer),
  public.remove_video(uuid)
from public, anon;
grant execute on function
  public.add_module(uuid, text, integer, text),
  public.move_module(uuid, integer),
  public.remove_module(uuid),
  public.move_video(uuid, integer),
  public.remove_video(uuid)
to authenticated, service_role;
