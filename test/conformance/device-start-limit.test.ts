// Starting a device login takes only the anon key, so it is rate limited per client and overall.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBackend, type TestBackend } from '../support/backend.js';

let backend: TestBackend;

beforeAll(async () => {
  backend = await startTestBackend({ functionEnv: { DEVICE_AUTH_START_LIMIT: '3' } });
});
afterAll(async () => {
  await backend?.close();
});

function startLogin(headers: Record<string, string> = {}) {
  return fetch(`${backend.url}/functions/v1/device-auth/code`, {
    method: 'POST',
    headers: { apikey: backend.anonKey, authorization: `Bearer ${backend.anonKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ client_name: 'flood' }),
  });
}

describe('device-auth code creation', () => {
  it('answers 429 with Retry-After past the per-client limit, and stores no more codes', async () => {
    for (let i = 0; i < 3; i += 1) {
      const res = await startLogin();
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    // A forged forwarding header does not make a new client: the local gateway reports the address itself.
    const forgeries: Array<Record<string, string>> = [{}, { 'x-forwarded-for': '203.0.113.7' }, { 'x-real-ip': '203.0.113.8' }, { 'cf-connecting-ip': '203.0.113.9' }];
    for (const forged of forgeries) {
      const res = await startLogin(forged);
      expect(res.status, JSON.stringify(forged)).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await res.json()).toMatchObject({ error: 'rate_limited' });
    }
    const { rows } = await backend.db.pool.query('select count(*)::int as n from device_auth.codes');
    expect(rows[0].n).toBe(3);
  });

  it('the total limit holds across clients', async () => {
    const admin = backend.admin();
    const note = (client: string) => admin.rpc('device_auth_note_start', { p_client: client, p_limit: 100, p_total_limit: 6, p_window_seconds: 600 });
    await backend.db.pool.query('delete from device_auth.starts');
    const answers = [];
    for (let i = 0; i < 8; i += 1) answers.push((await note(`client-${i}`)).data as { allowed: boolean });
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, true, true, true, false, false]);
  });

  it('anon and authenticated cannot call the limiter themselves', async () => {
    const { error } = await backend.client().rpc('device_auth_note_start', { p_client: 'x', p_limit: 1, p_total_limit: 1, p_window_seconds: 1 });
    expect(error).not.toBeNull();
  });
});
