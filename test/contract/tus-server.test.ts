// The contract src/local/storage/tus-direct-body.ts relies on: @tus/server's POST and PATCH handlers
// read `req.body` after onIncomingRequest and write it through `writeToStore`, taking the offset it
// returns. A real server, a real file store and real requests: an upgrade that changes either
// internal fails here, not silently in the storage service.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interceptBodyWrites, useDirectBody } from '../../src/local/storage/tus-direct-body.js';

let dir: string;
let http: HttpServer;
let base: string;
const direct: Array<{ method: string | undefined; offset: number }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tus-contract-'));
  const tus = new Server({
    path: '/files',
    datastore: new FileStore({ directory: dir }),
    onIncomingRequest: async (req) => {
      const node = req.runtime?.node?.req as IncomingMessage | undefined;
      if (node && (req.method === 'POST' || req.method === 'PATCH')) useDirectBody(req, node);
    },
  });
  interceptBodyWrites(tus, (source, upload, maxBodySize, context, library) => {
    direct.push({ method: source.method, offset: upload.offset });
    // Through the library's own writer, fed from the node request: the offset it returns must be the one answered.
    return library(Readable.toWeb(source) as ReadableStream, upload, maxBodySize, context);
  });
  http = createServer((req, res) => void tus.handle(req, res));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const address = http.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  http?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('@tus/server internals used by the storage service', () => {
  it('hands POST (creation with upload) and PATCH bodies to writeToStore, after onIncomingRequest', async () => {
    const first = Buffer.from('hello, ');
    const rest = Buffer.from('world');
    const created = await fetch(`${base}/files`, {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(first.length + rest.length),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: first,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('upload-offset')).toBe(String(first.length));
    const location = created.headers.get('location')!;
    const patched = await fetch(location, {
      method: 'PATCH',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': String(first.length), 'Content-Type': 'application/offset+octet-stream' },
      body: rest,
    });
    expect(patched.status).toBe(204);
    expect(patched.headers.get('upload-offset')).toBe(String(first.length + rest.length));
    expect(direct).toEqual([
      { method: 'POST', offset: 0 },
      { method: 'PATCH', offset: first.length },
    ]);
    const id = location.split('/').pop()!;
    expect(await readFile(join(dir, id), 'utf8')).toBe('hello, world');
  });
});
