// /auth/v1 through the real supabase-js client: the shapes, claims and error codes Supabase Auth answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtUnverified } from '../../src/local/jwt.js';
import { startTestBackend, supabaseClient, type TestBackend } from '../support/backend.js';

let backend: TestBackend;

beforeAll(async () => {
  backend = await startTestBackend({ rateLimits: { signIn: 1000 } });
});
afterAll(async () => {
  await backend?.close();
});

describe('admin users', () => {
  it('creates, lists, gets, updates and deletes users with the service-role key', async () => {
    const admin = backend.admin();
    const { data, error } = await admin.auth.admin.createUser({
      email: 'Alice@Example.com',
      password: 'secret-password',
      email_confirm: true,
      user_metadata: { name: 'Alice' },
    });
    expect(error).toBeNull();
    const user = data.user!;
    expect(user.email).toBe('alice@example.com');
    expect(user.aud).toBe('authenticated');
    expect(user.role).toBe('authenticated');
    expect(user.phone).toBe('');
    expect(user.app_metadata).toEqual({ provider: 'email', providers: ['email'] });
    expect(user.user_metadata).toEqual({ name: 'Alice' });
    expect(user.email_confirmed_at).toEqual(expect.any(String));
    expect(user.identities?.[0]).toMatchObject({ provider: 'email', user_id: user.id, id: user.id });
    expect(user.is_anonymous).toBe(false);

    const again = await admin.auth.admin.createUser({ email: 'alice@example.com', password: 'secret-password' });
    expect(again.error?.status).toBe(422);
    expect(again.error?.code).toBe('email_exists');

    const list = await admin.auth.admin.listUsers({ page: 1, perPage: 50 });
    expect(list.error).toBeNull();
    expect(list.data.users.map((u) => u.id)).toContain(user.id);

    const updated = await admin.auth.admin.updateUserById(user.id, { app_metadata: { role: 'operator' } });
    expect(updated.data.user?.app_metadata).toEqual({ provider: 'email', providers: ['email'], role: 'operator' });

    const fetched = await admin.auth.admin.getUserById(user.id);
    expect(fetched.data.user?.app_metadata.role).toBe('operator');

    const removed = await admin.auth.admin.deleteUser(user.id);
    expect(removed.error).toBeNull();
    const gone = await admin.auth.admin.getUserById(user.id);
    expect(gone.error?.status).toBe(404);
    expect(gone.error?.code).toBe('user_not_found');
  });

  it('refuses the anon key (403 not_admin) and requests without a key (401)', async () => {
    const anon = backend.client();
    const { error } = await anon.auth.admin.createUser({ email: 'x@example.com', password: 'secret-password' });
    expect(error?.status).toBe(403);
    expect(error?.code).toBe('not_admin');

    const res = await fetch(`${backend.url}/auth/v1/admin/users`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      message: 'No API key found in request',
      hint: 'No `apikey` request header or url param was found.',
    });
  });

  it('accepts the new-format keys through the gateway', async () => {
    const secret = supabaseClient(backend.url, backend.secretKey);
    const { data, error } = await secret.auth.admin.listUsers();
    expect(error).toBeNull();
    expect(Array.isArray(data.users)).toBe(true);
    const publishable = supabaseClient(backend.url, backend.publishableKey);
    const denied = await publishable.auth.admin.listUsers();
    expect(denied.error?.code).toBe('not_admin');
  });
});

