-- set_videos_media: the container metadata of many videos in one request
--
-- `session import` writes its rows with import_session before any file is sent, then reads
-- each file's container (src/core/media.ts). Recording what it found used one UPDATE request per
-- file; an import of 1,000 new files made 1,000 of them. This function takes them all at once:
--
--   set_videos_media(p_videos jsonb): [{"id", "duration_ms", "width", "height", "video_codec",
--   "audio_codec"}, ...] -> the number of rows it changed.
--
-- Only the caller's own rows change (an id that is not theirs, or no row at all, is skipped), and
-- only rows with no metadata yet (duration_ms null, as begin_video fills an existing row): what a
-- row already records is never overwritten. The CHECK constraints of 20261206300000 apply as to
-- any update (23514, HTTP 400, and nothing is written). `video upload` keeps passing a single
-- file's metadata to begin_video.
--
-- Errors: 42501 without a signed-in user; 22023 when p_videos is not an array of objects with
-- a uuid `id`.

create function public.set_videos_media(p_videos jsonb)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_n integer;
begin
  if v_uid is null then
    raise exception 'set_videos_media needs a signed-in user' using errcode = '42501';
  end if;
  if p_videos is null or jsonb_typeof(p_videos) <> 'array' then
    raise exception 'p_videos must be an array of {id, duration_ms, width, height, video_codec, audio_codec}'
      using errcode = '22023';
  end if;
  if exists (
    select 1 from jsonb_array_elements(p_videos) e
    where jsonb_typeof(e) <> 'object'
       or coalesce(e ->> 'id', '') !~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
  ) then
    raise exception 'every entry of p_videos needs the uuid of a video as "id"'
      using errcode = '22023';
  end if;

  -- One entry per id (the first wins), so a row is never updated twice in one statement.
  with given as (
    select distinct on ((t.e ->> 'id')::uuid)
      (t.e ->> 'id')::uuid as id,
      (t.e ->> 'duration_ms')::integer as duration_ms,
      (t.e ->> 'width')::integer as width,
      (t.e ->> 'height')::integer as height,
      t.e ->> 'video_codec' as video_codec,
      t.e ->> 'audio_codec' as audio_codec
    from jsonb_array_elements(p_videos) with ordinality as t(e, n)
    order by (t.e ->> 'id')::uuid, t.n
  )
  update public.videos v
  set duration_ms = g.duration_ms, width = g.width, height = g.height,
      video_codec = g.video_codec, audio_codec = g.audio_codec
  from given g
  where v.id = g.id
    and v.user_id = v_uid
    and v.duration_ms is null;
  get diagnostics v_n = row_count;
  return v_n;
end
$$;
comment on function public.set_videos_media(jsonb) is 'Records the container metadata (duration_ms, width, height, video_codec, audio_codec) of the caller''s own videos that have none yet, in one request; returns how many rows changed.';

revoke all on function public.set_videos_media(jsonb) from public, anon;
grant execute on function public.set_videos_media(jsonb) to authenticated;
