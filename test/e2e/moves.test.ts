// `module move` and `video move`: with full ids, one HTTP request (the database takes the target as
// given); with names or id prefixes, one more that resolves them all. Counted by a proxy between the
// built CLI and the local backend, which records every request.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBackend, type TestBackend } from '../support/backend.js';
import { writeVideo } from '../support/media.js';
import { cliUser, json, type CliUser } from './video-support.js';

let backend: TestBackend;
let proxy: Server;
let alice: CliUser;
const seen: string[] = [];

/** Forwards every request to the backend as is (Host included) and records its method and path. */
function countingProxy(target: URL): Promise<Server> {
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${new URL(req.url ?? '/', target).pathname}`);
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  backend = await startTestBackend();
  proxy = await countingProxy(new URL(backend.url));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  // The backend checks Host against its own origin: the proxy sends the backend's.
  alice = await cliUser({ ...backend, url: proxyUrl }, await backend.signedInUser());
});
afterAll(async () => {
  proxy?.close();
  await backend?.close();
});

/** Runs the CLI and returns its result with the requests it made. */
async function counted(args: string[]) {
  seen.length = 0;
  const res = await alice.run(args);
  return { ...res, requests: [...seen] };
}

interface ModuleJson {
  id: string;
  name: string;
  position: number;
}

async function course(name: string, key: string, modules: string[]): Promise<{ id: string; modules: Record<string, string> }> {
  const session = json<{ id: string }>(await alice.run(['create', name, '--key', key, '--json']));
  const ids: Record<string, string> = {};
  for (const m of modules) ids[m] = json<{ id: string }>(await alice.run(['module', 'add', session.id, m, '--json'])).id;
  return { id: session.id, modules: ids };
}

async function order(sessionId: string): Promise<string[]> {
  return json<ModuleJson[]>(await alice.run(['module', 'ls', sessionId, '--json'])).map((m) => m.name);
}

describe('module move', () => {
  it('with full ids is one request, for every kind of target', async () => {
    const c = await course('Moves', 'moves', ['a', 'b', 'c', 'd']);
    const cases: Array<[string[], string[]]> = [
      [['--first'], ['c', 'a', 'b', 'd']],
      [['--last'], ['a', 'b', 'd', 'c']],
      [['--to', '2'], ['a', 'c', 'b', 'd']],
      [['--before', c.modules.a!], ['c', 'a', 'b', 'd']],
      [['--after', c.modules.d!], ['a', 'b', 'd', 'c']],
    ];
    for (const [flags, expected] of cases) {
      // Back to a, b, c, d first.
      await alice.run(['module', 'move', c.id, c.modules.c!, '--to', '3']);
      const res = await counted(['module', 'move', c.id, c.modules.c!, ...flags, '--json']);
      expect(res.exitCode, res.stderr).toBe(0);
      expect(res.requests).toEqual(['POST /rest/v1/rpc/move_module_to']);
      expect(json<ModuleJson & { count: number }>(res)).toMatchObject({ id: c.modules.c, name: 'c', position: expected.indexOf('c') + 1, count: 4 });
      expect(await order(c.id)).toEqual(expected);
    }
    // The session as typed is checked by the same request: a module of another session is not found.
    const other = await course('Other', 'other', ['x']);
    const wrong = await counted(['module', 'move', other.id, c.modules.a!, '--first']);
    expect(wrong.exitCode, wrong.stderr).toBe(4);
    expect(wrong.requests).toEqual(['POST /rest/v1/rpc/move_module_to']);
    const byKey = await counted(['module', 'move', 'moves', c.modules.a!, '--last']);
    expect(byKey.exitCode, byKey.stderr).toBe(0);
    expect(byKey.requests).toHaveLength(1);
  });

  it('with names and prefixes is one more request that resolves them all', async () => {
    const c = await course('Named moves', 'named', ['Setup', 'Joins', 'Wrap up']);
    const res = await counted(['module', 'move', 'Named moves', 'Wrap up', '--before', c.modules.Joins!.slice(0, 8)]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.requests).toEqual(['POST /rest/v1/rpc/resolve_refs', 'POST /rest/v1/rpc/move_module_to']);
    expect(res.stdout.trim()).toMatch(/Wrap up moved to position 2 of 3$/);
    expect(await order(c.id)).toEqual(['Setup', 'Wrap up', 'Joins']);

    const past = await counted(['module', 'move', 'named', 'Setup', '--to', '4']);
    expect(past.exitCode).toBe(2);
    expect(past.stderr).toMatch(/--to 4 is outside 1\.\.3/);
    expect(past.requests).toHaveLength(2);
    const unknown = await counted(['module', 'move', 'named', 'Nope', '--first']);
    expect(unknown.exitCode).toBe(4);
    expect(unknown.stderr).toMatch(/no module "Nope"/);
    expect(unknown.requests).toEqual(['POST /rest/v1/rpc/resolve_refs']);
  });
});

describe('video move', () => {
  it('with full ids is one request; with prefixes, two', async () => {
    const c = await course('Video moves', 'video-moves', ['m']);
    const dir = join(backend.dataDir, 'files');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    const files = [];
    for (const name of ['one.mp4', 'two.mp4', 'three.mp4']) {
      const file = join(dir, name);
      await writeVideo(file, 100_000 + files.length, 'mp4');
      files.push(file);
    }
    expect((await alice.run(['video', 'upload', c.modules.m!, ...files])).exitCode).toBe(0);
    const ids = json<Array<{ id: string; file_name: string }>>(await alice.run(['video', 'ls', c.modules.m!, '--json'])).map((v) => v.id);
    const names = async () => json<Array<{ file_name: string }>>(await alice.run(['video', 'ls', c.modules.m!, '--json'])).map((v) => v.file_name);

    const first = await counted(['video', 'move', ids[2]!, '--first', '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.requests).toEqual(['POST /rest/v1/rpc/move_video_to']);
    expect(json(first)).toMatchObject({ file_name: 'three.mp4', position: 1, count: 3 });
    expect(await names()).toEqual(['three.mp4', 'one.mp4', 'two.mp4']);

    const after = await counted(['video', 'move', ids[2]!.slice(0, 8), '--after', ids[1]!.slice(0, 8)]);
    expect(after.exitCode, after.stderr).toBe(0);
    expect(after.requests).toEqual(['POST /rest/v1/rpc/resolve_refs', 'POST /rest/v1/rpc/move_video_to']);
    expect(await names()).toEqual(['one.mp4', 'two.mp4', 'three.mp4']);

    const to = await counted(['video', 'move', ids[0]!, '--to', '2']);
    expect(to.requests).toHaveLength(1);
    expect(await names()).toEqual(['two.mp4', 'one.mp4', 'three.mp4']);
    const past = await counted(['video', 'move', ids[0]!, '--to', '4']);
    expect(past.exitCode).toBe(2);
    expect(past.stderr).toMatch(/--to 4 is outside 1\.\.3/);
    expect(past.requests).toHaveLength(1);
  });
});
