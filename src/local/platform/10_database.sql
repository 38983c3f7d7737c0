-- Database-level setup: what postgres may do in this database, the extensions schema, and the
-- schemas PostgREST exposes (pgrst.db_schemas, which Supabase's advisors read).

do $$
begin
  execute format('grant all on database %I to postgres', current_database());
  execute format('grant connect, temporary on database %I to anon, authenticated, service_role, authenticator', current_database());
  execute format('grant connect, create, temporary on database %I to supabase_auth_admin, supabase_storage_admin', current_database());
end
$$;

create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
grant all on schema extensions to postgres with grant option;
alter default privileges in schema extensions grant all on tables to postgres with grant option;
alter default privileges in schema extensions grant all on functions to postgres with grant option;
alter default privileges in schema extensions grant all on sequences to postgres with grant option;

create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists moddatetime with schema extensions;

-- PostgREST serves these schemas (config.toml [api] schemas); splinter's exposure lints read it.
alter role authenticator set pgrst.db_schemas = 'public, graphql_public';
do $$
begin
  execute format('alter database %I set pgrst.db_schemas = %L', current_database(), 'public, graphql_public');
end
$$;
