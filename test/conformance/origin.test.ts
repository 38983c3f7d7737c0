// The local backend serves its own origin only: a foreign Host (DNS rebinding) is refused, a foreign
// browser Origin gets no CORS grant and no answer, and the device page's settings are not script.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';

let backend: TestBackend;
let alice: SignedInUser;
let port: number;

beforeAll(async () => {
  backend = await startTestBackend({ corsOrigins: ['https://app.example.org'] });
  alice = await backend.signedInUser();
  port = Number(new URL(backend.url).port);
});
afterAll(async () => {
  await backend?.close();
});

/** A raw request, so the Host header is exactly what a rebinding browser would send. */
function raw(path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const apiHeaders = () => ({ apikey: backend.anonKey, authorization: `Bearer ${alice.session.access_token}` });

describe('Host header', () => {
  it.each(['evil.example.com', `evil.example.com:${0}`, `127.0.0.1.nip.io`, '127.0.0.2', 'localhost', '127.0.0.1'])(
    'refuses Host %s with 421 and a JSON error',
    async (host) => {
      const value = host.endsWith(':0') ? host.replace(':0', `:${port}`) : host;
      for (const path of ['/rest/v1/sessions?select=id', '/device/', '/auth/v1/settings', '/storage/v1/bucket', '/health']) {
        const res = await raw(path, { ...apiHeaders(), host: value });
        expect(res.status, `${value} ${path}`).toBe(421);
        expect(JSON.parse(res.body)).toMatchObject({ error: 'host_not_allowed' });
        expect(res.body).not.toContain(backend.anonKey);
      }
    },
  );

  it('serves 127.0.0.1 and localhost with the port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const res = await raw('/rest/v1/sessions?select=id', { ...apiHeaders(), host });
      expect(res.status, host).toBe(200);
    }
  });
});

describe('CORS', () => {
  it('a foreign Origin gets no grant and no data, on simple requests and preflights', async () => {
    for (const origin of ['https://evil.example.com', 'null', `http://127.0.0.1:${port + 1}`, `http://localhost:${port + 1}`]) {
      const get = await raw('/rest/v1/sessions?select=id', { ...apiHeaders(), host: `127.0.0.1:${port}`, origin });
      expect(get.status, origin).toBe(403);
      expect(get.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(JSON.parse(get.body)).toMatchObject({ error: 'origin_not_allowed' });

      const signIn = await fetch(`${backend.url}/auth/v1/token?grant_type=password`, {
        method: 'POST',
        headers: { apikey: backend.anonKey, 'content-type': 'application/json', origin },
        body: JSON.stringify({ email: alice.email, password: alice.password }),
      });
      expect(signIn.status, origin).toBe(403);
      expect(signIn.headers.get('access-control-allow-origin')).toBeNull();
      expect(await signIn.text()).not.toContain('access_token');

      const preflight = await raw(
        '/rest/v1/sessions',
        { host: `127.0.0.1:${port}`, origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'apikey,authorization' },
        'OPTIONS',
      );
      expect(preflight.status, origin).toBe(403);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
    }
  });

  it('the backend\'s own origins and the --cors-origin list are granted, by name, never "*"', async () => {
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, 'https://app.example.org']) {
      const preflight = await raw(
        '/rest/v1/sessions',
        { host: `127.0.0.1:${port}`, origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'apikey,authorization' },
        'OPTIONS',
      );
      expect(preflight.status, origin).toBe(200);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      const get = await raw('/rest/v1/sessions?select=id', { ...apiHeaders(), host: `127.0.0.1:${port}`, origin });
      expect(get.status, origin).toBe(200);
      expect(get.headers['access-control-allow-origin']).toBe(origin);
      expect(String(get.headers.vary)).toContain('Origin');
    }
  });

  it('requests without an Origin (CLI, supabase-js in Node) carry no CORS grant at all', async () => {
    const res = await fetch(`${backend.url}/rest/v1/sessions?select=id`, { headers: apiHeaders() });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('device page settings', () => {
  it('are not served as a script any site could include', async () => {
    for (const path of ['/device/config.js', '/device/config.example.js']) {
      const res = await fetch(`${backend.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain(backend.anonKey);
    }
  });

  it('are inlined in the page as a JSON data block, with no executable config', async () => {
    const res = await fetch(`${backend.url}/device/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).not.toContain('src="config.js"');
    const block = /<script type="application\/json" id="session-device-config">([^<]*)<\/script>/.exec(html);
    expect(JSON.parse(block![1]!)).toEqual({ supabaseUrl: backend.url, anonKey: backend.anonKey });
    expect(html).toContain('<script src="device.js"></script>');
  });
});
