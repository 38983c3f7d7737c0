// Serves the device-login page (web/device/) at /device, as any static host would in production.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { sendJson } from './http.js';
import type { BackendContext, BackendService, ServiceRequest } from './service-contract.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The page approves logins with one click, so no other site may frame it (clickjacking an approval would
 * hand the framing site's pending code the signed-in person's account).
 */
const NO_FRAMING = { 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "frame-ancestors 'none'" };

/** The `<script src="config.js">` of web/device/index.html, replaced by the inline settings locally. */
const CONFIG_SCRIPT = '<script src="config.js"></script>';

/**
 * The page with its project settings inlined as a JSON data block (not executable, so the page's CSP stays
 * `script-src 'self'`). Another origin cannot read it: the browser keeps cross-origin HTML opaque, the
 * backend refuses foreign Origins and Hosts, and the page may not be framed. A `<script src>` on another
 * site gets nothing, since no settings are served as script.
 */
async function servePage(res: ServiceRequest['res'], method: string, file: string, backend: BackendContext): Promise<void> {
  const html = await readFile(file, 'utf8');
  const settings = JSON.stringify({ supabaseUrl: backend.url(), anonKey: backend.keys.anonKey })
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
  const block = `<script type="application/json" id="session-device-config">${settings}</script>`;
  const body = html.includes(CONFIG_SCRIPT) ? html.replace(CONFIG_SCRIPT, () => block) : html.replace('</body>', () => `${block}\n</body>`);
  res.writeHead(200, {
    'Content-Type': TYPES['.html']!,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...NO_FRAMING,
  });
  res.end(method === 'HEAD' ? undefined : body);
}

export function deviceService(backend: BackendContext): BackendService {
  const root = path.resolve(backend.projectRoot, 'web', 'device');
  return {
    prefix: '/device',
    requiresApiKey: () => false,
    async handle({ req, res, method, path: subpath }: ServiceRequest) {
      if (method !== 'GET' && method !== 'HEAD') {
        sendJson(res, 405, { message: 'Method Not Allowed' });
        return;
      }
      if (subpath === '') {
        // /device → /device/ so the page's relative links resolve under it
        const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
        res.writeHead(301, { Location: `/device/${query}` });
        res.end();
        return;
      }
      let relative: string;
      try {
        relative = decodeURIComponent(subpath);
      } catch {
        sendJson(res, 400, { message: 'Bad Request' });
        return;
      }
      let file = path.resolve(root, `.${relative}`);
      if (file !== root && !file.startsWith(root + path.sep)) {
        sendJson(res, 404, { message: 'Not Found' });
        return;
      }
      try {
        let info = await stat(file);
        if (info.isDirectory()) {
          file = path.join(file, 'index.html');
          info = await stat(file);
        }
        if (file === path.join(root, 'index.html')) {
          await servePage(res, method, file, backend);
          return;
        }
        if (file === path.join(root, 'config.js') || file === path.join(root, 'config.example.js')) {
          // Settings reach the page inside its own HTML only; a script file any site could include is not served.
          sendJson(res, 404, { message: 'Not Found' });
          return;
        }
        res.writeHead(200, {
          'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Content-Length': info.size,
          'Cache-Control': 'no-cache',
          'X-Content-Type-Options': 'nosniff',
          ...NO_FRAMING,
        });
        if (method === 'HEAD') {
          res.end();
          return;
        }
        createReadStream(file).pipe(res);
      } catch {
        sendJson(res, 404, { message: 'Not Found' });
      }
    },
  };
}
