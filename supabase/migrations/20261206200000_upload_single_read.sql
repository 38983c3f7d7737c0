-- Uploads that read each byte once: the sha256 arrives with finish_video
--
-- The client hashes a file from the same read that sends it, so a first upload knows its sha256
-- only at the end. begin_video therefore takes p_sha256 null ("not known yet"): the row starts
-- `uploading` without a hash, and finish_video(p_video_id, p_sha256, p_probe_sha256) records it.
-- When the hash is known before (a hash cache, a manifest), begin_video works as before: the same
-- bytes in the same module return the existing row.
--
-- probe_sha256 is the sha256 of the first MiB followed by the last MiB of the file (the whole file
-- when it is at most 2 MiB): with file_size, a cheap test of "likely the same bytes" that a client
-- can run before deciding to read a whole file for its full hash.
--
-- Changes: videos.sha256 may be null while `uploading` (never when `ready`); videos.probe_sha256;
-- begin_video (same signature) accepts a null sha256 and resumes an unfinished upload of the same
-- file name and size whose hash is not known; finish_video takes the hashes and checks the stored
-- object's size against the row.
--
-- Errors: as before; finish_video adds 22023 (a missing or malformed hash) and PT409 (the stored
-- object's size differs from the row, or the hash differs from the one begin_video was given).

alter table public.videos alter column sha256 drop not null;
alter table public.videos add constraint videos_sha256_ready_check check (status = 'uploading' or sha256 is not null);
alter table public.videos add column probe_sha256 text;
alter table public.videos add constraint videos_probe_sha256_check check (probe_sha256 ~ '^[0-9a-f]{64}$');
comment on column public.videos.probe_sha256 is 'sha256 of the first and last MiB of the file (the whole file up to 2 MiB): a cheap likely-duplicate test.';

-- An author's ready videos by size and by hash: the lookups that find bytes already stored.
create index videos_user_id_file_size_idx on public.videos (user_id, file_size) where status = 'ready';
create index videos_user_id_sha256_idx on public.videos (user_id, sha256) where status = 'ready';

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

  if p_sha256 is not null and p_sha256 !~ '^[0-9A-Fa-f]{64}$' then
    raise exception 'sha256 must be 64 hexadecimal characters (or null when not known yet)'
      using errcode = '22023';
  end if;

  if v_sha256 is not null then
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
  end if;

  -- An unfinished upload of a file of this name and size whose hash was not known: resume it.
  select v.* into v_row
  from public.videos v
  where v.module_id = p_module_id
    and v.status = 'uploading'
    and v.sha256 is null
    and v.file_name = p_file_name
    and v.file_size = p_file_size
  order by v.created_at
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
comment on function public.begin_video(uuid, text, bigint, text, text) is 'Starts (or finds) the upload of a file into a module; p_sha256 may be null until finish_video; returns the videos row.';

drop function public.finish_video(uuid);

create function public.finish_video(
  p_video_id uuid,
  p_sha256 text default null,
  p_probe_sha256 text default null
)
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
  v_size bigint;
begin
  if p_sha256 is not null and p_sha256 !~ '^[0-9A-Fa-f]{64}$' then
    raise exception 'sha256 must be 64 hexadecimal characters'
      using errcode = '22023';
  end if;
  if p_probe_sha256 is not null and p_probe_sha256 !~ '^[0-9A-Fa-f]{64}$' then
    raise exception 'probe_sha256 must be 64 hexadecimal characters'
      using errcode = '22023';
  end if;

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

  if v_row.sha256 is null and p_sha256 is null then
    raise exception 'the sha256 of video % is not known', p_video_id
      using errcode = '22023', hint = 'Pass the sha256 of the uploaded file.';
  end if;
  if v_row.sha256 is not null and p_sha256 is not null and v_row.sha256 <> lower(p_sha256) then
    raise exception 'video % was begun for other bytes (sha256 %)', p_video_id, v_row.sha256
      using errcode = 'PT409', hint = 'Upload the file again.';
  end if;

  select o.metadata into v_metadata
  from storage.objects o
  where o.bucket_id = 'videos' and o.name = v_row.file_url;
  if not found then
    raise exception 'no object uploaded at % yet', v_row.file_url
      using errcode = 'PT409', hint = 'Upload the file, then finish it again.';
  end if;
  v_size := nullif(v_metadata ->> 'size', '')::bigint;
  if v_size is not null and v_size <> v_row.file_size then
    raise exception 'the object at % has % bytes, the file %', v_row.file_url, v_size, v_row.file_size
      using errcode = 'PT409', hint = 'Upload the file again.';
  end if;

  update public.videos v
  set status = 'ready',
      sha256 = coalesce(v.sha256, lower(p_sha256)),
      probe_sha256 = coalesce(lower(p_probe_sha256), v.probe_sha256),
      mime_type = coalesce(nullif(split_part(v_metadata ->> 'mimetype', ';', 1), ''), v.mime_type)
  where v.id = p_video_id
  returning * into v_row;
  return v_row;
end
$$;
comment on function public.finish_video(uuid, text, text) is 'Marks an upload ready with the sha256 (and probe) of its bytes; checks the stored object''s size; MIME type from the object.';

revoke all on function public.finish_video(uuid, text, text) from public, anon;
grant execute on function public.finish_video(uuid, text, text) to authenticated, service_role;
