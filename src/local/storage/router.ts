// Finds the route of a /storage/v1 request in the service's route table (ROUTES in index.ts).
//
// A route's path is below the service prefix and made of segments:
//   literal   matches itself only; at any position a literal wins over a parameter, with no going back
//             (`/object/sign/b` is the sign route's or nothing, never an object `b` in a bucket `sign`);
//   :name     one segment, not empty;
//   *         last: the rest of the path, one or more segments joined by '/', not empty (an object name).
// Paths are decoded before they are matched (a path that does not decode is Storage's InvalidKey), except for
// routes marked `below`: they answer their path and every path under it, undecoded, before anything else
// (resumable uploads, whose upload URLs TUS builds and reads itself).
// A path or a method no route answers is Storage's 404 "Route <METHOD>:<path> not found".
import type { StorageHandler } from './context.js';
import { storageErrors } from './errors.js';

export interface StorageRoute {
  /** An HTTP method, several, or '*' for any. */
  method: string | readonly string[];
  path: string;
  /** Also answers every path under `path`, undecoded (see above). */
  below?: true;
  handler: StorageHandler;
}

export interface RouteMatch {
  route: StorageRoute;
  params: Record<string, string>;
}

interface Node {
  literals: Map<string, Node>;
  param: { name: string; node: Node } | null;
  /** Routes whose path ends in `*` here. */
  rest: StorageRoute[];
  /** Routes whose path ends here. */
  routes: StorageRoute[];
}

const newNode = (): Node => ({ literals: new Map(), param: null, rest: [], routes: [] });

export class RouteTable {
  private readonly below: StorageRoute[] = [];
  private readonly root = newNode();

  constructor(routes: readonly StorageRoute[]) {
    for (const route of routes) {
      if (route.below) this.below.push(route);
      else this.add(route);
    }
  }

  /** The route answering `method` at `rawPath` (below the prefix, undecoded); throws Storage's errors when none does. */
  match(method: string, rawPath: string): RouteMatch {
    for (const route of this.below) {
      if ((rawPath === route.path || rawPath.startsWith(`${route.path}/`)) && answers(route, method)) return { route, params: {} };
    }
    const path = decodePath(rawPath);
    const segments = path.split('/').slice(1); // drop the '' before the leading '/'
    const params: Record<string, string> = {};
    let node = this.root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] ?? '';
      const literal = node.literals.get(segment);
      if (literal) {
        node = literal;
        continue;
      }
      if (node.param && segment !== '') {
        params[node.param.name] = segment;
        node = node.param.node;
        continue;
      }
      const rest = segments.slice(i).join('/');
      return pick(rest === '' ? [] : node.rest, method, path, { ...params, '*': rest });
    }
    return pick(node.routes, method, path, params);
  }

  private add(route: StorageRoute): void {
    const segments = route.path.split('/').slice(1);
    let node = this.root;
    for (const [i, segment] of segments.entries()) {
      if (segment === '*') {
        if (i !== segments.length - 1) throw new Error(`storage route ${route.path}: '*' must be the last segment`);
        node.rest.push(route);
        return;
      }
      if (segment.startsWith(':')) {
        const name = segment.slice(1);
        if (node.param && node.param.name !== name) {
          throw new Error(`storage route ${route.path}: :${name} where another route has :${node.param.name}`);
        }
        node.param ??= { name, node: newNode() };
        node = node.param.node;
        continue;
      }
      let next = node.literals.get(segment);
      if (!next) {
        next = newNode();
        node.literals.set(segment, next);
      }
      node = next;
    }
    node.routes.push(route);
  }
}

function answers(route: StorageRoute, method: string): boolean {
  return route.method === '*' || route.method === method || (Array.isArray(route.method) && route.method.includes(method));
}

function pick(routes: StorageRoute[], method: string, path: string, params: Record<string, string>): RouteMatch {
  const route = routes.find((r) => answers(r, method));
  if (!route) throw storageErrors.notFoundRoute(method, path);
  return { route, params };
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw storageErrors.invalidKey(path);
  }
}
