// How /storage/v1 finds a route in its table (src/local/storage/router.ts over ROUTES in index.ts): which handler
// answers a path, with which parameters, and which paths are Storage's 404 or InvalidKey; and that each route's
// handler is in the file its URL names.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROUTES, STORAGE_PREFIX } from '../../src/local/storage/index.js';
import { RouteTable } from '../../src/local/storage/router.js';
import { StorageError } from '../../src/local/storage/errors.js';

const table = new RouteTable(ROUTES);

/** `handlerName {params}` for a request, or `status error: message` when none answers. */
function answer(method: string, path: string): string {
  try {
    const { route, params } = table.match(method, path);
    return `${route.handler.name} ${JSON.stringify(params)}`;
  } catch (err) {
    if (err instanceof StorageError) return `${err.status} ${err.error}: ${err.message}`;
    throw err;
  }
}

describe('storage route table', () => {
  it('sends objects, names and all, to the object routes', () => {
    expect(answer('POST', '/object/videos/u/m/a.mp4')).toBe('uploadObject {"bucket":"videos","*":"u/m/a.mp4"}');
    expect(answer('PUT', '/object/videos/a.mp4')).toBe('updateObject {"bucket":"videos","*":"a.mp4"}');
    expect(answer('HEAD', '/object/videos/a.mp4')).toBe('downloadObject {"bucket":"videos","*":"a.mp4"}');
    expect(answer('DELETE', '/object/videos/a.mp4')).toBe('removeObject {"bucket":"videos","*":"a.mp4"}');
    expect(answer('DELETE', '/object/videos')).toBe('removeObjects {"bucket":"videos"}');
    expect(answer('GET', '/object/authenticated/videos/a.mp4')).toBe('downloadAuthenticatedObject {"bucket":"videos","*":"a.mp4"}');
    expect(answer('GET', '/object/public/videos/a.mp4')).toBe('downloadPublicObject {"bucket":"videos","*":"a.mp4"}');
    expect(answer('GET', '/object/sign/videos/a.mp4')).toBe('downloadSignedObject {"bucket":"videos","*":"a.mp4"}');
    expect(answer('POST', '/object/sign/videos/a.mp4')).toBe('signObject {"bucket":"videos","*":"a.mp4"}');
    expect(answer('POST', '/object/sign/videos')).toBe('signObjects {"bucket":"videos"}');
    expect(answer('POST', '/object/list/videos')).toBe('listObjects {"bucket":"videos"}');
    expect(answer('POST', '/object/copy')).toBe('copyObject {}');
    expect(answer('GET', '/object/info/public/videos/a.mp4')).toBe('objectInfo {"bucket":"videos","*":"a.mp4"}');
    expect(answer('GET', '/bucket')).toBe('listBuckets {}');
    expect(answer('GET', '/bucket/videos')).toBe('getBucket {"id":"videos"}');
  });

  it('decodes the path before matching it, so an encoded slash splits the name', () => {
    expect(answer('GET', '/object/videos/a%2Fb%20c.mp4')).toBe('downloadObject {"bucket":"videos","*":"a/b c.mp4"}');
    expect(answer('GET', '/object/videos/%ZZ')).toBe('400 InvalidKey: Invalid key: /object/videos/%ZZ');
  });

  it('never reads a route word as a bucket: a path that fits its own route only partly is a 404', () => {
    expect(answer('GET', '/object/sign/videos')).toBe('404 Not Found: Route GET:/object/sign/videos not found');
    expect(answer('DELETE', '/object/copy')).toBe('404 Not Found: Route DELETE:/object/copy not found');
    expect(answer('POST', '/object/list/videos/a.mp4')).toBe('404 Not Found: Route POST:/object/list/videos/a.mp4 not found');
    expect(answer('GET', '/object/info/authenticated/a.mp4')).toBe('404 Not Found: Route GET:/object/info/authenticated/a.mp4 not found');
  });

  it('answers a method a route does not take, an empty segment or an unknown path with 404', () => {
    expect(answer('POST', '/bucket')).toBe('404 Not Found: Route POST:/bucket not found');
    expect(answer('GET', '/bucket/')).toBe('404 Not Found: Route GET:/bucket/ not found');
    expect(answer('GET', '/object/videos/')).toBe('404 Not Found: Route GET:/object/videos/ not found');
    expect(answer('GET', '/object//a.mp4')).toBe('404 Not Found: Route GET:/object//a.mp4 not found');
    expect(answer('GET', '/object')).toBe('404 Not Found: Route GET:/object not found');
    expect(answer('GET', '')).toBe('404 Not Found: Route GET: not found');
    expect(answer('GET', '/')).toBe('404 Not Found: Route GET:/ not found');
    expect(answer('PATCH', '/object/videos/a.mp4')).toBe('404 Not Found: Route PATCH:/object/videos/a.mp4 not found');
  });

  it('keeps an object name that ends in a slash, and DELETE /object/ as the bucket ""', () => {
    expect(answer('GET', '/object/videos/a//')).toBe('downloadObject {"bucket":"videos","*":"a//"}');
    expect(answer('DELETE', '/object/')).toBe('removeObjects {}');
  });

  it('gives every method at and under /upload/resumable to TUS, undecoded', () => {
    for (const method of ['OPTIONS', 'POST', 'HEAD', 'PATCH', 'DELETE', 'GET']) {
      expect(answer(method, '/upload/resumable')).toBe('resumableUpload {}');
      expect(answer(method, '/upload/resumable/')).toBe('resumableUpload {}');
      expect(answer(method, '/upload/resumable/dmlkZW9z%ZZ/x')).toBe('resumableUpload {}');
    }
    expect(answer('POST', '/upload/resumablex')).toBe('404 Not Found: Route POST:/upload/resumablex not found');
    expect(answer('POST', '/upload/resum%61ble')).toBe('404 Not Found: Route POST:/upload/resumable not found');
  });
});

describe('storage route files', () => {
  const routesDir = fileURLToPath(new URL('../../src/local/storage/routes/', import.meta.url));

  /** routes/<leading static segments joined by '-'>.ts, the longest such prefix that has a file. */
  function fileFor(path: string): string {
    const segments = path.split('/').slice(1);
    const end = segments.findIndex((s) => s === '' || s === '*' || s.startsWith(':'));
    const statics = end === -1 ? segments : segments.slice(0, end);
    if (statics.length === 0) throw new Error(`${path} starts with a parameter`);
    for (let n = statics.length; n > 0; n--) {
      const file = `${routesDir}${statics.slice(0, n).join('-')}.ts`;
      if (existsSync(file)) return file;
    }
    throw new Error(`no routes/ file for ${path}`);
  }

  it.each(ROUTES.map((route) => [`${String(route.method)} ${route.path}`, route] as const))('%s', async (_name, route) => {
    const file = fileFor(route.path);
    const exported = Object.values((await import(file)) as Record<string, unknown>);
    expect(exported).toContain(route.handler);
    const header = readFileSync(file, 'utf8').split('\n').filter((line) => line.startsWith('// '));
    const methods = route.method === '*' ? [''] : typeof route.method === 'string' ? [route.method] : route.method;
    for (const method of methods) {
      const url = `${STORAGE_PREFIX}${route.path}`;
      expect(header.some((line) => line.startsWith(`// ${method}`) && (line.endsWith(url) || line.includes(`${url}?`)))).toBe(true);
    }
  });
});
