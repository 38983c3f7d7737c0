-- Privileges and row-level security for sessions, modules and videos
--
-- Supabase's defaults grant anon and authenticated ALL (even TRUNCATE, which RLS does not
-- cover) on new tables in public: revoke everything, then grant authenticated what it needs.
-- service_role keeps every privilege except TRUNCATE (admin tooling and `session gc`).
--
-- One permissive policy per table and action, TO authenticated, `(select auth.uid())` so it
-- is evaluated once per statement, and an explicit WITH CHECK on INSERT and UPDATE. The
-- composite foreign keys then make re-parenting into another author's session or module fail.
-- Operators (app_metadata.role = 'operator', which only the service role can set) read every
-- row and write none.

revoke all on table public.sessions, public.modules, public.videos from anon, authenticated, service_role;
grant select, insert, update, delete on table public.sessions, public.modules, public.videos to authenticated;
grant select, insert, update, delete, references, trigger on table public.sessions, public.modules, public.videos to service_role;

alter table public.sessions enable row level security;
alter table public.modules enable row level security;
alter table public.videos enable row level security;

-- sessions

create policy "Authors read their sessions, operators read all"
  on public.sessions as permissive for select to authenticated
  using (
    user_id = (select auth.uid())
    or ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'operator'
  );

create policy "Authors create their own sessions"
  on public.sessions as permissive for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "Authors update their sessions"
  on public.sessions as permissive for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "Authors delete their sessions"
  on public.sessions as permissive for delete to authenticated
  using (user_id = (select auth.uid()));

-- modules

create policy "Authors read their modules, operators read all"
  on public.modules as permissive for select to authenticated
  using (
    user_id = (select auth.uid())
    or ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'operator'
  );

create policy "Authors add modules to their sessions"
  on public.modules as permissive for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "Authors update their modules"
  on public.modules as permissive for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "Authors delete their modules"
  on public.modules as permissive for delete to authenticated
  using (user_id = (select auth.uid()));

-- videos

create policy "Authors read their videos, operators read all"
  on public.videos as permissive for select to authenticated
  using (
    user_id = (select auth.uid())
    or ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'operator'
  );

create policy "Authors add videos to their modules"
  on public.videos as permissive for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "Authors update their videos"
  on public.videos as permissive for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "Authors delete their videos"
  on public.videos as permissive for delete to authenticated
  using (user_id = (select auth.uid()));
