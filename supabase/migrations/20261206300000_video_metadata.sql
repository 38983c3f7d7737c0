-- Video metadata: duration, frame size and codecs, and course length in the read functions
--
-- The CLI reads each file's container before any byte is sent (src/core/media.ts) and passes
-- what it found to begin_video. The columns are nullable: rows uploaded before this migration,
-- and containers the reader does not parse (AVI), have none. They describe the file as its
-- author's client read it; nothing on the server depends on them.
--
-- Totals are computed here, not in clients: list_sessions and session_tree gain `duration_ms`
-- per session (and per module in the tree, with each video's fields); list_modules answers a
-- session's modules with their video count, bytes and duration_ms. A total is the sum of the
-- videos whose duration is known: 0 with no videos, null when videos exist but none has one.
--
-- Errors: as before; begin_video also answers 22023 (400) for metadata out of range.

alter table public.videos
  add column duration_ms integer,
  add column width integer,
  add column height integer,
  add column video_codec text,
  add column audio_codec text,
  -- At most 7 days: the bound the reader applies (a longer "duration" is a broken header).
  add constraint videos_duration_ms_check check (duration_ms is null or (duration_ms >= 0 and duration_ms <= 604800000)),
  -- Both or neither; 16384 is the largest side any common codec level allows.
  add constraint videos_frame_size_check check (
    (width is null) = (height is null) and (width is null or (width between 1 and 16384 and height between 1 and 16384))
  ),
  add constraint videos_video_codec_check check (video_codec is null or video_codec ~ '^[a-z0-9][a-z0-9._-]{0,31}$'),
  add constraint videos_audio_codec_check check (audio_codec is null or audio_codec ~ '^[a-z0-9][a-z0-9._-]{0,31}$');

comment on column public.videos.duration_ms is 'Length in milliseconds, read from the container before upload; null when unknown.';
comment on column public.videos.width is 'Display width in pixels; null when unknown.';
comment on column public.videos.height is 'Display height in pixels; null when unknown.';
comment on column public.videos.video_codec is 'Video codec (h264, hevc, vp8, vp9, av1, …); null when unknown.';
comment on column public.videos.audio_codec is 'Audio codec (aac, opus, vorbis, …); null when the file has no audio or it is unknown.';

-- begin_video: today's function with the metadata as optional parameters (default null). The
-- same bytes already in the module return their row as before, its missing metadata filled in
-- (a re-upload of a video from before this migration records its length).
drop function public.begin_video(uuid, text, bigint, text, text);

create function public.begin_video(
  p_module_id uuid,
  p_file_name text,
  p_file_size bigint,
  p_sha256 text,
  p_mime_type text,
  p_duration_ms integer default null,
  p_width integer default null,
  p_height integer default null,
  p_video_codec text default null,
  p_audio_codec text default null
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
  if p_duration_ms is not null and (p_duration_ms < 0 or p_duration_ms > 604800000) then
    raise exception 'duration_ms % is out of range: use 0..604800000', p_duration_ms
      using errcode = '22023';
  end if;
  if (p_width is null) <> (p_height is null)
     or (p_width is not null and (p_width not between 1 and 16384 or p_height not between 1 and 16384)) then
    raise exception 'frame size %x% is out of range: give both, each 1..16384', p_width, p_height
      using errcode = '22023';
  end if;
  if (p_video_codec is not null and p_video_codec !~ '^[a-z0-9][a-z0-9._-]{0,31}$')
     or (p_audio_codec is not null and p_audio_codec !~ '^[a-z0-9][a-z0-9._-]{0,31}$') then
    raise exception 'codec names are lowercase letters, digits, dots, dashes and underscores (at most 32)'
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
    if v_row.duration_ms is null and p_duration_ms is not null then
      update public.videos v
      set duration_ms = p_duration_ms, width = p_width, height = p_height,
          video_codec = p_video_codec, audio_codec = p_audio_codec
      where v.id = v_row.id
      returning * into v_row;
    end if;
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

  insert into public.videos (id, module_id, user_id, file_name, file_size, mime_type, sha256, status, file_url, order_index,
                             duration_ms, width, height, video_codec, audio_codec)
  values (
    v_id, p_module_id, v_user_id, p_file_name, p_file_size, p_mime_type, v_sha256, 'uploading',
    private.video_object_name(v_user_id, v_session_id, p_module_id, v_id, p_file_name),
    v_count,
    p_duration_ms, p_width, p_height, p_video_codec, p_audio_codec
  )
  returning * into v_row;
  return v_row;
end
$$;
comment on function public.begin_video(uuid, text, bigint, text, text, integer, integer, integer, text, text) is 'Starts (or finds) the upload of these bytes into a module, with their container metadata; returns the videos row.';

revoke all on function public.begin_video(uuid, text, bigint, text, text, integer, integer, integer, text, text) from public, anon;
grant execute on function public.begin_video(uuid, text, bigint, text, text, integer, integer, integer, text, text) to authenticated, service_role;

-- list_sessions: today's function with `duration_ms` beside `total_bytes`.
create or replace function public.list_sessions(
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
        'duration_ms', vc.duration_ms,
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
    select count(*) as video_count, sum(v.file_size) as total_bytes, coalesce(sum(v.duration_ms), case when count(v.id) = 0 then 0 end) as duration_ms
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

-- session_tree: today's function with each video's metadata and `duration_ms` totals per
-- module and for the session.
create or replace function public.session_tree(p_session_id uuid)
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
    'duration_ms', (
      select coalesce(sum(v.duration_ms), case when count(v.id) = 0 then 0 end)
      from public.videos v
      join public.modules m on m.id = v.module_id
      where m.session_id = s.id and m.user_id = s.user_id and v.user_id = s.user_id
    ),
    'modules', coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', m.id,
          'name', m.name,
          'key', m.key,
          'order_index', m.order_index,
          'duration_ms', (select coalesce(sum(v.duration_ms), case when count(v.id) = 0 then 0 end) from public.videos v where v.module_id = m.id and v.user_id = s.user_id),
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
                'file_url', v.file_url,
                'duration_ms', v.duration_ms,
                'width', v.width,
                'height', v.height,
                'video_codec', v.video_codec,
                'audio_codec', v.audio_codec
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

-- list_modules: a session's modules in order, each row with its video count, bytes and
-- duration_ms (what `module ls` shows), in one request. PT404 when the session is missing or
-- not visible, so a listing never mistakes "not yours" for "empty".
create function public.list_modules(p_session_id uuid)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_user_id uuid;
  v_modules jsonb;
begin
  select s.user_id into v_user_id from public.sessions s where s.id = p_session_id;
  if not found then
    raise exception 'session % not found', p_session_id using errcode = 'PT404';
  end if;
  select coalesce(jsonb_agg(jsonb_build_object(
      'id', m.id,
      'user_id', m.user_id,
      'session_id', m.session_id,
      'name', m.name,
      'key', m.key,
      'order_index', m.order_index,
      'created_at', m.created_at,
      'updated_at', m.updated_at,
      'video_count', coalesce(t.video_count, 0),
      'total_bytes', coalesce(t.total_bytes, 0),
      'duration_ms', t.duration_ms
    ) order by m.order_index), '[]'::jsonb)
  into v_modules
  from public.modules m
  left join lateral (
    select count(*) as video_count, sum(v.file_size) as total_bytes, coalesce(sum(v.duration_ms), case when count(v.id) = 0 then 0 end) as duration_ms
    from public.videos v
    where v.module_id = m.id and v.user_id = v_user_id
  ) t on true
  where m.session_id = p_session_id and m.user_id = v_user_id;
  return v_modules;
end
$$;
comment on function public.list_modules(uuid) is 'A session''s modules in order, each with video_count, total_bytes and duration_ms.';

revoke all on function public.list_modules(uuid) from public, anon;
grant execute on function public.list_modules(uuid) to authenticated, service_role;
