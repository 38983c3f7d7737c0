-- Import, second step: renamed modules and a check against the plan
--
-- import_session(p_manifest jsonb) keeps its contract (20261125200000_import_session.sql) and
-- learns two optional fields:
-- * sessions[].module_renames: [{"from": "10-wrap_up", "to": "03-wrap_up"}]: modules of an
--   existing session whose key changes, applied before the rows are matched by key. A renamed
--   or renumbered course folder becomes a rename in place: the module's id, its videos and their
--   objects stay, nothing is deleted, nothing is uploaded again. counts.modules.renamed says how many (absent when none).
-- * expect: {"sessions": {"created"}, "modules": {"created", "deleted", "renamed"},
--            "videos": {"created", "deleted", "replaced"}}: what the plan the client showed
--   says these counts will be. When applying gives other counts (the tree changed between the
--   plan and the apply), the function raises PT409 and the whole import rolls back: the user is
--   never told one thing while another is written.
--
-- The body of the first version moves to private.import_session_rows (unchanged, still SECURITY
-- INVOKER, executable by authenticated and service_role); public.import_session wraps it.

alter function public.import_session(jsonb) rename to import_session_rows;
alter function public.import_session_rows(jsonb) set schema private;
comment on function private.import_session_rows(jsonb) is 'The row phase of import_session (matching by key, order, prune); called by public.import_session.';
revoke all on function private.import_session_rows(jsonb) from public, anon;
grant execute on function private.import_session_rows(jsonb) to authenticated, service_role;

create function public.import_session(p_manifest jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_session jsonb;
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
    if jsonb_typeof(v_session -> 'module_renames') not in ('array', 'null') then
      raise exception 'sessions: module_renames must be an array' using errcode = '22023';
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
comment on function public.import_session(jsonb) is 'Creates or updates whole sessions from an import manifest in one transaction (module renames first); refuses to apply when the counts differ from the plan''s; returns trees and counts.';
revoke all on function public.import_session(jsonb) from public, anon;
grant execute on function public.import_session(jsonb) to authenticated, service_role;
