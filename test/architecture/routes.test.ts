// The local backend's services are split by route group so a URL names its file
// (docs/architecture.md): each service exports its route table, and the handler of
// `<prefix>/<a>/<b>/:id` lives in `src/local/<service>/routes/<a>-<b>.ts` (the longest run of
// leading literal segments that names a file; a path that starts with a parameter is named after
// it, the root is `root.ts`). Each route file opens with the URLs it answers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

interface RouteEntry {
  method?: string | readonly string[];
  methods?: readonly string[];
  path: string;
}

const SERVICES: Array<{ name: string; prefix: string; load: () => Promise<readonly RouteEntry[]> }> = [
  { name: 'auth', prefix: '/auth/v1', load: async () => (await import('../../src/local/auth/index.js')).ROUTES },
  { name: 'rest', prefix: '/rest/v1', load: async () => (await import('../../src/local/rest/index.js')).ROUTES },
  { name: 'storage', prefix: '/storage/v1', load: async () => (await import('../../src/local/storage/index.js')).ROUTES },
];

const isParameter = (segment: string) => segment.startsWith(':') || segment === '*';

/** The route files a path may live in, most specific first. */
function candidateFiles(path: string): string[] {
  const segments = path.split('/').filter(Boolean);
  if (segments.length === 0) return ['root.ts'];
  if (isParameter(segments[0]!)) return [`${segments[0]!.replace(/^:/, '') || 'root'}.ts`];
  const literal: string[] = [];
  for (const segment of segments) {
    if (isParameter(segment)) break;
    literal.push(segment.replace(/^\./, ''));
  }
  return literal.map((_, i) => `${literal.slice(0, literal.length - i).join('-')}.ts`);
}

/** The first route file that exists for a path, or null. */
function fileFor(dir: string, path: string): string | null {
  return candidateFiles(path).find((file) => existsSync(join(dir, file))) ?? null;
}

describe('the local services are split by route group', () => {
  it('names files from paths', () => {
    expect(candidateFiles('/')).toEqual(['root.ts']);
    expect(candidateFiles('/:table')).toEqual(['table.ts']);
    expect(candidateFiles('/admin/users/:id')).toEqual(['admin-users.ts', 'admin.ts']);
    expect(candidateFiles('/.well-known/jwks.json')).toEqual(['well-known-jwks.json.ts', 'well-known.ts']);
    expect(candidateFiles('/object/sign/:bucket/*')).toEqual(['object-sign.ts', 'object.ts']);
  });

  for (const service of SERVICES) {
    describe(service.name, () => {
      const dir = join(ROOT, 'src/local', service.name, 'routes');

      it('finds the file of every route from its URL, and every route file serves a route', async () => {
        const routes = await service.load();
        expect(routes.length).toBeGreaterThan(0);
        const used = new Set<string>();
        const missing: string[] = [];
        for (const route of routes) {
          expect(route.path.startsWith(service.prefix), route.path).toBe(false);
          const file = fileFor(dir, route.path);
          if (file) used.add(file);
          else missing.push(`${route.path}: none of ${candidateFiles(route.path).join(', ')}`);
        }
        expect(missing).toEqual([]);
        const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
        expect(files.filter((f) => !used.has(f))).toEqual([]);
      });

      it('opens each route file with the URLs it answers', async () => {
        const routes = await service.load();
        for (const route of routes) {
          const file = fileFor(dir, route.path)!;
          const header = readFileSync(join(dir, file), 'utf8')
            .split('\n')
            .filter((line) => line.startsWith('//'))
            .join('\n');
          const literal = route.path.split('/').filter((s) => s && !isParameter(s)).join('/');
          expect(header, `${file} for ${route.path}`).toContain(`${service.prefix}/${literal}`);
          for (const method of [route.methods ?? route.method ?? []].flat()) expect(header, `${file}: ${method} ${route.path}`).toContain(method);
        }
      });
    });
  }
});
