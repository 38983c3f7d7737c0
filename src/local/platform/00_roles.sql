-- Platform roles, with the attributes they have on a Supabase project.
-- Roles are cluster-wide, so each is created only when missing; passwords are set afterwards
-- by code (src/local/postgres.ts setRolePasswords), never here.

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'postgres') then
    create role postgres;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'supabase_storage_admin') then
    create role supabase_storage_admin;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'dashboard_user') then
    create role dashboard_user;
  end if;
end
$$;

-- postgres is not a superuser on Supabase ("demoted"), but may create databases and roles,
-- replicate, and bypasses row-level security: migrations it runs are not subject to policies.
alter role postgres with nosuperuser inherit createdb createrole replication bypassrls login;
alter role postgres set search_path = "$user", public, extensions;

-- The API roles. PostgREST switches to one of them per request (SET LOCAL ROLE).
alter role anon with nologin inherit nobypassrls;
alter role anon set statement_timeout = '3s';
alter role authenticated with nologin inherit nobypassrls;
alter role authenticated set statement_timeout = '8s';
alter role service_role with nologin inherit bypassrls;

-- PostgREST logs in as authenticator and can become any API role, nothing more.
alter role authenticator with login noinherit nobypassrls;
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
grant anon, authenticated, service_role to authenticator;

-- Auth (GoTrue) and Storage connect as their own admin roles, which own their tables.
alter role supabase_auth_admin with login noinherit createrole nobypassrls;
alter role supabase_auth_admin set search_path = auth;
alter role supabase_auth_admin set idle_in_transaction_session_timeout = '60s';
alter role supabase_storage_admin with login noinherit createrole nobypassrls;
alter role supabase_storage_admin set search_path = storage;
grant anon, authenticated, service_role to supabase_storage_admin;

alter role dashboard_user with nologin createdb createrole replication;

-- postgres can act as the API roles (SQL editor) and manage auth triggers and storage policies.
grant anon, authenticated, service_role to postgres;
grant supabase_auth_admin, supabase_storage_admin to postgres;
