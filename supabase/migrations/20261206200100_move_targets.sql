-- Moves in one request: the target as people say it, and refs resolved in one call
--
-- move_module_to and move_video_to take the destination as the command line gives it: a 0-based
-- position, first, last, or just before or after another module (video) of the same parent. They
-- lock the parent as move_module and move_video do, shift the rows in between with one UPDATE, and
-- return only what a confirmation needs: the moved row's id, name, key, new order_index and the
-- number of siblings. move_module_to also takes the session as the person typed it (id, id
-- prefix, name or key) and refuses a module that is not in that session, so a command given full
-- ids needs no lookup first.
--
-- resolve_refs resolves several refs in one call (what a move with names or id prefixes needs):
-- {"session": <resolve_id('session', p_session)> or null, "refs": [<candidates per ref>]}. With a
-- session, module refs are matched within it by full id, id prefix (4+ characters) or exact name;
-- without, each ref is resolve_id(p_kind, ref).
--
-- Errors: PT404 (404) not found or not the caller's, or not in the named session / parent;
-- 22023 (400) no target or several, a position out of range (the message names 0..n-1), or an
-- item placed before or after itself.

create function private.move_target(
  p_from integer,
  p_count integer,
  p_order_index integer,
  p_first boolean,
  p_last boolean,
  p_anchor integer,
  p_after boolean
)
returns integer
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_anchor integer;
begin
  if p_first then
    return 0;
  elsif p_last then
    return p_count - 1;
  elsif p_anchor is not null then
    if p_anchor = p_from then
      raise exception 'cannot move an item before or after itself' using errcode = '22023';
    end if;
    -- Taking the item out first moves everything after it up by one.
    v_anchor := case when p_anchor > p_from then p_anchor - 1 else p_anchor end;
    return case when p_after then v_anchor + 1 else v_anchor end;
  end if;
  if p_order_index is null or p_order_index < 0 or p_order_index > p_count - 1 then
    raise exception 'order_index % is out of range: use 0..%', p_order_index, p_count - 1
      using errcode = '22023';
  end if;
  return p_order_index;
end
$$;
revoke all on function private.move_target(integer, integer, integer, boolean, boolean, integer, boolean) from public, anon;
grant execute on function private.move_target(integer, integer, integer, boolean, boolean, integer, boolean) to authenticated, service_role;

create function private.one_move_target(p_order_index integer, p_first boolean, p_last boolean, p_before uuid, p_after uuid)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if (p_order_index is not null)::integer + coalesce(p_first, false)::integer + coalesce(p_last, false)::integer
     + (p_before is not null)::integer + (p_after is not null)::integer <> 1 then
    raise exception 'give exactly one of p_order_index, p_first, p_last, p_before, p_after'
      using errcode = '22023';
  end if;
end
$$;
revoke all on function private.one_move_target(integer, boolean, boolean, uuid, uuid) from public, anon;
grant execute on function private.one_move_target(integer, boolean, boolean, uuid, uuid) to authenticated, service_role;

