-- Private schema and authors
--
-- `private` holds what the Data API must never expose (PostgREST serves only `public`):
-- trigger functions that need elevated rights and the storage delete queue. Nothing in it is
-- executable by anon.
--
-- `public.authors` maps an author's user id to their email, so operators can see who owns a
-- session (list_sessions' owner_email, `session ls --owner EMAIL`). It is filled by a trigger
-- on auth.users; every user reads only their own row, operators read all of them.

create extension if not exists moddatetime with schema extensions;

create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

create table public.authors (
  user_id uuid primary key references auth.users (id) on delete cascade,
  email text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.authors is 'Email of each author, copied from auth.users by private.sync_author().';

create index authors_lower_email_idx on public.authors (lower(email));

create trigger authors_set_updated_at
  before update on public.authors
  for each row execute function extensions.moddatetime(updated_at);

alter table public.authors enable row level security;

revoke all on table public.authors from anon, authenticated, service_role;
grant select on table public.authors to authenticated;
grant select, insert, update, delete, references, trigger on table public.authors to service_role;

create policy "Authors read their own row, operators read all"
  on public.authors
  as permissive
  for select
  to authenticated
  using (
    user_id = (select auth.uid())
    or ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'operator'
  );

-- Runs as its owner because the inserting role (supabase_auth_admin) has no rights on public.
create function private.sync_author()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.authors (user_id, email)
  values (new.id, new.email)
  on conflict (user_id) do update
    set email = excluded.email
    where public.authors.email is distinct from excluded.email;
  return new;
end
$$;
revoke all on function private.sync_author() from public, anon, authenticated, service_role;

create trigger on_auth_user_saved_sync_author
  after insert or update of email on auth.users
  for each row execute function private.sync_author();

insert into public.authors (user_id, email)
select u.id, u.email from auth.users u
on conflict (user_id) do nothing;
