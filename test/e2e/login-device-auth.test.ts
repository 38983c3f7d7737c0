// The device-auth function's routes against the local backend: RFC 8628 polling answers, one
// redemption per code, approval by a signed-in user only, 4xx for codes that are not pending,
// the per-user rate limit, and a minted session that is not the approver's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';

let backend: TestBackend;
let ada: SignedInUser;

beforeAll(async () => {
  backend = await startTestBackend();
  ada = await backend.signedInUser();
});

afterAll(async () => {
  await backend?.close();
});

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(route: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<Reply> {
  const res = await fetch(`${backend.url}/functions/v1/device-auth/${route}`, {
    method: init.method ?? 'POST',
    headers: {
      apikey: backend.anonKey,
      Authorization: `Bearer ${init.token ?? backend.anonKey}`,
      ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: init.body === undefined ? null : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

async function start(clientName = 'test client'): Promise<{ device_code: string; user_code: string; interval: number; expires_in: number; verification_uri: string; verification_uri_complete: string }> {
  const res = await call('code', { body: { client_name: clientName } });
  expect(res.status).toBe(200);
  return res.body as never;
}

const poll = (deviceCode: string) =>
  call('token', { body: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode } });

describe('device-auth function', () => {
  it('starts a login: codes, verification URLs, expiry and interval', async () => {
    const code = await start();
    expect(code.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(code.device_code.length).toBeGreaterThanOrEqual(43);
    expect(code.verification_uri).toBe(`${backend.url}/device`);
    expect(code.verification_uri_complete).toBe(`${backend.url}/device?code=${code.user_code}`);
    expect(code.expires_in).toBe(900);
    expect(code.interval).toBe(5);
    // Only the hash is stored.
    const { rows } = await backend.db.pool.query('select device_code_hash, user_code from device_auth.codes where user_code = $1', [code.user_code.replace('-', '')]);
    expect(rows).toHaveLength(1);
    expect(rows[0].device_code_hash).not.toContain(code.device_code);
    expect(rows[0].device_code_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers authorization_pending, then slow_down when polled faster than the interval', async () => {
    const code = await start();
    const first = await poll(code.device_code);
    expect(first.status).toBe(400);
    expect(first.body.error).toBe('authorization_pending');
    const second = await poll(code.device_code);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('slow_down');
    expect(second.body.interval).toBe(10);
  });

  it('refuses unknown device codes and other grant types', async () => {
    expect((await poll('not-a-code')).body.error).toBe('invalid_grant');
    const other = await call('token', { body: { grant_type: 'password', device_code: 'x' } });
    expect(other.body.error).toBe('unsupported_grant_type');
  });

  it('the page routes need a valid user token', async () => {
    const code = await start();
    expect((await call(`lookup?user_code=${code.user_code}`, { method: 'GET' })).status).toBe(401);
    expect((await call('approve', { body: { user_code: code.user_code } })).status).toBe(401);
    expect((await call('approve', { token: `${ada.session.access_token}x`, body: { user_code: code.user_code } })).status).toBe(401);
    expect((await call('approve', { token: backend.serviceRoleKey, body: { user_code: code.user_code } })).status).toBe(401);
  });

  it('approve once, redeem once: a fresh session for the approver, not the browser one', async () => {
    const code = await start('laptop of Ada');
    const look = await call(`lookup?user_code=${code.user_code.toLowerCase().replace('-', '')}`, { method: 'GET', token: ada.session.access_token });
    expect(look.status).toBe(200);
    expect(look.body).toMatchObject({ user_code: code.user_code, client_name: 'laptop of Ada', status: 'pending' });

    const approved = await call('approve', { token: ada.session.access_token, body: { user_code: code.user_code.replace('-', '') } });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');

    const again = await call('approve', { token: ada.session.access_token, body: { user_code: code.user_code } });
    expect(again.status).toBe(409);
    const deny = await call('deny', { token: ada.session.access_token, body: { user_code: code.user_code } });
    expect(deny.status).toBe(409);

    const token = await poll(code.device_code);
    expect(token.status).toBe(200);
    expect(token.body.user).toEqual({ id: ada.id, email: ada.email });
    expect(token.body.access_token).not.toBe(ada.session.access_token);
    expect(token.body.refresh_token).not.toBe(ada.session.refresh_token);
    expect(token.body.token_type).toBe('bearer');
    expect(typeof token.body.expires_at).toBe('number');
    // The new session is a real one: Auth accepts it.
    const user = await fetch(`${backend.url}/auth/v1/user`, { headers: { apikey: backend.anonKey, Authorization: `Bearer ${String(token.body.access_token)}` } });
    expect(((await user.json()) as { id: string }).id).toBe(ada.id);

    // Redeemed once only.
    const replay = await poll(code.device_code);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('deny ends the login with access_denied', async () => {
    const code = await start();
    const denied = await call('deny', { token: ada.session.access_token, body: { user_code: code.user_code } });
    expect(denied.status).toBe(200);
    expect(denied.body.status).toBe('denied');
    expect((await poll(code.device_code)).body.error).toBe('access_denied');
    expect((await call('approve', { token: ada.session.access_token, body: { user_code: code.user_code } })).status).toBe(409);
  });

  it('unknown, malformed and expired codes get 4xx', async () => {
    expect((await call('approve', { token: ada.session.access_token, body: { user_code: 'BCDF-GHJK' } })).status).toBe(404);
    expect((await call('approve', { token: ada.session.access_token, body: { user_code: 'AAAA-1111' } })).status).toBe(400);
    const code = await start();
    await backend.db.pool.query("update device_auth.codes set created_at = now() - interval '20 minutes', expires_at = now() - interval '1 second' where user_code = $1", [code.user_code.replace('-', '')]);
    expect((await call('approve', { token: ada.session.access_token, body: { user_code: code.user_code } })).status).toBe(410);
    expect((await poll(code.device_code)).body.error).toBe('expired_token');
  });

  it('no API role can reach the device tables or functions directly', async () => {
    for (const key of [backend.anonKey, ada.session.access_token]) {
      const res = await fetch(`${backend.url}/rest/v1/rpc/device_auth_lookup`, {
        method: 'POST',
        headers: { apikey: backend.anonKey, Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ p_user_code: 'BCDFGHJK' }),
      });
      expect([401, 403, 404]).toContain(res.status);
    }
    const { rows } = await backend.db.pool.query(
      "select has_schema_privilege('anon', 'device_auth', 'usage') as anon, has_schema_privilege('authenticated', 'device_auth', 'usage') as authn, has_function_privilege('authenticated', 'public.device_auth_decide(text, uuid, text, boolean)', 'execute') as decide",
    );
    expect(rows[0]).toEqual({ anon: false, authn: false, decide: false });
    const definer = await backend.db.pool.query(
      "select proname from pg_proc where pronamespace in ('public'::regnamespace, 'device_auth'::regnamespace) and proname like 'device_auth%' and prosecdef",
    );
    expect(definer.rows).toEqual([]);
  });

  it('rate-limits lookups and decisions per user', async () => {
    const eve = await backend.signedInUser();
    const limit = 30;
    let last: Reply | undefined;
    for (let i = 0; i <= limit; i += 1) last = await call('approve', { token: eve.session.access_token, body: { user_code: 'BCDF-GHJK' } });
    expect(last?.status).toBe(429);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user is not affected.
    expect((await call('approve', { token: ada.session.access_token, body: { user_code: 'BCDF-GHJK' } })).status).toBe(404);
  });
});
