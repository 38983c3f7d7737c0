// Attacks on the local backend that must fail, one describe per surface: the tokens it accepts, the roles
// a token may act as, resumable uploads, the device page, and files on disk.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/local/jwt.js';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';
import { createUploadingVideo } from './storage-support.js';

let backend: TestBackend;
let alice: SignedInUser;

beforeAll(async () => {
  backend = await startTestBackend();
  alice = await backend.signedInUser();
});
afterAll(async () => {
  await backend?.close();
});

const now = () => Math.floor(Date.now() / 1000);

function call(path: string, token: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return fetch(`${backend.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { apikey: backend.anonKey, authorization: `Bearer ${token}`, ...init.headers },
    body: init.body,
  });
}

describe('JWT role and expiry', () => {
  it('a secret-signed token naming a role outside anon, authenticated and service_role is refused before SET ROLE', async () => {
    for (const role of ['postgres', 'supabase_admin', 'authenticator', 'none', 'pg_read_all_data', 'supabase_storage_admin']) {
      const token = await signJwt({ role, sub: alice.id, exp: now() + 60 }, backend.jwtSecret);
      const rest = await call('/rest/v1/sessions?select=id', token);
      expect(rest.status, role).toBe(403);
      expect(await rest.json(), role).toMatchObject({ code: '42501', message: `permission denied to set role "${role}"` });
      const storage = await call('/storage/v1/bucket', token);
      expect(await storage.json(), role).toMatchObject({ statusCode: '403', message: `permission denied to set role "${role}"` });
    }
  });

  it('the API roles still work', async () => {
    const service = await call('/rest/v1/sessions?select=id', backend.serviceRoleKey);
    expect(service.status).toBe(200);
    const user = await call('/rest/v1/sessions?select=id', alice.session.access_token);
    expect(user.status).toBe(200);
  });

  it('a secret-signed token without a numeric exp is refused by REST, Storage and Auth', async () => {
    for (const claims of [{ role: 'authenticated', sub: alice.id }, { role: 'authenticated', sub: alice.id, exp: String(now() + 60) }]) {
      const token = await signJwt({ ...claims, aud: 'authenticated', email: alice.email }, backend.jwtSecret);
      const rest = await call('/rest/v1/sessions?select=id', token);
      expect(rest.status).toBe(401);
      expect(await rest.json()).toMatchObject({ code: 'PGRST303' });
      const storage = await call('/storage/v1/bucket', token);
      expect(await storage.json()).toMatchObject({ statusCode: '403', message: 'missing required "exp" claim' });
      const auth = await call('/auth/v1/user', token, { headers: { 'x-supabase-api-version': '2024-01-01' } });
      expect(auth.status).toBe(403);
      expect(await auth.json()).toMatchObject({ code: 'bad_jwt' });
    }
  });

  it('an unsigned (alg none) service_role token is refused', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ role: 'service_role', exp: now() + 60 })}.`;
    const rest = await call('/rest/v1/sessions?select=id', token);
    expect(rest.status).toBe(401);
    const admin = await call('/auth/v1/admin/users', token, { headers: { 'x-supabase-api-version': '2024-01-01' } });
    expect(admin.status).toBe(403);
    expect(await admin.json()).toMatchObject({ code: 'bad_jwt' });
  });
});

