// /functions/v1 through supabase-js: the same Deno-style handler files Supabase runs, with verify_jwt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBackend, type TestBackend } from '../support/backend.js';

let backend: TestBackend;

beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend?.close();
});

describe('functions', () => {
  it('invokes a function with the anon key and passes the body and path', async () => {
    const { data, error } = await backend.client().functions.invoke('hello', { body: { name: 'Ada' } });
    expect(error).toBeNull();
    expect(data).toEqual({ message: 'Hello Ada!', method: 'POST', path: '/hello', has_supabase_url: true });
  });

  it('passes sub-paths and query strings', async () => {
    const res = await fetch(`${backend.url}/functions/v1/hello/deeper?name=Bo`, {
      headers: { Authorization: `Bearer ${backend.anonKey}`, apikey: backend.anonKey },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ message: 'Hello Bo!', path: '/hello/deeper', method: 'GET' });
  });

  it('verify_jwt (the default) refuses requests without a valid JWT with 401', async () => {
    const missing = await fetch(`${backend.url}/functions/v1/hello`);
    expect(missing.status).toBe(401);
    const forged = await fetch(`${backend.url}/functions/v1/hello`, { headers: { Authorization: 'Bearer not.a.jwt' } });
    expect(forged.status).toBe(401);
    const user = await backend.signedInUser();
    const { error } = await user.client.functions.invoke('hello', { method: 'GET' });
    expect(error).toBeNull();
  });

  it('an unknown function is 404', async () => {
    const res = await fetch(`${backend.url}/functions/v1/no-such-function`, { headers: { Authorization: `Bearer ${backend.anonKey}` } });
    expect(res.status).toBe(404);
  });

  it('runs a function that imports shared modules and supabase-js (device-auth: start a login)', async () => {
    const { data, error } = await backend.client().functions.invoke('device-auth/code', { body: { client_name: 'conformance' } });
    expect(error).toBeNull();
    expect(data).toMatchObject({ device_code: expect.any(String), user_code: expect.any(String), verification_uri: `${backend.url}/device` });
  });
});
