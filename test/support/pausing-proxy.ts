// An HTTP reverse proxy in front of a test backend that can hold an upload still: it forwards
// every request, and once the tus upload bodies (application/offset+octet-stream, on POST or
// PATCH) it has passed on since `holdAfter` reach the given number of bytes, it passes on no
// more: the server keeps exactly what it got and waits; the client waits for an answer that does
// not come. Tests use it to interrupt an upload at a state they observe instead of racing a kill
// against the output. A client that goes away takes its upstream request with it.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PausingProxy {
  /** Base URL clients use instead of the backend's. */
  url: string;
  /**
   * From now on, passes on `bytes` more upload bytes, then holds; resolves once it holds.
   * Held requests are never released (their client is expected to be stopped).
   */
  holdAfter(bytes: number): Promise<void>;
  /** Passes everything on again (for requests that start after this). */
  release(): void;
  close(): Promise<void>;
}

const TUS_BODY = 'application/offset+octet-stream';

export async function startPausingProxy(target: string): Promise<PausingProxy> {
  const upstream = new URL(target);
  let budget = Number.POSITIVE_INFINITY;
  let reached: (() => void) | null = null;
  const sockets = new Set<import('node:net').Socket>();
  let base = '';

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const headers = { ...req.headers, host: upstream.host };
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
      const responseHeaders = { ...answer.headers };
      const location = answer.headers.location;
      if (location?.startsWith(upstream.origin)) responseHeaders.location = base + location.slice(upstream.origin.length);
      res.writeHead(answer.statusCode ?? 502, responseHeaders);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    const onClose = (): void => {
      out.destroy();
    };
    req.socket.once('close', onClose);
    res.once('finish', () => req.socket.off('close', onClose));
    if (req.headers['content-type'] !== TUS_BODY) {
      req.pipe(out);
      return;
    }
    let holding = false;
    req.on('data', (chunk: Buffer) => {
      if (holding) return; // read and dropped, so the client's close is seen
      const part = chunk.length <= budget ? chunk : chunk.subarray(0, budget);
      budget -= part.length;
      if (part.length > 0) out.write(part);
      if (budget <= 0) {
        holding = true;
        reached?.();
        reached = null;
      }
    });
    req.on('end', () => {
      if (!holding) out.end();
    });
  }

  const server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    holdAfter(bytes) {
      budget = bytes;
      return new Promise<void>((resolve) => {
        reached = resolve;
      });
    },
    release() {
      budget = Number.POSITIVE_INFINITY;
      reached = null;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
