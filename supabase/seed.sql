-- Demo data for local use (`session local start` on first start, `supabase db reset`).
-- Users are written the way Supabase Auth (GoTrue) writes them: zero instance_id, aud and role
-- 'authenticated', a bcrypt password, confirmed email, empty strings in the token columns, and
-- an `email` identity.
--   demo@example.com     / demo-password      an author with one small session
--   operator@example.com / operator-password  app_metadata.role = operator (reads everything)

insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  confirmation_token, recovery_token, email_change_token_new, email_change,
  raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at
)
values
  ('00000000-0000-0000-0000-000000000000', 'd0000000-0000-4000-8000-000000000001', 'authenticated', 'authenticated',
   'demo@example.com', extensions.crypt('demo-password', extensions.gen_salt('bf', 10)), now(),
   '', '', '', '',
   '{"provider": "email", "providers": ["email"]}', '{"email_verified": true}', false, now(), now()),
  ('00000000-0000-0000-0000-000000000000', 'd0000000-0000-4000-8000-000000000002', 'authenticated', 'authenticated',
   'operator@example.com', extensions.crypt('operator-password', extensions.gen_salt('bf', 10)), now(),
   '', '', '', '',
   '{"provider": "email", "providers": ["email"], "role": "operator"}', '{"email_verified": true}', false, now(), now())
on conflict (id) do nothing;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id,
       jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true, 'phone_verified', false),
       'email', now(), now(), now()
from auth.users u
where u.id in ('d0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000002')
on conflict (provider_id, provider) do nothing;

-- A small session for the demo author (rows only; no video files).
insert into public.sessions (id, user_id, name, session_type, key)
values ('5e000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000001',
        'Getting started', 'Linear Flow', 'getting-started')
on conflict (id) do nothing;

insert into public.modules (id, session_id, user_id, name, key, order_index)
values
  ('30000000-0000-4000-8000-000000000001', '5e000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000001',
   'Welcome', 'welcome', 0),
  ('30000000-0000-4000-8000-000000000002', '5e000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000001',
   'First steps', 'first-steps', 1)
on conflict (id) do nothing;
