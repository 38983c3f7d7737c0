-- check_video no longer tells a caller another author's session id
--
-- The trigger runs as its owner so it can find the module's session; its error named the expected
-- path prefix, which holds that session's id. A video row naming someone else's module (by a
-- guessed or leaked module id) got the other author's session id back in the message. Now only a
-- module of the row's own owner is looked up; for any other module the composite foreign key
-- (module_id, user_id) refuses the row, as it did already, with nothing about the module.
--
-- Redefines private.check_video() only (same signature, same trigger).

create or replace function private.check_video()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_session_id uuid;
  v_prefix text;
begin
  if tg_op = 'UPDATE' and old.status = 'ready' and new.status = 'uploading' then
    raise exception 'video % is ready and cannot go back to uploading', old.id
      using errcode = '23514';
  end if;

  select m.session_id into v_session_id
  from public.modules m
  where m.id = new.module_id
    and m.user_id = new.user_id;

  if not found then
    -- No such module of this owner: the foreign key reports it, naming nothing of anyone else's.
    return new;
  end if;

  v_prefix := new.user_id::text || '/' || v_session_id::text || '/' || new.module_id::text || '/' || new.id::text || '/';
  if left(new.file_url, length(v_prefix)) is distinct from v_prefix then
    raise exception 'file_url must be under %', v_prefix
      using errcode = '23514',
            detail = format('got %s', new.file_url);
  end if;
  return new;
end
$$;
revoke all on function private.check_video() from public, anon, authenticated, service_role;
