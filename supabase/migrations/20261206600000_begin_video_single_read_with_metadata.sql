-- begin_video: one definition for two changes made side by side. 20261206200000 let the sha256 be
-- unknown at begin (it reaches the server with finish_video) and resumes an unfinished upload of
-- the same name and size; 20261206300000 added the container metadata as optional parameters but
-- rebuilt the function from the body before that. This is both: the ten-parameter signature of
-- 20261206300000 and the null-sha256 and resume rules of 20261206200000.
create or replace function public.begin_video(
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

  if p_sha256 is not null and p_sha256 !~ '^[0-9A-Fa-f]{64}$' then
    raise exception 'sha256 must be 64 hexadecimal characters (or null when not known yet)'
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

  -- The same bytes in this module: that row (ready first).
  if v_sha256 is not null then
    select v.* into v_row
    from public.videos v
    where v.module_id = p_module_id
      and v.sha256 = v_sha256
      and v.file_size = p_file_size
    order by (v.status = 'ready') desc, v.created_at
    limit 1;
  end if;
  -- Else an unfinished upload of a file of this name and size whose hash was not known: resume it.
  if v_row.id is null then
    select v.* into v_row
    from public.videos v
    where v.module_id = p_module_id
      and v.status = 'uploading'
      and v.sha256 is null
      and v.file_name = p_file_name
      and v.file_size = p_file_size
    order by v.created_at
    limit 1;
  end if;
  if v_row.id is not null then
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

comment on function public.begin_video(uuid, text, bigint, text, text, integer, integer, integer, text, text) is 'Starts (or finds) the upload of a file into a module, with its container metadata; the sha256 may be null until finish_video; returns the videos row.';
