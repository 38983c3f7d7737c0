-- Device-code login (RFC 8628) for the CLI: `session login` shows a short code, a signed-in
-- person approves it on the verification page, and the edge function `device-auth` mints a
-- fresh session for that person. Supabase Auth has no device grant, so the state lives here.
--
-- Layout:
--   * schema `device_auth` holds the tables. It is not in PostgREST's exposed schemas and only
--     `service_role` may use it, so no client can read a device code hash or a user code list.
--   * thin `public.device_auth_*` functions, SECURITY INVOKER and executable by `service_role`
--     only, are how the edge function reaches those tables over `/rest/v1/rpc` (PostgREST
--     exposes `public` only). No SECURITY DEFINER function anywhere: nothing here bypasses
--     privileges, and the API roles `anon` and `authenticated` cannot call any of it.
--   * the function checks the caller's JWT and decides who may approve; the database keeps
--     the state machine atomic (one code is redeemed once, a slow poller gets `slow_down`).

create schema if not exists device_auth;
comment on schema device_auth is 'Private state of the device-code login; reached through service_role-only functions.';

revoke all on schema device_auth from public;
revoke all on schema device_auth from anon, authenticated;
grant usage on schema device_auth to service_role;

-- ---------------------------------------------------------------------------------------------
-- Codes: one row per `session login` attempt.
-- The device code is a bearer secret, so only its SHA-256 (hex) is kept. The user code is
-- 8 characters from RFC 8628's base-20 consonant alphabet (no vowels, so no words; no digits,
-- so no 0/O or 1/I look-alikes), stored without the hyphen it is shown with (ABCD-EFGH).
-- ---------------------------------------------------------------------------------------------
create table device_auth.codes (
  id uuid primary key default gen_random_uuid(),
  device_code_hash text not null unique check (device_code_hash ~ '^[0-9a-f]{64}$'),
  user_code text not null unique check (user_code ~ '^[BCDFGHJKLMNPQRSTVWXZ]{8}$'),
  client_name text not null check (length(btrim(client_name)) between 1 and 100),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  -- Seconds a client must wait between polls; grows by 5 on each `slow_down` (RFC 8628 3.5).
  poll_interval integer not null default 5 check (poll_interval between 1 and 120),
  last_polled_at timestamptz,
  status text not null default 'pending' check (status in ('pending', 'approved', 'denied')),
  approved_by uuid references auth.users (id) on delete cascade,
  approver_email text,
  decided_at timestamptz,
  -- Set when the token route hands out the session: a code is redeemed at most once.
  consumed_at timestamptz,
  check (expires_at > created_at),
  check ((status = 'pending') = (decided_at is null)),
  check ((status = 'approved') = (approved_by is not null)),
  check (consumed_at is null or status = 'approved')
);
comment on table device_auth.codes is 'Device-code login attempts: hashed device code, user code, expiry, polling state, decision.';

create index codes_expires_at_idx on device_auth.codes (expires_at);
create index codes_approved_by_idx on device_auth.codes (approved_by);

-- ---------------------------------------------------------------------------------------------
-- Attempts: every lookup, approve and deny by a signed-in person, for the per-user rate limit
-- (a user code has about 34 bits, so guessing must stay slow).
-- ---------------------------------------------------------------------------------------------
create table device_auth.attempts (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  action text not null check (action in ('lookup', 'approve', 'deny')),
  attempted_at timestamptz not null default now()
);
comment on table device_auth.attempts is 'Lookups and decisions per user, for rate limiting.';

create index attempts_user_time_idx on device_auth.attempts (user_id, attempted_at);

-- Nothing but service_role touches these tables; RLS on with no policy is a second lock.
alter table device_auth.codes enable row level security;
alter table device_auth.attempts enable row level security;
revoke all on all tables in schema device_auth from public, anon, authenticated;
revoke all on all sequences in schema device_auth from public, anon, authenticated;
grant select, insert, update, delete on device_auth.codes, device_auth.attempts to service_role;
grant usage on all sequences in schema device_auth to service_role;

