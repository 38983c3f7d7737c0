-- Upload functions: begin_video, finish_video, upload_limits, and the object name rule
--
-- An upload is: begin_video (a row `uploading`, with the object path the Storage policies
-- allow), the bytes through Storage (tus), then finish_video (the row `ready`, size and MIME
-- type copied from storage.objects.metadata, which Storage writes, not the client).
-- begin_video is idempotent by content: the same bytes (sha256 and size) in the same module
-- return the existing row, `uploading` (resume) or `ready` (nothing to do).
--
-- Errors: PT404 (404) module or video not found or not the caller's; 22023 (400) a size, MIME
-- type or checksum the bucket refuses; PT409 (409) finish_video before the object exists.

-- The object name of a video in the bucket `videos`, the one rule begin_video and import_session
-- share: <user_id>/<session_id>/<module_id>/<video_id>/<slug>.<ext>. The slug is the file
-- name's stem, lower-cased, every run of characters outside [A-Za-z0-9] made one `-` (at most
-- 100 characters, `video` when nothing is left); ext is the lower-cased extension. ASCII only:
-- Storage rejects other characters and [#%, and the original name stays in file_name.
create function private.video_object_name(
  p_user_id uuid,
  p_session_id uuid,
  p_module_id uuid,
  p_video_id uuid,
  p_file_name text
)
returns text
language sql
immutable
set search_path = ''
as $$
  with parts as (
    select base, lower(substring(base from '\.([A-Za-z0-9]{1,10})$')) as ext
    from (select regexp_replace(coalesce(p_file_name, ''), '^.*[/\\]', '') as base) b
  ), slug as (
    select btrim(left(btrim(lower(regexp_replace(
             case when ext is null then base else left(base, length(base) - length(ext) - 1) end,
             '[^A-Za-z0-9]+', '-', 'g')), '-'), 100), '-') as slug,
           ext
    from parts
  )
  select p_user_id::text || '/' || p_session_id::text || '/' || p_module_id::text || '/' || p_video_id::text || '/'
    || case when slug = '' then 'video' else slug end || coalesce('.' || ext, '')
  from slug
$$;
comment on function private.video_object_name(uuid, uuid, uuid, uuid, text) is 'Object path of a video: <user>/<session>/<module>/<video>/<ASCII slug of the file name>.<ext>.';
-- Called inside the SECURITY INVOKER functions begin_video and import_session, so by their callers.
revoke all on function private.video_object_name(uuid, uuid, uuid, uuid, text) from public, anon;
grant execute on function private.video_object_name(uuid, uuid, uuid, uuid, text) to authenticated, service_role;

create function public.begin_video(
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
comment on function public.begin_video(uuid, text, bigint, text, text) is 'Starts (or finds) the upload of these bytes into a module; returns the videos row.';

create function public.finish_video(p_video_id uuid)
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
comment on function public.finish_video(uuid) is 'Marks an upload ready, with size and MIME type taken from the stored object.';

create function public.upload_limits()
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object(
    'file_size_limit', b.file_size_limit,
    'allowed_mime_types', to_jsonb(b.allowed_mime_types)
  )
  from storage.buckets b
  where b.id = 'videos'
$$;
comment on function public.upload_limits() is 'The videos bucket''s file_size_limit (bytes) and allowed_mime_types.';

revoke all on function
  public.begin_video(uuid, text, bigint, text, text),
  public.finish_video(uuid),
  public.upload_limits()
from public, anon;
grant execute on function
  public.begin_video(uuid, text, bigint, text, text),
  public.finish_video(uuid),
  public.upload_limits()
to authenticated, service_role;
