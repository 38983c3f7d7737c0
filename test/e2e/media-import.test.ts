// Video lengths through `session import` and `session export`: the plan says how much video it
// adds, imported rows get their metadata, export writes duration_ms, and a re-import checks it.
// The metadata of an import's rows is written in one request (counted by a proxy between the built
// CLI and the local backend), and each file's container is read once per run (counted in process).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execa, type Result } from 'execa';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';
import { fixturePath } from '../support/media-files.js';
import { FileRangeReader, readVideoMetadata, type ContainerFamily } from '../../src/core/media.js';
import { IO } from '../../src/base/io.js';
import { createContext } from '../../src/core/context.js';
import { run as runImport } from '../../src/commands/import.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.SESSION_TEST_BIN ?? path.join(root, 'bin', 'session.js');

let backend: TestBackend;
let work: string;
let proxy: Server;
let proxyUrl: string;
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
  work = await mkdtemp(path.join(tmpdir(), 'media-import-e2e-'));
  proxy = await countingProxy(new URL(backend.url));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  proxy?.close();
  await backend?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function env(user: SignedInUser, url = backend.url): Record<string, string> {
  return {
    SUPABASE_URL: url,
    SUPABASE_ANON_KEY: backend.anonKey,
    SESSION_ACCESS_TOKEN: user.session.access_token,
    XDG_CONFIG_HOME: path.join(work, `config-${user.id}`),
    XDG_STATE_HOME: path.join(work, `state-${user.id}`),
    NO_COLOR: '1',
    CI: 'true',
  };
}

function cli(user: SignedInUser, args: string[], url = backend.url): Promise<Result> {
  return execa('node', [bin, ...args], {
    cwd: work,
    reject: false,
    env: env(user, url),
    extendEnv: false,
    timeout: 60_000,
  });
}

interface Tree {
  duration_ms: number | null;
  modules: Array<{ key: string; duration_ms: number | null; videos: Array<{ file_name: string; duration_ms: number | null; width: number | null; height: number | null }> }>;
}

async function treeOf(user: SignedInUser, key: string): Promise<Tree> {
  const { data } = await user.client.from('sessions').select('id').eq('key', key).eq('user_id', user.id);
  const id = (data as Array<{ id: string }>)[0]!.id;
  const { data: tree, error } = await user.client.rpc('session_tree', { p_session_id: id });
  if (error) throw new Error(error.message);
  return tree as Tree;
}

describe('lengths in import and export', () => {
  it('plans the length to add, records it, exports it, and a re-import checks it', async () => {
    const ada = await backend.signedInUser();
    const bob = await backend.signedInUser();
    const source = path.join(work, 'media-course');
    await mkdir(path.join(source, '01-intro'), { recursive: true });
    await mkdir(path.join(source, '02-more'), { recursive: true });
    await copyFile(fixturePath('lecture.mp4'), path.join(source, '01-intro/lecture.mp4'));
    await copyFile(fixturePath('vp9-opus.webm'), path.join(source, '01-intro/talk.webm'));
    await copyFile(fixturePath('h264-aac.mkv'), path.join(source, '02-more/demo.mkv'));

    const dry = await cli(ada, ['import', source, '--dry-run', '--json']);
    expect(dry.exitCode, String(dry.stderr)).toBe(0);
    expect(JSON.parse(String(dry.stdout)).summary).toMatchObject({ upload_files: 3, upload_duration_ms: 2000 + 2007 + 1046 });
    expect(String(dry.stderr)).toMatch(/3 files to upload \([\d.]+ KiB, 0:05 of video\)/);

    const imported = await cli(ada, ['import', source]);
    expect(imported.exitCode, String(imported.stderr)).toBe(0);
    const tree = await treeOf(ada, 'media-course');
    expect(tree.duration_ms).toBe(5053);
    expect(tree.modules.map((m) => [m.key, m.duration_ms])).toEqual([
      ['01-intro', 4007],
      ['02-more', 1046],
    ]);
    expect(tree.modules[0]!.videos.map((v) => [v.file_name, v.duration_ms, v.width, v.height])).toEqual([
      ['lecture.mp4', 2000, 160, 90],
      ['talk.webm', 2007, 160, 120],
    ]);

    const out = path.join(work, 'media-backup');
    const exported = await cli(ada, ['export', 'media-course', '-o', path.join(out, 'course.yaml'), '--with-files', path.join(out, 'files')]);
    expect(exported.exitCode, String(exported.stderr)).toBe(0);
    const manifest = await readFile(path.join(out, 'course.yaml'), 'utf8');
    expect(manifest).toMatch(/file: files\/01-intro\/lecture\.mp4\n\s+duration_ms: 2000\n/);
    expect(manifest).toMatch(/duration_ms: 1046\n/);

    // Another author imports the export: the durations check out and are recorded again.
    const again = await cli(bob, ['import', path.join(out, 'course.yaml')]);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect((await treeOf(bob, 'media-course')).duration_ms).toBe(5053);

    // A manifest whose file is not the one exported: refused, naming the line; nothing written.
    const wrong = manifest.replace('duration_ms: 1046', 'duration_ms: 90000');
    const wrongFile = path.join(out, 'wrong.yaml');
    await writeFile(wrongFile, wrong.replace('key: media-course', 'key: media-course-2'));
    const refused = await cli(bob, ['import', wrongFile]);
    expect(refused.exitCode, String(refused.stderr)).toBe(2);
    expect(String(refused.stderr)).toMatch(/wrong\.yaml:\d+: sessions\[0\]\.modules\[1\]\.videos\[0\]\.file: files\/02-more\/demo\.mkv lasts 1046 ms \(0:01\), not the 90000 ms the manifest states/);
    const { data } = await bob.client.from('sessions').select('id').eq('key', 'media-course-2');
    expect(data).toEqual([]);
  }, 120_000);
});

