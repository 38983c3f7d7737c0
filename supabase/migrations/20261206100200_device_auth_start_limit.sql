-- Device login: starting a login is rate limited
--
-- `POST device-auth/code` takes only the anon key, so anyone could fill device_auth.codes (and the
-- pool of free user codes) as fast as they can send requests. Each start is now noted per client
-- (the address the gateway reports) and counted against two limits over a sliding window: one per
-- client, and a total one that holds when the reported address is forged or shared.
--
-- New: table device_auth.starts, function public.device_auth_note_start (service_role only, like
-- the other device_auth_* functions). Nothing existing is redefined.

create table device_auth.starts (
  id bigint generated always as identity primary key,
  client text not null check (length(client) between 1 and 200),
  started_at timestamptz not null default now()
);
comment on table device_auth.starts is 'Device-login starts per client, for the anon rate limit.';
create index starts_client_time_idx on device_auth.starts (client, started_at);
create index starts_time_idx on device_auth.starts (started_at);

alter table device_auth.starts enable row level security;
revoke all on device_auth.starts from public, anon, authenticated;
grant select, insert, delete on device_auth.starts to service_role;

-- Records one start by p_client and says whether it is within p_limit per client and p_total_limit
-- overall per p_window_seconds. Refused starts are recorded too (a client that keeps trying stays
-- refused).
create function public.device_auth_note_start(
  p_client text,
  p_limit integer,
  p_total_limit integer,
  p_window_seconds integer
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_client text := left(coalesce(nullif(btrim(p_client), ''), 'unknown'), 200);
  v_since timestamptz := now() - make_interval(secs => p_window_seconds);
  v_count integer;
  v_total integer;
  v_oldest timestamptz;
begin
  -- One lock for all starts: the total limit must hold under concurrent requests too.
  perform pg_advisory_xact_lock(hashtextextended('device_auth.starts', 0));
  delete from device_auth.starts where started_at < now() - interval '1 day';

  select count(*) filter (where client = v_client), count(*), min(started_at) filter (where client = v_client)
    into v_count, v_total, v_oldest
    from device_auth.starts
   where started_at > v_since;

  insert into device_auth.starts (client) values (v_client);

  if v_count >= p_limit or v_total >= p_total_limit then
    return jsonb_build_object(
      'allowed', false,
      'retry_after', greatest(1, ceil(extract(epoch from (coalesce(v_oldest, now()) + make_interval(secs => p_window_seconds) - now())))::integer)
    );
  end if;
  return jsonb_build_object('allowed', true);
end;
$$;
comment on function public.device_auth_note_start(text, integer, integer, integer) is 'Device login: per-client and total rate limit on starting a login (service_role only).';

revoke all on function public.device_auth_note_start(text, integer, integer, integer) from public, anon, authenticated;
grant execute on function public.device_auth_note_start(text, integer, integer, integer) to service_role;
