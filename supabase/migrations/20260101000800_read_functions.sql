-- Read functions: list_sessions, session_tree, resolve_id
--
-- list_sessions pages the caller's sessions newest first, keyset on (updated_at desc, id desc)
-- with an opaque cursor (base64url JSON), and counts modules, videos and bytes in the same
-- query. Operators (and the service role) may ask for everyone's sessions (p_everyone) or one
-- author's (p_owner_email); anyone else asking gets 42501. Rows always pass RLS as well; the
-- functions filter on the owner explicitly so the owner index is used.
-- session_tree returns one jsonb value (Supabase caps row responses at 1,000 rows).
-- resolve_id turns what a person typed into candidate ids: a full id, an id prefix of at least
-- 4 characters (compared on id::text, as uuids cannot be prefix-matched through a filter) or,
-- for sessions, an exact name or key.
--
-- Errors: 42501 (403) everyone/owner listing by a non-operator; 22023 (400) a bad limit, cursor
-- or kind; PT404 (404) session_tree of a session that is missing or not visible.

create function public.list_sessions(
  p_limit integer default 50,
  p_after text default null,
  p_everyone boolean default false,
  p_owner_email text default null
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_privileged boolean := coalesce(((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'operator', false)
    or coalesce((select auth.role()) = 'service_role', false);
  v_owner uuid;
  v_cursor jsonb;
  v_after_ts timestamptz := 'infinity';
  v_after_id uuid := 'ffffffff-ffff-ffff-ffff-ffffffffffff';
  v_sessions jsonb;
  v_count integer;
  v_last jsonb;
begin
  if (coalesce(p_everyone, false) or p_owner_email is not null) and not v_privileged then
    raise exception 'only operators can list other authors'' sessions'
      using errcode = '42501', hint = 'Leave out --everyone and --owner to list your own sessions.';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'p_limit % is out of range: use 1..1000', p_limit
      using errcode = '22023';
  end if;

  if p_after is not null then
    begin
      v_cursor := convert_from(
        decode(translate(p_after, '-_', '+/') || repeat('=', (4 - length(p_after) % 4) % 4), 'base64'),
        'UTF8'
      )::jsonb;
      v_after_ts := (v_cursor ->> 'u')::timestamptz;
      v_after_id := (v_cursor ->> 'i')::uuid;
    exception when others then
      v_after_ts := null;
    end;
    if v_after_ts is null or v_after_id is null then
      raise exception 'invalid cursor'
        using errcode = '22023', hint = 'Pass next_cursor from the previous page unchanged.';
    end if;
  end if;

  if p_owner_email is not null then
    select a.user_id into v_owner
    from public.authors a
    where lower(a.email) = lower(btrim(p_owner_email));
    if not found then
      return jsonb_build_object('sessions', '[]'::jsonb, 'next_cursor', null);
    end if;
  elsif not coalesce(p_everyone, false) then
    v_owner := v_uid;
    if v_owner is null then
      return jsonb_build_object('sessions', '[]'::jsonb, 'next_cursor', null);
    end if;
  end if;

  select
    coalesce(jsonb_agg(
      jsonb_build_object(
        'id', s.id,
        'name', s.name,
        'session_type', s.session_type,
        'key', s.key,
        'module_count', coalesce(mc.module_count, 0),
        'video_count', coalesce(vc.video_count, 0),
        'total_bytes', coalesce(vc.total_bytes, 0),
        'created_at', s.created_at,
        'updated_at', s.updated_at,
        'owner_email', a.email
      ) order by s.updated_at desc, s.id desc), '[]'::jsonb),
    count(*)
  into v_sessions, v_count
  from (
    select s.*
    from public.sessions s
    where (v_owner is null or s.user_id = v_owner)
      and (s.updated_at, s.id) < (v_after_ts, v_after_id)
    order by s.updated_at desc, s.id desc
    limit p_limit + 1
  ) s
  left join public.authors a on a.user_id = s.user_id
  left join lateral (
    select count(*) as module_count
    from public.modules m
    where m.session_id = s.id
  ) mc on true
  left join lateral (
    select count(*) as video_count, sum(v.file_size) as total_bytes
    from public.modules m
    join public.videos v on v.module_id = m.id
    where m.session_id = s.id
  ) vc on true;

  if v_count > p_limit then
    v_sessions := v_sessions - p_limit;
    v_last := v_sessions -> (p_limit - 1);
    return jsonb_build_object(
      'sessions', v_sessions,
      'next_cursor', rtrim(translate(
        replace(encode(convert_to(jsonb_build_object('u', v_last ->> 'updated_at', 'i', v_last ->> 'id')::text, 'UTF8'), 'base64'), chr(10), ''),
        '+/', '-_'), '=')
    );
  end if;
  return jsonb_build_object('sessions', v_sessions, 'next_cursor', null);
end
$$;
comment on function public.list_sessions(integer, text, boolean, text) is 'A page of sessions with module/video counts and bytes; next_cursor is null on the last page.';

create function public.session_tree(p_session_id uuid)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_tree jsonb;
begin
  select jsonb_build_object(
    'id', s.id,
    'name', s.name,
    'session_type', s.session_type,
    'key', s.key,
    'modules', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', m.id,
          'name', m.name,
          'key', m.key,
          'order_index', m.order_index,
          'videos', coalesce((
            select jsonb_agg(jsonb_build_object(
                'id', v.id,
                'key', v.key,
                'file_name', v.file_name,
                'file_size', v.file_size,
                'mime_type', v.mime_type,
                'sha256', v.sha256,
                'status', v.status,
                'order_index', v.order_index,
                'file_url', v.file_url
              ) order by v.order_index)
            from public.videos v
            where v.module_id = m.id and v.user_id = s.user_id
          ), '[]'::jsonb)
        ) order by m.order_index)
      from public.modules m
      where m.session_id = s.id and m.user_id = s.user_id
    ), '[]'::jsonb)
  )
  into v_tree
  from public.sessions s
  where s.id = p_session_id;

  if v_tree is null then
    raise exception 'session % not found', p_session_id using errcode = 'PT404';
  end if;
  return v_tree;