describe('the API key at the gateway', () => {
  const settings = (headers: Record<string, string>) => fetch(`${backend.url}/auth/v1/settings`, { headers });
  const invalidKey = { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' };

  it('a JWT key signed with another secret or expired is refused, with or without a valid bearer token', async () => {
    const forged = await signJwt({ role: 'anon', iss: 'supabase', iat: now(), exp: now() + 3600 }, 'another-secret-of-at-least-32-characters');
    const expired = await signJwt({ role: 'anon', iss: 'supabase', iat: now() - 7200, exp: now() - 3600 }, backend.jwtSecret);
    for (const key of [forged, expired]) {
      const variants: Array<Record<string, string>> = [{ apikey: key }, { apikey: key, authorization: `Bearer ${backend.anonKey}` }];
      for (const headers of variants) {
        const res = await settings(headers);
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual(invalidKey);
      }
    }
  });

  it('a valid JWT key is taken alone and beside another valid bearer token', async () => {
    expect((await settings({ apikey: backend.anonKey })).status).toBe(200);
    expect((await settings({ apikey: backend.anonKey, authorization: `Bearer ${alice.session.access_token}` })).status).toBe(200);
    expect((await settings({ apikey: backend.anonKey, authorization: 'Bearer not-a-jwt' })).status).toBe(200);
  });
});

describe('REST identifiers and schemas', () => {
  it('names from the query string and headers stay identifiers; nothing outside public is reachable', async () => {
    const token = alice.session.access_token;
    const attempts: Array<[string, Record<string, string>?]> = [
      [`/rest/v1/sessions?select=${encodeURIComponent('id,"x"" from pg_authid --"')}`],
      [`/rest/v1/sessions?select=${encodeURIComponent('id::text from pg_authid t0 --')}`],
      [`/rest/v1/sessions?order=${encodeURIComponent('id;select 1')}`],
      [`/rest/v1/sessions?order=${encodeURIComponent('"id"" desc, (select 1)--"')}`],
      [`/rest/v1/sessions?${encodeURIComponent('id" = id or true --')}=eq.1`],
      [`/rest/v1/sessions?select=${encodeURIComponent("name->>x' or 1=1--")}`],
      [`/rest/v1/sessions?select=${encodeURIComponent('*,users(*)')}`],
      ['/rest/v1/users', { 'accept-profile': 'auth' }],
      ['/rest/v1/objects', { 'accept-profile': 'storage' }],
      ['/rest/v1/codes', { 'accept-profile': 'device_auth' }],
      ['/rest/v1/rpc/set_config?setting_name=role&new_value=service_role&is_local=true'],
      [`/rest/v1/rpc/${encodeURIComponent('pg_catalog.set_config')}?setting_name=role&new_value=service_role&is_local=true`],
    ];
    for (const [path, headers] of attempts) {
      const res = await call(path, token, { headers });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      await res.arrayBuffer();
    }
    const write = await call('/rest/v1/users', token, { method: 'POST', headers: { 'content-profile': 'auth', 'content-type': 'application/json' }, body: '{}' });
    expect(write.status).toBe(406);
  });
});

describe('resumable uploads', () => {
  const meta = (pairs: Record<string, string>) =>
    Object.entries(pairs)
      .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
      .join(',');

  async function serviceUpload(): Promise<string> {
    const video = await createUploadingVideo(alice.client, alice.id);
    const res = await call('/storage/v1/upload/resumable', backend.serviceRoleKey, {
      method: 'POST',
      headers: {
        'tus-resumable': '1.0.0',
        'upload-length': '100',
        'upload-metadata': meta({ bucketName: 'videos', objectName: video.path, contentType: 'video/mp4' }),
      },
    });
    expect(res.status).toBe(201);
    return res.headers.get('location')!;
  }

  it('an upload made with the service-role key answers no other subject-less caller (the anon key)', async () => {
    const location = await serviceUpload();
    const path = new URL(location).pathname;
    for (const method of ['HEAD', 'PATCH', 'DELETE']) {
      const res = await call(path, backend.anonKey, {
        method,
        headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
        body: method === 'PATCH' ? 'x' : undefined,
      });
      expect(res.status, method).toBe(403);
    }
    const owner = await call(path, backend.serviceRoleKey, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
    expect(owner.status).toBe(200);
    expect(owner.headers.get('upload-offset')).toBe('0');
  });

  it('an upload id whose bucket is `..` is unknown, not a path out of the upload folder', async () => {
    const location = await serviceUpload();
    const id = Buffer.from(location.split('/').pop()!, 'base64url').toString('utf8');
    const escaped = Buffer.from(`../tus/${id}`).toString('base64url');
    for (const method of ['HEAD', 'DELETE']) {
      const res = await call(`/storage/v1/upload/resumable/${escaped}`, backend.serviceRoleKey, { method, headers: { 'tus-resumable': '1.0.0' } });
      expect(res.status, method).toBe(404);
    }
    const still = await call(new URL(location).pathname, backend.serviceRoleKey, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
    expect(still.status).toBe(200);
  });
});

describe('signed URLs', () => {
  async function uploaded(): Promise<string> {
    const video = await createUploadingVideo(alice.client, alice.id);
    const { error } = await alice.client.storage.from('videos').upload(video.path, Buffer.from('bytes'), { contentType: 'video/mp4' });
    expect(error).toBeNull();
    return video.path;
  }

  it('a token opens only the object it was signed for, and nothing else signed with the secret opens one', async () => {
    const first = await uploaded();
    const second = await uploaded();
    const { data } = await alice.client.storage.from('videos').createSignedUrl(first, 60);
    const token = new URL(data!.signedUrl).searchParams.get('token')!;
    const open = (path: string, t: string) => fetch(`${backend.url}/storage/v1/object/sign/videos/${path}?token=${encodeURIComponent(t)}`);

    expect((await open(first, token)).status).toBe(200);
    const other = await open(second, token);
    expect(await other.json()).toMatchObject({ statusCode: '400', error: 'InvalidSignature' });
    for (const t of [alice.session.access_token, backend.serviceRoleKey, await signJwt({ url: `videos/${second}` }, backend.jwtSecret)]) {
      const res = await open(second, t);
      expect(res.status).toBe(400);
      await res.arrayBuffer();
    }
    const expired = await signJwt({ url: `videos/${first}`, iat: now() - 120, exp: now() - 60 }, backend.jwtSecret);
    expect(await (await open(first, expired)).json()).toMatchObject({ error: 'InvalidJWT' });
  });
});

describe('the device page', () => {
  it('may not be framed by another site', async () => {
    for (const path of ['/device/', '/device/device.js']) {
      const res = await fetch(`${backend.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      await res.arrayBuffer();
    }
  });

  it('serves nothing outside web/device, however the path is spelled', async () => {
    for (const path of ['/device/..%2f..%2fpackage.json', '/device/%2e%2e/%2e%2e/package.json', '/device/..%5c..%5cpackage.json', '/device/%00']) {
      const res = await fetch(`${backend.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain('"dependencies"');
    }
  });
});

describe('files on disk', () => {
  it('the storage folder is private to the backend user', async () => {
    expect((await stat(join(backend.dataDir, 'storage'))).mode & 0o777).toBe(0o700);
  });
});
