// Serves the device-login page (web/device/) at /device, as any static host would in production.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
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
      if (subpath === '/config.js') {
        // The page's project settings (web/device/config.example.js is the static-host form).
        const body = `window.SESSION_DEVICE_CONFIG = ${JSON.stringify({ supabaseUrl: backend.url(), anonKey: backend.keys.anonKey })};\n`;
        res.writeHead(200, {
          'Content-Type': TYPES['.js']!,
          'Content-Length': Buffer.byteLength(body),
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
          ...NO_FRAMING,
        });
        res.end(method === 'HEAD' ? undefined : body);
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
