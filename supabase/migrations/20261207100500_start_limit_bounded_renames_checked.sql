-- Two fixes: device_auth_note_start reads no more starts than its limits; import_session refuses
-- malformed module_renames (22023) instead of applying them.
--
-- 1. device_auth_note_start
--
-- 20261206100200 counted every start of the window on each call (refused starts are recorded
-- too), one caller at a time under a lock shared by all clients: a flood of anonymous starts made
-- every later call read all of them (600,000 rows for a 10-minute window at 1,000 requests a
-- second), so the limiter itself slowed every start, and held a service_role connection while it
-- did. The answer only needs to know whether each count reaches its limit: each count now stops
-- there, the client's count reads the (client, started_at) index, and the client's oldest start is
-- the first entry of that index.
--
-- Redefines public.device_auth_note_start (same signature, answers and grants).

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

-- 2. import_session: module_renames are checked like the rest of the manifest
--
-- 20261206400000 took sessions[].module_renames on trust: an entry without "to" (or with a
-- number) was counted as a rename and cleared the module's key, so the row phase saw an unlisted
-- module and, with prune, deleted it with its videos, then created the listed key anew for a
-- fresh upload; a "from" given twice answered PT409 ("a module to rename is gone"). Now each entry
-- must be an object with string "from" and "to", and no key may be renamed, or renamed to, twice:
-- otherwise 22023 naming the entry, and the whole import rolls back. Well-formed manifests are
-- applied as before. Redefines public.import_session (same signature and grants).

create or replace function public.import_session(p_manifest jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_session jsonb;
  v_s integer := -1;
  v_bad bigint;
  v_dup text;
  v_session_id uuid;
  v_ids uuid[];
  v_tos text[];
  v_n integer;
  v_renamed integer := 0;
  v_result jsonb;
  v_check record;
  v_want integer;
  v_got integer;
begin
  if v_uid is null then
    raise exception 'import_session needs a signed-in user' using errcode = '42501';
  end if;
  perform private.check_import_manifest(p_manifest);

  for v_session in select e from jsonb_array_elements(p_manifest -> 'sessions') e loop
    v_s := v_s + 1;
    if jsonb_typeof(v_session -> 'module_renames') not in ('array', 'null') then
      raise exception 'sessions: module_renames must be an array' using errcode = '22023';
    end if;
    -- Each rename names two keys (strings), and no key is renamed, or renamed to, twice.
    select r.n - 1 into v_bad
      from jsonb_array_elements(coalesce(v_session -> 'module_renames', '[]'::jsonb)) with ordinality as r(e, n)
     where jsonb_typeof(r.e) is distinct from 'object'
        or jsonb_typeof(r.e -> 'from') is distinct from 'string'
        or jsonb_typeof(r.e -> 'to') is distinct from 'string'
     order by r.n
     limit 1;
    if found then
      raise exception 'sessions[%].module_renames[%]: needs from and to (strings)', v_s, v_bad using errcode = '22023';
    end if;
    select k into v_dup
      from (select r.e ->> 'from' as k from jsonb_array_elements(coalesce(v_session -> 'module_renames', '[]'::jsonb)) r(e)) t
     group by k having count(*) > 1 limit 1;
    if found then
      raise exception 'sessions[%].module_renames: "%" is renamed twice', v_s, v_dup using errcode = '22023';
    end if;
    select k into v_dup
      from (select r.e ->> 'to' as k from jsonb_array_elements(coalesce(v_session -> 'module_renames', '[]'::jsonb)) r(e)) t
     group by k having count(*) > 1 limit 1;
    if found then
      raise exception 'sessions[%].module_renames: two modules are renamed to "%"', v_s, v_dup using errcode = '22023';
    end if;
    if coalesce(jsonb_array_length(v_session -> 'module_renames'), 0) = 0 then
      continue;
    end if;
    select s.id into v_session_id
    from public.sessions s
    where s.user_id = v_uid and s.key = v_session ->> 'key'
    for no key update;
    if not found then
      raise exception 'session "%" is gone: its modules cannot be renamed; nothing was written', v_session ->> 'key' using errcode = 'PT409';
    end if;
    -- Keys are unique and not deferrable: clear them first, so renames may swap keys.
    with r as (
      select d."from", d."to" from jsonb_to_recordset(v_session -> 'module_renames') as d("from" text, "to" text)
    ), cleared as (
      update public.modules m set key = null
      from r
      where m.session_id = v_session_id and m.key = r."from"
      returning m.id, r."to"
    )
    select coalesce(array_agg(c.id), '{}'), coalesce(array_agg(c."to"), '{}') into v_ids, v_tos from cleared c;
    update public.modules m
    set key = t."to"
    from unnest(v_ids, v_tos) as t(id, "to")
    where m.id = t.id;
    get diagnostics v_n = row_count;
    if v_n <> jsonb_array_length(v_session -> 'module_renames') then
      raise exception 'a module to rename in session "%" is gone; nothing was written', v_session ->> 'key' using errcode = 'PT409';
    end if;
    v_renamed := v_renamed + v_n;
  end loop;

  v_result := private.import_session_rows(p_manifest);
  if v_renamed > 0 then
    v_result := jsonb_set(v_result, '{counts,modules,renamed}', to_jsonb(v_renamed));
  end if;

  if jsonb_typeof(p_manifest -> 'expect') = 'object' then
    for v_check in
      select * from (values ('sessions', 'created'), ('modules', 'created'), ('modules', 'deleted'), ('modules', 'renamed'),
                            ('videos', 'created'), ('videos', 'deleted'), ('videos', 'replaced')) as t(kind, what)
    loop
      v_want := (p_manifest -> 'expect' -> v_check.kind ->> v_check.what)::integer;
      continue when v_want is null;
      v_got := coalesce((v_result -> 'counts' -> v_check.kind ->> v_check.what)::integer, 0);
      if v_got <> v_want then
        raise exception 'the sessions changed since the plan (% %: planned %, applying gives %); nothing was written',
          v_check.kind, v_check.what, v_want, v_got
          using errcode = 'PT409', hint = 'run the import again: it plans against what is there now';
      end if;
    end loop;
  end if;
  return v_result;
end
$$;
revoke all on function public.import_session(jsonb) from public, anon;
grant execute on function public.import_session(jsonb) to authenticated, service_role;
