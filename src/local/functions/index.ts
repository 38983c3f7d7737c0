// /functions/v1/<name>: runs supabase/functions/<name>/index.ts (Deno code, see loader.ts) for each
// request, with the environment Supabase injects and the verify_jwt check of supabase/config.toml.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { clientAddress, sendJson } from '../http.js';
import type { BackendContext, BackendService, ServiceRequest } from '../service-contract.js';
import { functionConfig } from './config.js';
import { FunctionLoader } from './loader.js';

const NAME = /^[A-Za-z0-9_-]+$/;

export function functionsService(backend: BackendContext): BackendService {
  const loader = new FunctionLoader(() => functionEnv(backend));

  async function handle({ req, res, method, path: subpath, url, auth }: ServiceRequest): Promise<void> {
    const match = /^\/([^/]+)(\/.*)?$/.exec(subpath);
    const name = match ? decodeURIComponent(match[1]!) : '';
    const rest = match?.[2] ?? '';
    const config = NAME.test(name) ? functionConfig(backend.projectRoot, name) : null;
    const entry = config ? path.resolve(backend.projectRoot, config.entrypoint ?? path.join('supabase', 'functions', name, 'index.ts')) : null;
    if (!config || !entry || !config.enabled || !existsSync(entry)) {
      sendJson(res, 404, { code: 'NOT_FOUND', message: 'Requested function was not found' });
      return;
    }
    // verify_jwt: the Authorization header must hold a JWT signed with the project secret (the anon
    // key, the service-role key or a user's access token). Preflights pass, as on Supabase.
    if (config.verifyJwt && method !== 'OPTIONS') {
      const header = req.headers.authorization;
      if (!header) {
        sendJson(res, 401, { code: 'UNAUTHORIZED_NO_AUTH_HEADER', message: 'Missing authorization header' });
        return;
      }
      if (!auth.verified?.ok || auth.token?.startsWith('sb_')) {
        sendJson(res, 401, { code: 'UNAUTHORIZED_INVALID_JWT_FORMAT', message: 'Invalid JWT' });
        return;
      }
    }

    let handler;
    try {
      handler = await loader.handler(entry);
    } catch (err) {
      backend.log(`functions: ${name} failed to load: ${err instanceof Error ? err.message : String(err)}`);
      sendJson(res, 500, { code: 'BOOT_ERROR', message: 'Function failed to start (please check logs)' });
      return;
    }

    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
    }
    // The gateway reports the caller's address, as Supabase's does; what the client sent is not kept.
    for (const name of ['x-forwarded-for', 'x-real-ip', 'cf-connecting-ip']) headers.delete(name);
    headers.set('x-forwarded-for', clientAddress(req));
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const request = new Request(`${backend.url()}/${name}${rest}${url.search}`, {
      method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>) : undefined,
      duplex: 'half',
    } as RequestInit);

    let response: Response;
    try {
      response = await handler(request);
      if (!(response instanceof Response)) throw new Error('the handler did not return a Response');
    } catch (err) {
      backend.log(`functions: ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendJson(res, 500, { code: 'WORKER_ERROR', message: 'Function exited due to an error (please check logs)' });
      return;
    }
    const outHeaders: Record<string, string | string[]> = {};
    response.headers.forEach((value, key) => {
      if (key === 'set-cookie') return;
      outHeaders[key] = value;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length) outHeaders['set-cookie'] = cookies;
    res.writeHead(response.status, outHeaders);
    if (!response.body || method === 'HEAD') {
      res.end();
      return;
    }
    Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  return {
    prefix: '/functions/v1',
    // Functions answer webhooks and browsers too; verify_jwt is their only gate, as on Supabase.
    requiresApiKey: () => false,
    handle,
  };
}

/**
 * What a function sees in Deno.env: supabase/functions/.env (as `supabase functions serve` reads it),
 * then the values Supabase injects into every function.
 */
function functionEnv(backend: BackendContext): Record<string, string> {
  const env: Record<string, string> = { ...readDotEnv(path.join(backend.projectRoot, 'supabase', 'functions', '.env')) };
  Object.assign(env, backend.functionEnv);
  Object.assign(env, {
    SUPABASE_URL: backend.url(),
    SUPABASE_ANON_KEY: backend.keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: backend.keys.serviceRoleKey,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: backend.keys.publishableKey }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: backend.keys.secretKey }),
    SUPABASE_DB_URL: backend.databaseUrl,
  });
  return env;
}

function readDotEnv(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (/^"(.*)"$/.test(value)) value = value.slice(1, -1).replace(/\\n/g, '\n');
    else if (/^'(.*)'$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[m[1]!] = value;
  }
  return out;
}
