-- Session touch: a session's updated_at follows its content
--
-- `list_sessions` orders by sessions.updated_at, which the BEFORE UPDATE trigger on sessions
-- only moves when the session row itself is written. Statement-level AFTER triggers on modules
-- and videos (insert, update, delete; cascades included, they fire per cascaded statement)
-- collect the affected sessions from the transition tables and touch each once per statement:
--   update sessions set updated_at = now() where id = any(<sessions>) and updated_at < now()
-- * `updated_at < now()`: a transaction touches a session at most once (add_module's shift and
--   insert, import_session's many statements), and never moves it backwards (a transaction that
--   started earlier waits for a later one's touch and then skips the row).
-- * A module or video moved to another parent touches both sessions.
-- * A session deleted in the same statement (cascade) is no longer visible: nothing to touch.
-- * SECURITY INVOKER: the touch is an UPDATE of the caller's own session under its UPDATE
--   policy (modules and videos carry their session's owner); service_role bypasses RLS; an
--   operator writes no rows, so there is nothing to touch.
--
-- Lock order: session, then module, then video. The touch locks the session row (FOR NO KEY
-- UPDATE strength: updated_at is in no unique index), so every function that writes modules or
-- videos locks the session first, as deleting a session (then its modules, then their videos)
-- must: add_module, move_module, remove_module, import_session, and the video functions
-- (begin_video, finish_video, move_video, remove_video, each finding its session without a lock,
-- locking it, then locking the module or video and checking it is still in that session).
-- Content changes of one session are serialised by that row lock, each a short transaction
-- (the bytes go through Storage in between).
-- Plain single-row writes (a module rename, a video's key) lock their row before the trigger
-- locks the session: racing a function that moves or deletes that same row, one of the two
-- can still get PostgreSQL's deadlock error (40P01).

create function private.touch_sessions_of_modules()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  if tg_op = 'INSERT' then
    select array_agg(distinct n.session_id) into v_ids from new_rows n;
  elsif tg_op = 'UPDATE' then
    select array_agg(distinct t.session_id) into v_ids
    from (select o.session_id from old_rows o union select n.session_id from new_rows n) t;
  else
    select array_agg(distinct o.session_id) into v_ids from old_rows o;
  end if;
  if v_ids is not null then
    update public.sessions s
    set updated_at = now()
    where s.id = any (v_ids)
      and s.updated_at < now();
  end if;
  return null;
end
$$;
comment on function private.touch_sessions_of_modules() is 'Statement trigger on modules: advances updated_at of the sessions whose modules changed.';
revoke all on function private.touch_sessions_of_modules() from public, anon, authenticated, service_role;

create function private.touch_sessions_of_videos()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  -- Videos deleted by a module's cascade find no module: that module's own trigger touches.
  if tg_op = 'INSERT' then
    select array_agg(distinct m.session_id) into v_ids
    from public.modules m
    where m.id in (select n.module_id from new_rows n);
  elsif tg_op = 'UPDATE' then
    select array_agg(distinct m.session_id) into v_ids
    from public.modules m
    where m.id in (select o.module_id from old_rows o union select n.module_id from new_rows n);
  else
    select array_agg(distinct m.session_id) into v_ids
    from public.modules m
    where m.id in (select o.module_id from old_rows o);
  end if;
  if v_ids is not null then
    update public.sessions s
    set updated_at = now()
    where s.id = any (v_ids)
      and s.updated_at < now();
  end if;
  return null;
end
$$;
comment on function private.touch_sessions_of_videos() is 'Statement trigger on videos: advances updated_at of the sessions whose videos changed.';
revoke all on function private.touch_sessions_of_videos() from public, anon, authenticated, service_role;

-- Transition tables allow one event per trigger: three triggers per table.
create trigger modules_touch_session_insert
  after insert on public.modules
  referencing new table as new_rows
  for each statement execute function private.touch_sessions_of_modules();
create trigger modules_touch_session_update
  after update on public.modules
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.touch_sessions_of_modules();
create trigger modules_touch_session_delete
  after delete on public.modules
  referencing old table as old_rows
  for each statement execute function private.touch_sessions_of_modules();

create trigger videos_touch_session_insert
  after insert on public.videos
  referencing new table as new_rows
  for each statement execute function private.touch_sessions_of_videos();
create trigger videos_touch_session_update
  after update on public.videos
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.touch_sessions_of_videos();
create trigger videos_touch_session_delete
  after delete on public.videos
  referencing old table as old_rows
  for each statement execute function private.touch_sessions_of_videos();