create function public.move_module_to(
  p_module_id uuid,
  p_order_index integer default null,
  p_first boolean default false,
  p_last boolean default false,
  p_before uuid default null,
  p_after uuid default null,
  p_session text default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_session_id uuid;
  v_session_ref text := btrim(coalesce(p_session, ''));
  v_from integer;
  v_count integer;
  v_anchor integer;
  v_to integer;
  v_row public.modules;
begin
  perform private.one_move_target(p_order_index, p_first, p_last, p_before, p_after);

  select m.session_id into v_session_id from public.modules m where m.id = p_module_id;
  if not found then
    raise exception 'module % not found', p_module_id using errcode = 'PT404';
  end if;

  perform 1 from public.sessions s
  where s.id = v_session_id
    and (v_session_ref = ''
      or s.id::text = lower(v_session_ref)
      or (length(replace(v_session_ref, '-', '')) >= 4 and v_session_ref ~* '^[0-9a-f-]+$' and s.id::text like lower(v_session_ref) || '%')
      or s.name = v_session_ref
      or s.key = v_session_ref)
  for no key update;
  if not found then
    raise exception 'module % not found', p_module_id
      using errcode = 'PT404', hint = case when v_session_ref = '' then 'You can only change your own sessions.' else 'Is it in that session?' end;
  end if;

  -- Re-read under the lock: a concurrent move may have changed the positions.
  select m.order_index into v_from
  from public.modules m
  where m.id = p_module_id and m.session_id = v_session_id;
  if not found then
    raise exception 'module % not found', p_module_id using errcode = 'PT404';
  end if;
  select count(*) into v_count from public.modules m where m.session_id = v_session_id;

  if p_before is not null or p_after is not null then
    select m.order_index into v_anchor
    from public.modules m
    where m.id = coalesce(p_before, p_after) and m.session_id = v_session_id;
    if not found then
      raise exception 'module % not found in this session', coalesce(p_before, p_after)
        using errcode = 'PT404', hint = 'Name a module of the same session.';
    end if;
  end if;
  v_to := private.move_target(v_from, v_count, p_order_index, coalesce(p_first, false), coalesce(p_last, false), v_anchor, p_after is not null);

  if v_to <> v_from then
    update public.modules m
    set order_index = case
        when m.id = p_module_id then v_to
        when v_from < v_to then m.order_index - 1
        else m.order_index + 1
      end
    where m.session_id = v_session_id
      and m.order_index between least(v_from, v_to) and greatest(v_from, v_to);
  end if;

  select m.* into v_row from public.modules m where m.id = p_module_id;
  return jsonb_build_object(
    'id', v_row.id, 'name', v_row.name, 'key', v_row.key, 'session_id', v_session_id,
    'order_index', v_row.order_index, 'previous_order_index', v_from, 'count', v_count
  );
end
$$;
comment on function public.move_module_to(uuid, integer, boolean, boolean, uuid, uuid, text) is 'Moves a module to a position, first, last, or before/after another module of its session; returns the moved module and the module count.';

create function public.move_video_to(
  p_video_id uuid,
  p_order_index integer default null,
  p_first boolean default false,
  p_last boolean default false,
  p_before uuid default null,
  p_after uuid default null
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_session_id uuid;
  v_module_id uuid;
  v_from integer;
  v_count integer;
  v_anchor integer;
  v_to integer;
  v_row public.videos;
begin
  perform private.one_move_target(p_order_index, p_first, p_last, p_before, p_after);

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

  if p_before is not null or p_after is not null then
    select v.order_index into v_anchor
    from public.videos v
    where v.id = coalesce(p_before, p_after) and v.module_id = v_module_id;
    if not found then
      raise exception 'video % not found in this module', coalesce(p_before, p_after)
        using errcode = 'PT404', hint = 'Name a video of the same module.';
    end if;
  end if;
  v_to := private.move_target(v_from, v_count, p_order_index, coalesce(p_first, false), coalesce(p_last, false), v_anchor, p_after is not null);

  if v_to <> v_from then
    update public.videos v
    set order_index = case
        when v.id = p_video_id then v_to
        when v_from < v_to then v.order_index - 1
        else v.order_index + 1
      end
    where v.module_id = v_module_id
      and v.order_index between least(v_from, v_to) and greatest(v_from, v_to);
  end if;

  select v.* into v_row from public.videos v where v.id = p_video_id;
  return jsonb_build_object(
    'id', v_row.id, 'file_name', v_row.file_name, 'key', v_row.key, 'module_id', v_module_id,
    'order_index', v_row.order_index, 'previous_order_index', v_from, 'count', v_count
  );
end
$$;
comment on function public.move_video_to(uuid, integer, boolean, boolean, uuid, uuid) is 'Moves a video to a position, first, last, or before/after another video of its module; returns the moved video and the video count.';

create function public.resolve_refs(p_kind text, p_refs text[], p_session text default null)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_sessions jsonb;
  v_session_id uuid;
  v_refs jsonb := '[]'::jsonb;
  v_ref text;
  v_found jsonb;
  v_exact jsonb;
begin
  if p_session is null then
    select coalesce(jsonb_agg(public.resolve_id(p_kind, r.ref) order by r.n), '[]'::jsonb) into v_refs
    from unnest(coalesce(p_refs, array[]::text[])) with ordinality as r(ref, n);
    return jsonb_build_object('session', null, 'refs', v_refs);
  end if;
  if p_kind is distinct from 'module' then
    raise exception 'p_session goes with p_kind module only' using errcode = '22023';
  end if;

  v_sessions := public.resolve_id('session', p_session);
  if jsonb_array_length(v_sessions) = 1 then
    v_session_id := (v_sessions -> 0 ->> 'id')::uuid;
  end if;
  foreach v_ref in array coalesce(p_refs, array[]::text[]) loop
    v_ref := btrim(coalesce(v_ref, ''));
    if v_session_id is null or v_ref = '' then
      v_found := '[]'::jsonb;
    else
      select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'name', x.name) order by x.name, x.id), '[]'::jsonb) into v_found
      from (
        select m.id, m.name
        from public.modules m
        where m.session_id = v_session_id
          and (m.id::text = lower(v_ref)
            or (length(replace(v_ref, '-', '')) >= 4 and v_ref ~* '^[0-9a-f-]+$' and m.id::text like lower(v_ref) || '%')
            or m.name = v_ref)
        limit 50
      ) x;
      -- A full id wins over a name that happens to be another module's id.
      if jsonb_array_length(v_found) > 1 then
        select jsonb_agg(e) into v_exact from jsonb_array_elements(v_found) e where e ->> 'id' = lower(v_ref);
        if v_exact is not null then
          v_found := v_exact;
        end if;
      end if;
    end if;
    v_refs := v_refs || jsonb_build_array(v_found);
  end loop;
  return jsonb_build_object('session', v_sessions, 'refs', v_refs);
end
$$;
comment on function public.resolve_refs(text, text[], text) is 'Candidates for several refs in one call; with p_session, module refs by id, id prefix or name within that session.';

revoke all on function
  public.move_module_to(uuid, integer, boolean, boolean, uuid, uuid, text),
  public.move_video_to(uuid, integer, boolean, boolean, uuid, uuid),
  public.resolve_refs(text, text[], text)
from public, anon;
grant execute on function
  public.move_module_to(uuid, integer, boolean, boolean, uuid, uuid, text),
  public.move_video_to(uuid, integer, boolean, boolean, uuid, uuid),
  public.resolve_refs(text, text[], text)
to authenticated, service_role;
