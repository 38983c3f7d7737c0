-- device_auth_note_start reads no more starts than its limits
--
-- 20261206100200 counted every start of the window on each call (refused starts are recorded
-- too), one caller at a time under a lock shared by all clients: a flood of anonymous starts made
-- every later call read all of them (600,000 rows for a 10-minute window at 1,000 requests a
-- second), so the limiter itself slowed every start, and held a service_role connection while it
-- did. The answer only needs to know whether each count reaches its limit: each count now stops
-- there, the client's count reads the (client, started_at) index, and the client's oldest start is
-- the first entry of that index.
--
-- Redefines public.device_auth_note_start only (same signature, answers and grants).

create or replace function public.device_auth_note_start(
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

  -- Counted up to the limit only: "at least p_limit" is all the answer needs.
  select count(*) into v_count
    from (select 1 from device_auth.starts
           where client = v_client and started_at > v_since
           limit greatest(p_limit, 0)) c;
  select count(*) into v_total
    from (select 1 from device_auth.starts
           where started_at > v_since
           limit greatest(p_total_limit, 0)) t;
  select min(started_at) into v_oldest
    from device_auth.starts
   where client = v_client and started_at > v_since;

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

revoke all on function public.device_auth_note_start(text, integer, integer, integer) from public, anon, authenticated;
grant execute on function public.device_auth_note_start(text, integer, integer, integer) to service_role;
