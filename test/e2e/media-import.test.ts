// Video lengths through `session import` and `session export`: the plan says how much video it
// adds, imported rows get their metadata, export writes duration_ms, and a re-import checks it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa, type Result } from 'execa';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';
import { fixturePath } from '../support/media-files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.SESSION_TEST_BIN ?? path.join(root, 'bin', 'session.js');

let backend: TestBackend;
let work: string;

beforeAll(async () => {
  backend = await startTestBackend();
  work = await mkdtemp(path.join(tmpdir(), 'media-import-e2e-'));
}, 120_000);

afterAll(async () => {
  await backend?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function cli(user: SignedInUser, args: string[]): Promise<Result> {
  return execa('node', [bin, ...args], {
    cwd: work,
    reject: false,
    env: {
      SUPABASE_URL: backend.url,
      SUPABASE_ANON_KEY: backend.anonKey,
      SESSION_ACCESS_TOKEN: user.session.access_token,
      XDG_CONFIG_HOME: path.join(work, `config-${user.id}`),
      XDG_STATE_HOME: path.join(work, `state-${user.id}`),
      NO_COLOR: '1',
      CI: 'true',
    },
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