/** Six different videos in two modules (every container the reader parses). */
const COURSE: Array<[string, string]> = [
  ['01-intro/lecture.mp4', 'lecture.mp4'],
  ['01-intro/talk.webm', 'vp9-opus.webm'],
  ['01-intro/demo.mkv', 'h264-aac.mkv'],
  ['02-more/tiny.mov', 'tiny.mov'],
  ['02-more/old.webm', 'vp8-vorbis.webm'],
  ['02-more/fast.mp4', 'faststart.mp4'],
];

async function courseFolder(name: string): Promise<string> {
  const source = path.join(work, name);
  for (const [file, fixture] of COURSE) {
    await mkdir(path.dirname(path.join(source, file)), { recursive: true });
    await copyFile(fixturePath(fixture), path.join(source, file));
  }
  return source;
}

/** What each file's container says, read here directly: what the rows must hold. */
async function expectedMedia(): Promise<Array<[string, Record<string, unknown>]>> {
  const families: Record<string, ContainerFamily> = { mp4: 'isobmff', mov: 'isobmff', webm: 'matroska', mkv: 'matroska' };
  const out: Array<[string, Record<string, unknown>]> = [];
  for (const [file, fixture] of COURSE) {
    const probe = await readVideoMetadata(fixturePath(fixture), families[path.extname(fixture).slice(1)]!);
    if (!probe.ok || !probe.media) throw new Error(`${fixture} has no metadata`);
    const { duration_ms, width, height, video_codec, audio_codec } = probe.media;
    out.push([path.basename(file), { duration_ms, width, height, video_codec, audio_codec }]);
  }
  return out;
}

async function storedMedia(user: SignedInUser, key: string): Promise<Array<[string, Record<string, unknown>]>> {
  const tree = (await treeOf(user, key)) as unknown as { modules: Array<{ videos: Array<Record<string, unknown> & { file_name: string }> }> };
  return tree.modules.flatMap((m) =>
    m.videos.map((v) => [v.file_name, { duration_ms: v.duration_ms, width: v.width, height: v.height, video_codec: v.video_codec, audio_codec: v.audio_codec }] as [string, Record<string, unknown>]),
  );
}

describe('the metadata of an import', () => {
  it('is written in one request for all new rows, not one update per file', async () => {
    const cy = await backend.signedInUser();
    const source = await courseFolder('one-request');
    seen.length = 0;
    const imported = await cli(cy, ['import', source, '--json'], proxyUrl);
    expect(imported.exitCode, String(imported.stderr)).toBe(0);
    const requests = [...seen];
    expect(JSON.parse(String(imported.stdout)).uploads.files.map((f: { status: string }) => f.status)).toEqual(COURSE.map(() => 'uploaded'));
    expect(requests.filter((r) => r === 'POST /rest/v1/rpc/set_videos_media')).toHaveLength(1);
    expect(requests.filter((r) => r.startsWith('PATCH /rest/v1/videos'))).toEqual([]);
    expect(requests.filter((r) => r === 'POST /rest/v1/rpc/import_session')).toHaveLength(1);
    expect(Object.fromEntries(await storedMedia(cy, 'one-request'))).toEqual(Object.fromEntries(await expectedMedia()));

    // Nothing to record when every row has its metadata: the same import again sends no such request.
    seen.length = 0;
    const again = await cli(cy, ['import', source], proxyUrl);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect(seen.filter((r) => r.includes('set_videos_media') || r.startsWith('PATCH /rest/v1/videos'))).toEqual([]);
  }, 120_000);

  it('reads each file\'s container once: for the plan, the file checks and the uploads together', async () => {
    const dee = await backend.signedInUser();
    const source = await courseFolder('read-once');
    const opened = vi.spyOn(FileRangeReader, 'open');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.resume();
    stderr.resume();
    try {
      const io = new IO({ stdout, stderr, env: env(dee), json: true, noInput: true });
      await runImport({ source, dryRun: false, prune: false, printManifest: false, yes: true }, createContext(io, { cwd: work }));
      const reads = new Map<string, number>();
      for (const [file] of opened.mock.calls) reads.set(String(file), (reads.get(String(file)) ?? 0) + 1);
      expect(Object.fromEntries(reads)).toEqual(Object.fromEntries(COURSE.map(([file]) => [path.join(source, file), 1])));
    } finally {
      opened.mockRestore();
    }
    expect(Object.fromEntries(await storedMedia(dee, 'read-once'))).toEqual(Object.fromEntries(await expectedMedia()));
  }, 120_000);

  it('a failed metadata request ends the import with the rows in place and says to run it again, which completes it', async () => {
    const eve = await backend.signedInUser();
    const source = await courseFolder('media-refused');
    await backend.db.pool.query('revoke execute on function public.set_videos_media(jsonb) from authenticated');
    let failed: Result;
    try {
      failed = await cli(eve, ['import', source]);
    } finally {
      await backend.db.pool.query('grant execute on function public.set_videos_media(jsonb) to authenticated');
    }
    const stderr = String(failed.stderr);
    expect(failed.exitCode, stderr).not.toBe(0);
    expect(stderr).toMatch(/^error: the rows are written, but recording the videos' metadata failed: /m);
    expect(stderr).toMatch(/^hint: the rows are in place: run the same import again; it records the metadata and uploads the files$/m);
    expect((await treeOf(eve, 'media-refused')).modules.flatMap((m) => m.videos)).toHaveLength(COURSE.length);

    const again = await cli(eve, ['import', source]);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect(Object.fromEntries(await storedMedia(eve, 'media-refused'))).toEqual(Object.fromEntries(await expectedMedia()));
  }, 120_000);
});
