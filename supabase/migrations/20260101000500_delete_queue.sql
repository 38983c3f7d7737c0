-- Storage delete queue
--
-- Deleting a row cannot delete its object (Supabase refuses SQL deletes on storage.objects),
-- so an AFTER DELETE trigger on videos (it fires for cascades from modules, sessions and
-- auth.users too) queues the object path in private.deleted_objects. `session rm` claims the
-- caller's paths, removes them through the Storage API and acknowledges them; what is left
-- (Storage down, deleted users) is drained by `session gc` (with the service-role key: all paths).
--
-- claim_deleted_objects(p_limit) returns the caller's queued paths (oldest first) and stamps
-- them; ack_deleted_objects(p_paths) removes them from the queue. The queue has no foreign
-- key to auth.users on purpose: paths of deleted users must outlive them.

create table private.deleted_objects (
  id bigint generated always as identity primary key,
  user_id uuid not null,
  bucket_id text not null default 'videos',
  path text not null,
  queued_at timestamptz not null default now(),
  claimed_at timestamptz,
  claims integer not null default 0
);
comment on table private.deleted_objects is 'Object paths whose rows were deleted; drained through the Storage API.';

create index deleted_objects_user_id_id_idx on private.deleted_objects (user_id, id);
create index deleted_objects_path_idx on private.deleted_objects (path);

alter table private.deleted_objects enable row level security;

revoke all on table private.deleted_objects from public, anon, authenticated, service_role;
grant select, update, delete on table private.deleted_objects to authenticated;
grant select, insert, update, delete on table private.deleted_objects to service_role;

create policy "Authors read their queued paths"
  on private.deleted_objects as permissive for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Authors claim their queued paths"
  on private.deleted_objects as permissive for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "Authors acknowledge their queued paths"
  on private.deleted_objects as permissive for delete to authenticated
  using (user_id = (select auth.uid()));

-- Runs as its owner: the deleting role (an author, or the owner of videos during cascades)
-- need not be able to write the queue.
create function private.queue_deleted_video()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.deleted_objects (user_id, bucket_id, path)
  values (old.user_id, 'videos', old.file_url);
  return old;
end
$$;
revoke all on function private.queue_deleted_video() from public, anon, authenticated, service_role;

create trigger videos_queue_deleted_object
  after delete on public.videos
  for each row execute function private.queue_deleted_video();

create function public.claim_deleted_objects(p_limit integer default 1000)
returns text[]
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_paths text[];
begin
  if p_limit is null or p_limit < 1 or p_limit > 10000 then
    raise exception 'p_limit % is out of range: use 1..10000', p_limit
      using errcode = '22023';
  end if;

  with picked as (
    select q.id
    from private.deleted_objects q
    where (v_uid is null or q.user_id = v_uid)
    order by q.id
    limit p_limit
    for update skip locked
  ), stamped as (
    update private.deleted_objects q
    set claimed_at = now(), claims = q.claims + 1
    from picked
    where q.id = picked.id
    returning q.id, q.path
  )
  select coalesce(array_agg(s.path order by s.id), '{}') into v_paths
  from stamped s;

  return v_paths;
end
$$;
comment on function public.claim_deleted_objects(integer) is 'The caller''s queued object paths (all of them for the service role), oldest first.';

create function public.ack_deleted_objects(p_paths text[])
returns void
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
begin
  delete from private.deleted_objects q
  where q.path = any (coalesce(p_paths, '{}'))
    and (v_uid is null or q.user_id = v_uid);
end
$$;
comment on function public.ack_deleted_objects(text[]) is 'Removes paths the caller has deleted through the Storage API from the queue.';

revoke all on function public.claim_deleted_objects(integer), public.ack_deleted_objects(text[]) from public, anon;
grant execute on function public.claim_deleted_objects(integer), public.ack_deleted_objects(text[]) to authenticated, service_role;