-- ---------------------------------------------------------------------------------------------
-- public.device_auth_start: stores a new code. The function generates both codes (Web Crypto)
-- and retries on a user-code collision (23505). Old rows are swept here, a day after expiry.
-- ---------------------------------------------------------------------------------------------
create function public.device_auth_start(
  p_device_code_hash text,
  p_user_code text,
  p_client_name text,
  p_expires_in integer,
  p_interval integer
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_row device_auth.codes;
begin
  delete from device_auth.codes where expires_at < now() - interval '1 day';
  delete from device_auth.attempts where attempted_at < now() - interval '1 day';

  insert into device_auth.codes (device_code_hash, user_code, client_name, expires_at, poll_interval)
  values (p_device_code_hash, p_user_code, p_client_name, now() + make_interval(secs => p_expires_in), p_interval)
  returning * into v_row;

  return jsonb_build_object('user_code', v_row.user_code, 'expires_at', v_row.expires_at, 'interval', v_row.poll_interval);
end;
$$;
comment on function public.device_auth_start(text, text, text, integer, integer) is 'Device login: store a new code (service_role only).';

-- ---------------------------------------------------------------------------------------------
-- public.device_auth_poll: one poll of the token route, as one atomic step on the row.
-- Returns {"result": "<what>", ...}: invalid_grant, expired_token, slow_down, access_denied,
-- authorization_pending, or approved (with the approver) exactly once: it marks the code consumed.
-- ---------------------------------------------------------------------------------------------
create function public.device_auth_poll(p_device_code_hash text)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_row device_auth.codes;
  v_now timestamptz := clock_timestamp();
begin
  select * into v_row from device_auth.codes where device_code_hash = p_device_code_hash for update;
  if not found or v_row.consumed_at is not null then
    return jsonb_build_object('result', 'invalid_grant');
  end if;
  if v_row.status = 'denied' then
    return jsonb_build_object('result', 'access_denied');
  end if;
  if v_row.expires_at <= v_now then
    return jsonb_build_object('result', 'expired_token');
  end if;

  -- A quarter second of slack: the client waits `interval` after a response, so network jitter
  -- alone must not count as polling too fast.
  if v_row.status = 'pending' and v_row.last_polled_at is not null
     and v_now - v_row.last_polled_at < make_interval(secs => v_row.poll_interval) - interval '250 milliseconds' then
    update device_auth.codes
       set poll_interval = least(poll_interval + 5, 120), last_polled_at = v_now
     where id = v_row.id
    returning * into v_row;
    return jsonb_build_object('result', 'slow_down', 'interval', v_row.poll_interval);
  end if;

  if v_row.status = 'pending' then
    update device_auth.codes set last_polled_at = v_now where id = v_row.id;
    return jsonb_build_object('result', 'authorization_pending', 'interval', v_row.poll_interval);
  end if;

  update device_auth.codes set consumed_at = v_now, last_polled_at = v_now where id = v_row.id;
  return jsonb_build_object(
    'result', 'approved',
    'user_id', v_row.approved_by,
    'email', v_row.approver_email,
    'client_name', v_row.client_name
  );
end;
$$;
comment on function public.device_auth_poll(text) is 'Device login: one token poll; hands out the approval once (service_role only).';

-- ---------------------------------------------------------------------------------------------
-- public.device_auth_note_attempt: records a lookup or decision by a user and says whether it
-- is within the limit (p_limit per p_window_seconds). Refused attempts are recorded too.
-- ---------------------------------------------------------------------------------------------
create function public.device_auth_note_attempt(
  p_user_id uuid,
  p_action text,
  p_limit integer,
  p_window_seconds integer
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_count integer;
  v_oldest timestamptz;
begin
  -- Serialise one user's attempts so concurrent requests cannot all slip under the limit.
  perform pg_advisory_xact_lock(hashtextextended('device_auth.attempts:' || p_user_id::text, 0));

  select count(*), min(attempted_at) into v_count, v_oldest
    from device_auth.attempts
   where user_id = p_user_id and attempted_at > now() - make_interval(secs => p_window_seconds);

  insert into device_auth.attempts (user_id, action) values (p_user_id, p_action);

  if v_count >= p_limit then
    return jsonb_build_object(
      'allowed', false,
      'retry_after', greatest(1, ceil(extract(epoch from (v_oldest + make_interval(secs => p_window_seconds) - now())))::integer)
    );
  end if;
  return jsonb_build_object('allowed', true);
end;
$$;
comment on function public.device_auth_note_attempt(uuid, text, integer, integer) is 'Device login: per-user rate limit for lookups and decisions (service_role only).';

-- ---------------------------------------------------------------------------------------------
-- public.device_auth_lookup: what a person is about to approve. Null when no such code.
-- ---------------------------------------------------------------------------------------------
create function public.device_auth_lookup(p_user_code text)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object(
           'user_code', c.user_code,
           'client_name', c.client_name,
           'created_at', c.created_at,
           'expires_at', c.expires_at,
           'status', case
                       when c.consumed_at is not null then 'used'
                       when c.status = 'pending' and c.expires_at <= now() then 'expired'
                       else c.status
                     end
         )
    from device_auth.codes c
   where c.user_code = p_user_code;
$$;
comment on function public.device_auth_lookup(text) is 'Device login: describe a user code for the verification page (service_role only).';

-- ---------------------------------------------------------------------------------------------
-- public.device_auth_decide: approve (bind to the approver) or deny a pending, unexpired code.
-- Returns {"result": "approved" | "denied" | "not_found" | "expired" | "not_pending"}.
-- ---------------------------------------------------------------------------------------------
create function public.device_auth_decide(
  p_user_code text,
  p_user_id uuid,
  p_email text,
  p_approve boolean
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_row device_auth.codes;
begin
  select * into v_row from device_auth.codes where user_code = p_user_code for update;
  if not found then
    return jsonb_build_object('result', 'not_found');
  end if;
  if v_row.status <> 'pending' then
    return jsonb_build_object('result', 'not_pending', 'status', v_row.status);
  end if;
  if v_row.expires_at <= now() then
    return jsonb_build_object('result', 'expired');
  end if;

  if p_approve then
    update device_auth.codes
       set status = 'approved', approved_by = p_user_id, approver_email = p_email, decided_at = now()
     where id = v_row.id;
    return jsonb_build_object('result', 'approved', 'client_name', v_row.client_name);
  end if;
  update device_auth.codes set status = 'denied', decided_at = now() where id = v_row.id;
  return jsonb_build_object('result', 'denied', 'client_name', v_row.client_name);
end;
$$;
comment on function public.device_auth_decide(text, uuid, text, boolean) is 'Device login: approve or deny a pending code (service_role only).';

-- Supabase's default privileges grant EXECUTE on new public functions to anon and
-- authenticated; take it back so only service_role (the edge function) can call these.
revoke all on function public.device_auth_start(text, text, text, integer, integer) from public, anon, authenticated;
revoke all on function public.device_auth_poll(text) from public, anon, authenticated;
revoke all on function public.device_auth_note_attempt(uuid, text, integer, integer) from public, anon, authenticated;
revoke all on function public.device_auth_lookup(text) from public, anon, authenticated;
revoke all on function public.device_auth_decide(text, uuid, text, boolean) from public, anon, authenticated;
grant execute on function public.device_auth_start(text, text, text, integer, integer) to service_role;
grant execute on function public.device_auth_poll(text) to service_role;
grant execute on function public.device_auth_note_attempt(uuid, text, integer, integer) to service_role;
grant execute on function public.device_auth_lookup(text) to service_role;
grant execute on function public.device_auth_decide(text, uuid, text, boolean) to service_role;
