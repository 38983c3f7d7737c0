// The Auth service's exported ROUTES table is what it serves: every listed method and path reaches a
// handler, any other method on those paths is GoTrue's 404 not_found, and a trailing slash changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/local/auth/index.js';
import { startTestBackend, type TestBackend } from '../support/backend.js';

let backend: TestBackend;

beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend?.close();
});

const UNKNOWN_USER = '00000000-0000-4000-8000-000000000001';
const concrete = (path: string) => path.replace(/:[^/]+/g, UNKNOWN_USER);

async function call(method: string, path: string): Promise<{ status: number; code: unknown }> {
  const res = await fetch(`${backend.url}/auth/v1${path}`, {
    method,
    redirect: 'manual',
    headers: {
      apikey: backend.serviceRoleKey,
      authorization: `Bearer ${backend.serviceRoleKey}`,
      'x-supabase-api-version': '2024-01-01',
      ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }),
    },
    body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
  });
  const text = await res.text();
  return { status: res.status, code: text.startsWith('{') ? (JSON.parse(text) as { code?: unknown }).code : undefined };
}

describe('auth route table', () => {
  it('lists each method and path once, below the service prefix', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of ROUTES) {
      expect(route.path.startsWith('/'), route.path).toBe(true);
      expect(route.path.startsWith('/auth/v1'), route.path).toBe(false);
    }
  });

  it('every listed route reaches its handler, with or without a trailing slash', async () => {
    for (const route of ROUTES) {
      for (const path of [concrete(route.path), `${concrete(route.path)}/`]) {
        const { status, code } = await call(route.method, path);
        expect(code, `${route.method} ${path}`).not.toBe('not_found');
        expect(status, `${route.method} ${path}`).not.toBe(405);
      }
    }
  });

  it('a method not listed for a path is 404 not_found', async () => {
    const paths = [...new Set(ROUTES.map((r) => r.path))];
    for (const path of paths) {
      const listed = new Set(ROUTES.filter((r) => r.path === path).map((r) => r.method));
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !listed.has(m))) {
        const { status, code } = await call(method, concrete(path));
        expect({ status, code }, `${method} ${path}`).toEqual({ status: 404, code: 'not_found' });
      }
    }
  });

  it('a path not in the table is 404 not_found', async () => {
    for (const path of ['/', '/nope', '/admin', '/admin/users/x/y', '/HEALTH']) {
      expect(await call('GET', path), path).toEqual({ status: 404, code: 'not_found' });
    }
  });
});