describe('password sign-in', () => {
  it('returns a session whose access token carries GoTrue’s claims', async () => {
    const created = await backend.createUser({ email: 'bob@example.com', password: 'bob-password' });
    const client = backend.client();
    const { data, error } = await client.auth.signInWithPassword({ email: 'BOB@example.com', password: 'bob-password' });
    expect(error).toBeNull();
    const session = data.session!;
    expect(session.token_type).toBe('bearer');
    expect(session.expires_in).toBe(3600);
    expect(session.refresh_token).toMatch(/^[a-z0-9]{12}$/);
    const claims = decodeJwtUnverified(session.access_token)!;
    expect(Object.keys(claims)).toEqual([
      'iss', 'sub', 'aud', 'exp', 'iat', 'email', 'phone', 'app_metadata', 'user_metadata', 'role', 'aal', 'amr', 'session_id', 'is_anonymous',
    ]);
    expect(claims).toMatchObject({
      iss: `${backend.url}/auth/v1`,
      sub: created.id,
      aud: 'authenticated',
      email: 'bob@example.com',
      phone: '',
      role: 'authenticated',
      aal: 'aal1',
      is_anonymous: false,
    });
    expect(claims.exp).toBe(session.expires_at);
    expect(claims.amr).toEqual([{ method: 'password', timestamp: expect.any(Number) }]);
    expect(claims.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(data.user?.last_sign_in_at).toEqual(expect.any(String));
  });

  it('answers 400 invalid_credentials for a wrong password and for an unknown user alike', async () => {
    await backend.createUser({ email: 'carol@example.com', password: 'carol-password' });
    const client = backend.client();
    const wrong = await client.auth.signInWithPassword({ email: 'carol@example.com', password: 'nope-nope' });
    expect(wrong.error?.status).toBe(400);
    expect(wrong.error?.code).toBe('invalid_credentials');
    expect(wrong.error?.message).toBe('Invalid login credentials');
    const unknown = await client.auth.signInWithPassword({ email: 'nobody@example.com', password: 'whatever' });
    expect(unknown.error?.status).toBe(400);
    expect(unknown.error?.code).toBe('invalid_credentials');
  });

  it('refuses an unconfirmed email with email_not_confirmed', async () => {
    await backend.createUser({ email: 'dave@example.com', password: 'dave-password', emailConfirmed: false });
    const { error } = await backend.client().auth.signInWithPassword({ email: 'dave@example.com', password: 'dave-password' });
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('email_not_confirmed');
  });
});

describe('the signed-in user', () => {
  it('GET /user returns the user; a bad token is 403 bad_jwt', async () => {
    const { client, id, session } = await backend.signedInUser();
    const { data, error } = await client.auth.getUser();
    expect(error).toBeNull();
    expect(data.user?.id).toBe(id);

    const forged = `${session.access_token.slice(0, -4)}AAAA`;
    const bad = await backend.client().auth.getUser(forged);
    expect(bad.error?.status).toBe(403);
    expect(bad.error?.code).toBe('bad_jwt');
  });
});

describe('access-token expiry', () => {
  it('an expired access token is 403 bad_jwt at /user; the refresh token still works', async () => {
    const short = await startTestBackend({ jwtExpiry: 1 });
    try {
      const { session } = await short.signedInUser();
      expect(session.expires_in).toBe(1);
      await new Promise((r) => setTimeout(r, 2100));
      const { error } = await short.client().auth.getUser(session.access_token);
      expect(error?.status).toBe(403);
      expect(error?.code).toBe('bad_jwt');
      expect(error?.message).toBe('invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired');
      const refreshed = await short.client().auth.refreshSession({ refresh_token: session.refresh_token });
      expect(refreshed.error).toBeNull();
    } finally {
      await short.close();
    }
  });
});

describe('refresh tokens', () => {
  it('rotates: each refresh returns a new refresh token and keeps the session', async () => {
    const { client, session } = await backend.signedInUser();
    const { data, error } = await client.auth.refreshSession();
    expect(error).toBeNull();
    expect(data.session?.refresh_token).not.toBe(session.refresh_token);
    const before = decodeJwtUnverified(session.access_token)!;
    const after = decodeJwtUnverified(data.session!.access_token)!;
    expect(after.session_id).toBe(before.session_id);
    expect(after.amr).toEqual(before.amr);
  });

  it('hands back the active token when its parent is presented again', async () => {
    const { session } = await backend.signedInUser();
    const client = backend.client();
    const first = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    const again = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(again.error).toBeNull();
    expect(again.data.session?.refresh_token).toBe(first.data.session?.refresh_token);
  });

  it('allows reuse within the reuse interval (10 s)', async () => {
    const { session } = await backend.signedInUser();
    const client = backend.client();
    const b = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    await client.auth.refreshSession({ refresh_token: b.data.session!.refresh_token });
    const reuse = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(reuse.error).toBeNull();
    expect(reuse.data.session?.refresh_token).toMatch(/^[a-z0-9]{12}$/);
  });

  it('past the reuse interval, an old token revokes the whole family (refresh_token_already_used)', async () => {
    const strict = await startTestBackend({ refreshTokenReuseInterval: 0 });
    try {
      const { session } = await strict.signedInUser();
      const client = strict.client();
      const b = await client.auth.refreshSession({ refresh_token: session.refresh_token });
      const c = await client.auth.refreshSession({ refresh_token: b.data.session!.refresh_token });
      expect(c.error).toBeNull();
      const reuse = await client.auth.refreshSession({ refresh_token: session.refresh_token });
      expect(reuse.error?.status).toBe(400);
      expect(reuse.error?.code).toBe('refresh_token_already_used');
      expect(reuse.error?.message).toBe('Invalid Refresh Token: Already Used');
      // The active token of the family was revoked with it.
      const latest = await client.auth.refreshSession({ refresh_token: c.data.session!.refresh_token });
      expect(latest.error?.code).toBe('refresh_token_already_used');
    } finally {
      await strict.close();
    }
  });

  it('an unknown refresh token is refresh_token_not_found', async () => {
    const { error } = await backend.client().auth.refreshSession({ refresh_token: 'abcdefghijkl' });
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('refresh_token_not_found');
  });
});

describe('sign-out', () => {
  it('global sign-out ends every session: refresh tokens are then not found', async () => {
    const created = await backend.createUser();
    const one = await backend.signIn(created.email, created.password);
    const two = await backend.signIn(created.email, created.password);
    const { error } = await one.client.auth.signOut();
    expect(error).toBeNull();
    const refreshed = await backend.client().auth.refreshSession({ refresh_token: two.session.refresh_token });
    expect(refreshed.error?.code).toBe('refresh_token_not_found');
    const user = await backend.client().auth.getUser(one.session.access_token);
    expect(user.error?.name).toBe('AuthSessionMissingError');
  });

  it('local sign-out ends only this session, others only the other ones', async () => {
    const created = await backend.createUser();
    const one = await backend.signIn(created.email, created.password);
    const two = await backend.signIn(created.email, created.password);
    const three = await backend.signIn(created.email, created.password);
    expect((await one.client.auth.signOut({ scope: 'local' })).error).toBeNull();
    expect((await backend.client().auth.refreshSession({ refresh_token: one.session.refresh_token })).error?.code).toBe(
      'refresh_token_not_found',
    );
    expect((await two.client.auth.signOut({ scope: 'others' })).error).toBeNull();
    expect((await backend.client().auth.refreshSession({ refresh_token: three.session.refresh_token })).error?.code).toBe(
      'refresh_token_not_found',
    );
    expect((await two.client.auth.getUser()).error).toBeNull();
  });
});

describe('email links', () => {
  it('generate_link + verifyOtp(token_hash) gives a session once', async () => {
    const created = await backend.createUser();
    const admin = backend.admin();
    const { data, error } = await admin.auth.admin.generateLink({ type: 'magiclink', email: created.email });
    expect(error).toBeNull();
    expect(data.user?.id).toBe(created.id);
    expect(data.properties?.verification_type).toBe('magiclink');
    expect(data.properties?.email_otp).toMatch(/^\d{6}$/);
    expect(data.properties?.hashed_token).toMatch(/^[0-9a-f]{56}$/);
    expect(data.properties?.action_link).toContain(`${backend.url}/auth/v1/verify?token=${data.properties?.hashed_token}`);

    const client = backend.client();
    const verified = await client.auth.verifyOtp({ token_hash: data.properties!.hashed_token, type: 'magiclink' });
    expect(verified.error).toBeNull();
    expect(verified.data.user?.id).toBe(created.id);
    const claims = decodeJwtUnverified(verified.data.session!.access_token)!;
    expect(claims.amr).toEqual([{ method: 'otp', timestamp: expect.any(Number) }]);

    const replay = await backend.client().auth.verifyOtp({ token_hash: data.properties!.hashed_token, type: 'magiclink' });
    expect(replay.error?.status).toBe(403);
    expect(replay.error?.code).toBe('otp_expired');
  });

  it('a magic link for an unknown email becomes a signup link', async () => {
    const { data, error } = await backend.admin().auth.admin.generateLink({ type: 'magiclink', email: 'newcomer@example.com' });
    expect(error).toBeNull();
    expect(data.properties?.verification_type).toBe('signup');
    const verified = await backend.client().auth.verifyOtp({ token_hash: data.properties!.hashed_token, type: 'signup' });
    expect(verified.error).toBeNull();
    expect(verified.data.user?.email_confirmed_at).toEqual(expect.any(String));
  });

  it('verifies the email + code form too', async () => {
    const created = await backend.createUser();
    const { data } = await backend.admin().auth.admin.generateLink({ type: 'magiclink', email: created.email });
    const wrong = await backend.client().auth.verifyOtp({ email: created.email, token: '000000', type: 'email' });
    if (data.properties!.email_otp !== '000000') expect(wrong.error?.code).toBe('otp_expired');
    const right = await backend.client().auth.verifyOtp({ email: created.email, token: data.properties!.email_otp, type: 'email' });
    expect(right.error).toBeNull();
  });
});

describe('rate limits', () => {
  it('password sign-ins past the limit get 429 over_request_rate_limit', async () => {
    const limited = await startTestBackend({ rateLimits: { signIn: 3 } });
    try {
      const created = await limited.createUser();
      for (let i = 0; i < 3; i++) expect((await limited.client().auth.signInWithPassword(created)).error).toBeNull();
      const { error } = await limited.client().auth.signInWithPassword(created);
      expect(error?.status).toBe(429);
      expect(error?.code).toBe('over_request_rate_limit');
    } finally {
      await limited.close();
    }
  });
});
