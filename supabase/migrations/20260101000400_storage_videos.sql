-- Storage: the private bucket `videos` and its object policies
--
-- Objects live at <user_id>/<session_id>/<module_id>/<video_id>/<slug>.<ext>, the path kept in
-- videos.file_url. Limits (also in supabase/config.toml, and returned by upload_limits()):
-- 50 GiB per file (the project's global limit may be lower), video types only.
--
-- storage.objects policies for this bucket:
-- * insert: only at the path of one of the caller's own video rows still `uploading`;
-- * update (upsert, i.e. x-upsert: true): the same path rule, for the caller's own objects;
-- * select and delete: under the caller's own id;
-- * operators read every object of the bucket.
-- authenticated may read the bucket row itself, so upload_limits() can return its limits.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values (
  'videos', 'videos', false, 53687091200,
  array['video/mp4', 'video/quicktime', 'video/webm', 'video/x-matroska', 'video/x-m4v', 'video/x-msvideo']
)
on conflict (id) do update
  set public = excluded.public,
      file_size_limit = excluded.file_size_limit,
      allowed_mime_types = excluded.allowed_mime_types;

create policy "Authenticated users read the videos bucket"
  on storage.buckets as permissive for select to authenticated
  using (id = 'videos');

create policy "Authors upload to their own uploading videos"
  on storage.objects as permissive for insert to authenticated
  with check (
    bucket_id = 'videos'
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and exists (
      select 1 from public.videos v
      where v.file_url = objects.name
        and v.user_id = (select auth.uid())
        and v.status = 'uploading'
    )
  );

create policy "Authors overwrite their own uploading videos"
  on storage.objects as permissive for update to authenticated
  using (
    bucket_id = 'videos'
    and (storage.foldername(name))[1] = (select auth.uid())::text
  )
  with check (
    bucket_id = 'videos'
    and (storage.foldername(name))[1] = (select auth.uid())::text
    and exists (
      select 1 from public.videos v
      where v.file_url = objects.name
        and v.user_id = (select auth.uid())
        and v.status = 'uploading'
    )
  );

create policy "Authors read their video objects, operators read all"
  on storage.objects as permissive for select to authenticated
  using (
    bucket_id = 'videos'
    and (
      (storage.foldername(name))[1] = (select auth.uid())::text
      or ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'operator'
    )
  );

create policy "Authors delete their video objects"
  on storage.objects as permissive for delete to authenticated
  using (
    bucket_id = 'videos'
    and (storage.foldername(name))[1] = (select auth.uid())::text
  );
