-- Sessions, modules and videos
--
-- A session holds modules in a fixed order; a module holds videos in a fixed order.
-- * Every row carries its owner (`user_id`, default auth.uid()); composite foreign keys keep a
--   module's owner equal to its session's, and a video's equal to its module's, so every policy
--   is the indexed `user_id = (select auth.uid())`.
-- * Order: `order_index` is 0..n-1 within the parent, unique and DEFERRABLE INITIALLY IMMEDIATE
--   so one UPDATE can shift many rows (checked at the end of the statement).
-- * Import keys: optional `key`, unique within the parent (sessions: per user), NOT deferrable
--   so `ON CONFLICT` can target it.
-- * `videos.file_url` is the object path in the private bucket `videos`:
--   <user_id>/<session_id>/<module_id>/<video_id>/<ascii-slug>.<ext>; a trigger checks that the
--   prefix matches the row. `status` goes uploading -> ready; `sha256` identifies the bytes.
-- * Session types (CHECK, no lookup table): 'Linear Flow' (default), 'Branching Flow',
--   'Self-Paced', 'Live Workshop', 'Assessment'.
-- * MIME types: the same list as the bucket's allowed_mime_types (storage migration).

create table public.sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  name text not null,
  session_type text not null default 'Linear Flow',
  key text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint sessions_name_check check (name ~ '[^[:space:]]' and char_length(name) <= 255),
  constraint sessions_key_check check (key is null or (key ~ '[^[:space:]]' and char_length(key) <= 255)),
  constraint sessions_session_type_check check (
    session_type in ('Linear Flow', 'Branching Flow', 'Self-Paced', 'Live Workshop', 'Assessment')
  ),
  -- Target of the composite foreign key from modules.
  constraint sessions_user_id_id_key unique (user_id, id),
  constraint sessions_user_id_key_key unique (user_id, key)
);
comment on table public.sessions is 'An educational session: ordered modules of videos, owned by one author.';
comment on column public.sessions.key is 'Optional import key, unique per author.';

-- Owner listing in list_sessions order (keyset on updated_at desc, id desc).
create index sessions_user_id_updated_at_id_idx on public.sessions (user_id, updated_at desc, id desc);

create table public.modules (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  name text not null,
  key text,
  order_index integer not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint modules_name_check check (name ~ '[^[:space:]]' and char_length(name) <= 255),
  constraint modules_key_check check (key is null or (key ~ '[^[:space:]]' and char_length(key) <= 255)),
  constraint modules_order_index_check check (order_index >= 0),
  constraint modules_session_owner_fkey foreign key (user_id, session_id)
    references public.sessions (user_id, id) on delete cascade,
  constraint modules_session_id_order_index_key unique (session_id, order_index)
    deferrable initially immediate,
  constraint modules_session_id_key_key unique (session_id, key),
  -- Target of the composite foreign key from videos.
  constraint modules_user_id_id_key unique (user_id, id)
);
comment on table public.modules is 'A module of a session; order_index is 0..n-1 within the session.';

-- Owner first (policies, owner filters); also covers the composite foreign key to sessions.
create index modules_user_id_session_id_idx on public.modules (user_id, session_id);

create table public.videos (
  id uuid primary key default gen_random_uuid(),
  module_id uuid not null,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  key text,
  file_name text not null,
  file_size bigint not null,
  mime_type text not null,
  sha256 text not null,
  status text not null default 'uploading',
  file_url text not null,
  order_index integer not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint videos_file_name_check check (file_name ~ '[^[:space:]]' and char_length(file_name) <= 255),
  constraint videos_key_check check (key is null or (key ~ '[^[:space:]]' and char_length(key) <= 255)),
  -- 50 GiB: the bucket's file_size_limit (a CHECK cannot read the bucket).
  constraint videos_file_size_check check (file_size > 0 and file_size <= 53687091200),
  constraint videos_mime_type_check check (
    mime_type in ('video/mp4', 'video/quicktime', 'video/webm', 'video/x-matroska', 'video/x-m4v', 'video/x-msvideo')
  ),
  constraint videos_sha256_check check (sha256 ~ '^[0-9a-f]{64}$'),
  constraint videos_status_check check (status in ('uploading', 'ready')),
  constraint videos_file_url_check check (
    file_url ~ '^[0-9a-f-]{36}/[0-9a-f-]{36}/[0-9a-f-]{36}/[0-9a-f-]{36}/[A-Za-z0-9][A-Za-z0-9._-]{0,199}$'
  ),
  constraint videos_order_index_check check (order_index >= 0),
  constraint videos_module_owner_fkey foreign key (user_id, module_id)
    references public.modules (user_id, id) on delete cascade,
  constraint videos_module_id_order_index_key unique (module_id, order_index)
    deferrable initially immediate,
  constraint videos_module_id_key_key unique (module_id, key),
  constraint videos_file_url_key unique (file_url)
);
comment on table public.videos is 'A video of a module; file_url is the object path in the private bucket videos.';

-- Owner first (policies, owner filters); also covers the composite foreign key to modules.
create index videos_user_id_module_id_idx on public.videos (user_id, module_id);
create index videos_module_id_sha256_idx on public.videos (module_id, sha256);

create trigger sessions_set_updated_at
  before update on public.sessions
  for each row execute function extensions.moddatetime(updated_at);
create trigger modules_set_updated_at
  before update on public.modules
  for each row execute function extensions.moddatetime(updated_at);
create trigger videos_set_updated_at
  before update on public.videos
  for each row execute function extensions.moddatetime(updated_at);

-- Checks a video row against its path and its status transition. Runs as its owner so it can
-- read the module's session even when the caller cannot (a forged module then fails here or
-- on the foreign key, never silently).
create function private.check_video()
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
  where m.id = new.module_id;

  if not found then
    -- No such module: the foreign key reports it.
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

create trigger videos_check_path
  before insert or update of file_url, module_id, user_id, status on public.videos
  for each row execute function private.check_video();