end
$$;
comment on function public.session_tree(uuid) is 'A session with its modules and their videos, in order, as one jsonb value.';

create function public.resolve_id(p_kind text, p_ref text)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_privileged boolean := coalesce(((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'operator', false)
    or coalesce((select auth.role()) = 'service_role', false);
  v_owner uuid;
  v_ref text := btrim(coalesce(p_ref, ''));
  v_id uuid;
  v_prefix text;
  v_result jsonb;
begin
  if p_kind is null or p_kind not in ('session', 'module', 'video') then
    raise exception 'p_kind must be session, module or video, not %', coalesce(p_kind, 'null')
      using errcode = '22023';
  end if;
  if v_ref = '' then
    return '[]'::jsonb;
  end if;
  -- Operators may resolve anything they can read; everyone else only their own rows.
  v_owner := case when v_privileged then null else v_uid end;
  if v_owner is null and not v_privileged then
    return '[]'::jsonb;
  end if;

  if v_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    v_id := v_ref::uuid;
  elsif length(v_ref) >= 4 and v_ref ~* '^[0-9a-f-]+$' then
    v_prefix := lower(v_ref) || '%';
  end if;

  if p_kind = 'session' then
    select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'name', x.name) order by x.name, x.id), '[]'::jsonb)
    into v_result
    from (
      select s.id, s.name
      from public.sessions s
      where (v_owner is null or s.user_id = v_owner)
        and (s.id = v_id or s.id::text like v_prefix or s.name = v_ref or s.key = v_ref)
      limit 50
    ) x;
  elsif p_kind = 'module' then
    if v_id is null and v_prefix is null then
      return '[]'::jsonb;
    end if;
    select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'name', x.name) order by x.name, x.id), '[]'::jsonb)
    into v_result
    from (
      select m.id, m.name
      from public.modules m
      where (v_owner is null or m.user_id = v_owner)
        and (m.id = v_id or m.id::text like v_prefix)
      limit 50
    ) x;
  else
    if v_id is null and v_prefix is null then
      return '[]'::jsonb;
    end if;
    select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'name', x.file_name) order by x.file_name, x.id), '[]'::jsonb)
    into v_result
    from (
      select v.id, v.file_name
      from public.videos v
      where (v_owner is null or v.user_id = v_owner)
        and (v.id = v_id or v.id::text like v_prefix)
      limit 50
    ) x;
  end if;
  return v_result;
end
$$;
comment on function public.resolve_id(text, text) is 'Candidates [{id, name}] for a full id, an id prefix (4+ characters) or a session name or key.';

revoke all on function
  public.list_sessions(integer, text, boolean, text),
  public.session_tree(uuid),
  public.resolve_id(text, text)
from public, anon;
grant execute on function
  public.list_sessions(integer, text, boolean, text),
  public.session_tree(uuid),
  public.resolve_id(text, text)
to authenticated, service_role;
