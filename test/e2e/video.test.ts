// `session video upload|ls|move|url|rm` as a user runs them: the built CLI against the local backend.
import { createHash } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import type { TestBackend } from '../support/backend.js';
import { writeText, writeVideo } from '../support/media.js';
import { startPausingProxy, type PausingProxy } from '../support/pausing-proxy.js';
import { BIN, cliUser, json, objectNames, sessionWithModule, twoUsers, type CliUser, type UploadJson } from './video-support.js';

const MiB = 1024 * 1024;

const fixture = twoUsers('video-e2e');
let backend: TestBackend;
let alice: CliUser;
let bob: CliUser;
let dir: string;
beforeAll(() => {
  ({ backend, alice, bob, dir } = fixture);
});

interface VideoJson {
  id: string;
  position: number;
  order_index: number;
  file_name: string;
  file_size: number;
  status: string;
  file_url: string;
  sha256: string;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('video upload, ls, move, url, rm', () => {
  it('uploads two files, lists, reorders, signs, removes; session rm leaves no object', async () => {
    const { sessionId, moduleId } = await sessionWithModule(alice, 'Two videos');
    const first = join(dir, 'Intro – part 1.mp4');
    const second = join(dir, 'setup.webm');
    const firstSha = await writeVideo(first, 7 * MiB + 5, 'mp4');
    const secondSha = await writeVideo(second, 300_000, 'webm');

    const up = await alice.run(['video', 'upload', moduleId, first, second, '--json']);
    expect(up.exitCode, up.stderr).toBe(0);
    const report = json<UploadJson>(up);
    expect(report.files.map((f) => [f.status, f.bytes_sent, f.error])).toEqual([
      ['uploaded', 7 * MiB + 5, null],
      ['uploaded', 300_000, null],
    ]);
    // Piped stderr: plain lines, no escape codes.
    expect(up.stderr).toMatch(/Intro – part 1\.mp4: uploaded 7\.0 MiB/);
    expect(up.stderr).not.toMatch(/\u001b/);

    const ls = json<VideoJson[]>(await alice.run(['video', 'ls', moduleId, '--json']));
    expect(ls.map((v) => [v.position, v.order_index, v.file_name, v.file_size, v.status, v.sha256])).toEqual([
      [1, 0, 'Intro – part 1.mp4', 7 * MiB + 5, 'ready', firstSha],
      [2, 1, 'setup.webm', 300_000, 'ready', secondSha],
    ]);
    expect(ls[0]!.file_url).toMatch(new RegExp(`^${alice.user.id}/${sessionId}/${moduleId}/${ls[0]!.id}/intro-part-1\\.mp4$`));

    const tsv = await alice.run(['video', 'ls', moduleId.slice(0, 8)]);
    // LENGTH and RESOLUTION: writeVideo's files are one 16x16 frame of 100 ms.
    expect(tsv.stdout.trim().split('\n').map((l) => l.split('\t'))).toEqual([
      ['1', ls[0]!.id, 'Intro – part 1.mp4', String(7 * MiB + 5), '0:00', '16×16', 'ready'],
      ['2', ls[1]!.id, 'setup.webm', '300000', '0:00', '16×16', 'ready'],
    ]);

    const moved = await alice.run(['video', 'move', ls[1]!.id.slice(0, 6), '--to', '1', '--json']);
    expect(moved.exitCode, moved.stderr).toBe(0);
    expect(json<{ file_name: string; position: number; count: number }>(moved)).toMatchObject({ file_name: 'setup.webm', position: 1, count: 2 });
    expect(json<VideoJson[]>(await alice.run(['video', 'ls', moduleId, '--json'])).map((v) => v.file_name)).toEqual(['setup.webm', 'Intro – part 1.mp4']);
    const outOfRange = await alice.run(['video', 'move', ls[1]!.id, '--to', '3']);
    expect(outOfRange.exitCode).toBe(2);
    expect(outOfRange.stderr).toMatch(/--to 3 is outside 1\.\.2/);
    const badAnchor = await alice.run(['video', 'move', ls[1]!.id, '--after', 'Intro']);
    expect(badAnchor.exitCode).toBe(2);
    expect(badAnchor.stderr).toMatch(/"Intro" is not a video id/);

    for (const [video, expected] of [
      [ls[0]!, firstSha],
      [ls[1]!, secondSha],
    ] as const) {
      const signed = await alice.run(['video', 'url', video.id, '--expires', '120']);
      expect(signed.exitCode, signed.stderr).toBe(0);
      const url = signed.stdout.trim();
      expect(url).toMatch(new RegExp(`^${backend.url}/storage/v1/object/sign/videos/`));
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(expected);
    }
    const badExpiry = await alice.run(['video', 'url', ls[0]!.id, '--expires', 'soon']);
    expect(badExpiry.exitCode).toBe(2);

    const removed = await alice.run(['video', 'rm', ls[1]!.id, '--yes', '--json']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(json<{ objects_removed: number }>(removed).objects_removed).toBe(1);
    expect(await objectNames(backend, `${alice.user.id}/${sessionId}/`)).toEqual([ls[0]!.file_url]);
    const noConfirm = await alice.run(['video', 'rm', ls[0]!.id]);
    expect(noConfirm.exitCode).toBe(2);

    const gone = await alice.run(['rm', sessionId, '--yes']);
    expect(gone.exitCode, gone.stderr).toBe(0);
    expect(await objectNames(backend, `${alice.user.id}/${sessionId}/`)).toEqual([]);
  });

  it('reports the same file again as unchanged and sends nothing', async () => {
    const { moduleId } = await sessionWithModule(alice, 'Again');
    const file = join(dir, 'again.mov');
    await writeVideo(file, 2 * MiB, 'mov');
    expect((await alice.run(['video', 'upload', moduleId, file])).exitCode).toBe(0);
    const again = await alice.run(['video', 'upload', moduleId, file, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(json<UploadJson>(again).files).toEqual([{ file, status: 'unchanged', video_id: expect.any(String), bytes_sent: 0, error: null }]);
    expect(again.stderr).toContain('again.mov: unchanged, nothing sent');
    const ls = json<VideoJson[]>(await alice.run(['video', 'ls', moduleId, '--json']));
    expect(ls).toHaveLength(1);
  });

  it('refuses bad files with one line each while the valid ones upload (exit 6), leaving nothing for them', async () => {
    const { sessionId, moduleId } = await sessionWithModule(alice, 'Refusals');
    const good = join(dir, 'good.mp4');
    const goodToo = join(dir, 'good.mkv');
    await writeVideo(good, 1 * MiB, 'mp4');
    await writeVideo(goodToo, 1 * MiB, 'mkv');
    const folder = join(dir, 'a-folder');
    await mkdir(folder, { recursive: true });
    await writeText(join(dir, 'notes.txt'));
    await writeText(join(dir, 'renamed.mp4'), 'plain text with a video name\n'.repeat(50));
    await writeText(join(dir, 'empty.mp4'), '');
    // Sparse: one byte over the bucket's 50 GiB limit, without writing 50 GiB.
    const huge = await open(join(dir, 'huge.mp4'), 'w');
    await huge.truncate(53_687_091_200 + 1);
    await huge.close();
    const args = ['missing.mp4', folder, join(dir, 'notes.txt'), good, join(dir, 'renamed.mp4'), join(dir, 'empty.mp4'), join(dir, 'huge.mp4'), goodToo];

    const res = await alice.run(['video', 'upload', moduleId, ...args, '--json'], { cwd: dir });
    expect(res.exitCode, res.stderr).toBe(6);
    const lines = res.stderr.split('\n');
    const expectLine = (re: RegExp) => expect(lines.filter((l) => re.test(l)), res.stderr).toHaveLength(1);
    expectLine(/^missing\.mp4: no such file$/);
    expectLine(/a-folder: is a directory, not a video file$/);
    expectLine(/notes\.txt: not a video \(text\/plain\); allowed: mp4, mov, webm, mkv, m4v, avi$/);
    expectLine(/renamed\.mp4: not a video: its contents are not mp4/);
    expectLine(/empty\.mp4: empty file \(0 bytes\)$/);
    expectLine(/huge\.mp4: 50\.0 GiB is over the upload limit of 50\.0 GiB|huge\.mp4: 53687091201 bytes is over the upload limit of 53687091200 bytes$/);
    expect(res.stderr).toMatch(/6 refused of 8 files\nhint: fix or leave out the refused files; the others are done/);
    const report = json<UploadJson>(res);
    expect(report.files.map((f) => f.status)).toEqual(['refused', 'refused', 'refused', 'uploaded', 'refused', 'refused', 'refused', 'uploaded']);
    expect(report.files.filter((f) => f.status === 'refused').every((f) => f.video_id === null && f.bytes_sent === 0)).toBe(true);

    const ls = json<VideoJson[]>(await alice.run(['video', 'ls', moduleId, '--json']));
    expect(ls.map((v) => v.file_name)).toEqual(['good.mp4', 'good.mkv']);
    expect(await objectNames(backend, `${alice.user.id}/${sessionId}/`)).toHaveLength(2);
    const { rows } = await backend.db.pool.query('select count(*)::int as n from public.videos where module_id = $1', [moduleId]);
    expect(rows[0].n).toBe(2);

    // Every file refused: the hint does not speak of others.
    const none = await alice.run(['video', 'upload', moduleId, 'missing.mp4'], { cwd: dir });
    expect(none.exitCode, none.stderr).toBe(6);
    expect(none.stderr).toMatch(/1 refused of 1 file\nhint: nothing was uploaded: fix the files the report names, then run again/);
  });

  it("keeps another user out: no upload, list, sign, move or delete of someone else's videos (exit 4)", async () => {
    const { sessionId, moduleId } = await sessionWithModule(alice, 'Private');
    const file = join(dir, 'private.mp4');
    await writeVideo(file, 500_000, 'mp4');
    expect((await alice.run(['video', 'upload', moduleId, file])).exitCode).toBe(0);
    const [video] = json<VideoJson[]>(await alice.run(['video', 'ls', moduleId, '--json']));

    const intruder = join(dir, 'intruder.mp4');
    await writeVideo(intruder, 500_000, 'mp4');
    const attempts = [
      ['video', 'upload', moduleId, intruder],
      ['video', 'upload', moduleId.slice(0, 8), intruder],
      ['video', 'ls', moduleId],
      ['video', 'url', video!.id],
      ['video', 'move', video!.id, '--to', '1'],
      ['video', 'rm', video!.id, '--yes'],
      ['video', 'rm', video!.id.slice(0, 8), '--yes'],
    ];
    for (const args of attempts) {
      const res = await bob.run(args);
      expect(res.exitCode, `${args.join(' ')}\n${res.stderr}`).toBe(4);
    }
    expect(json<VideoJson[]>(await alice.run(['video', 'ls', moduleId, '--json'])).map((v) => v.id)).toEqual([video!.id]);
    expect(await objectNames(backend, `${alice.user.id}/${sessionId}/`)).toEqual([video!.file_url]);
    expect(await objectNames(backend, `${bob.user.id}/`)).toEqual([]);
  });
});

describe('resuming an interrupted upload', () => {
  let proxy: PausingProxy;
  let carol: CliUser;
  beforeAll(async () => {
    proxy = await startPausingProxy(backend.url);
    carol = await cliUser(backend, await backend.signedInUser(), proxy.url);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  /**
   * Starts an upload through the proxy, holds it still once 15 MiB (25 %) have reached the
   * server (the next run must resume there, not at 0), then stops the CLI with `signal`: the point of interruption is observed, not raced.
   */
  async function interrupted(cli: CliUser, moduleId: string, file: string, signal: 'SIGKILL' | 'SIGINT') {
    const held = proxy.holdAfter(15 * MiB);
    const child = cli.spawn(['video', 'upload', moduleId, file]);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await held;
    child.kill(signal);
    const result = await child;
    proxy.release();
    return { result, stderr: stderr + String(result.stderr ?? '') };
  }

  for (const signal of ['SIGKILL', 'SIGINT'] as const) {
    it(`resumes a 60 MiB upload stopped by ${signal}, and the stored bytes match`, async () => {
      const alice = carol;
      const { moduleId } = await sessionWithModule(alice, `Resume ${signal}`);
      const file = join(dir, `sixty-${signal}.mp4`);
      const fileSha = await writeVideo(file, 60 * MiB, 'mp4');

      const { result, stderr } = await interrupted(alice, moduleId, file, signal);
      if (signal === 'SIGKILL') {
        expect(result.signal, stderr).toBe('SIGKILL');
      } else {
        expect(result.exitCode, `${result.signal} ${stderr}`).toBe(130);
        expect(stderr).toMatch(/interrupted; 1 file not finished/);
        expect(stderr).toMatch(/run the same command again to resume/);
      }
      const state = JSON.parse(await readFile(join(alice.env.XDG_STATE_HOME!, 'session', 'uploads.json'), 'utf8')) as { uploads: Record<string, unknown> };
      expect(Object.keys(state.uploads).length).toBeGreaterThan(0);
      const [row] = json<VideoJson[]>(await alice.run(['video', 'ls', moduleId, '--json']));
      expect(row!.status).toBe('uploading');

      const again = await alice.run(['video', 'upload', moduleId, file, '--json']);
      expect(again.exitCode, again.stderr).toBe(0);
      const [entry] = json<UploadJson>(again).files;
      expect(entry!.status).toBe('uploaded');
      expect(entry!.video_id).toBe(row!.id);
      // The proxy passed on 15 MiB; the server kept what reached its disk before the cut (at most
      // that), and the rest, not the whole file, is sent again.
      expect(entry!.bytes_sent).toBeGreaterThanOrEqual(45 * MiB);
      expect(entry!.bytes_sent).toBeLessThan(60 * MiB);
      expect(again.stderr).toMatch(/resuming at \d/);

      const { data, error } = await backend.admin().storage.from('videos').download(row!.file_url);
      expect(error).toBeNull();
      expect(sha(new Uint8Array(await data!.arrayBuffer()))).toBe(fileSha);
      const [ready] = json<VideoJson[]>(await alice.run(['video', 'ls', moduleId, '--json']));
      expect(ready!.status).toBe('ready');
      // Finished uploads leave no resume state behind.
      const after = JSON.parse(await readFile(join(alice.env.XDG_STATE_HOME!, 'session', 'uploads.json'), 'utf8')) as { uploads: Record<string, unknown> };
      expect(Object.keys(after.uploads).filter((k) => k.includes(row!.id))).toEqual([]);
    }, 240_000);
  }
});

describe('progress output', () => {
  it('draws bars under a pseudo-terminal and plain lines when piped', async () => {
    const { moduleId } = await sessionWithModule(alice, 'Progress');
    const file = join(dir, 'bars.mp4');
    await writeVideo(file, 20 * MiB, 'mp4');
    const piped = join(dir, 'piped.webm');
    await writeVideo(piped, 3 * MiB, 'webm');

    // `script` (util-linux) gives the command a pseudo-terminal.
    {
      const tty = await execa('script', ['-qec', `node ${BIN} video upload ${moduleId} ${file}`, '/dev/null'], {
        env: { ...alice.env, TERM: 'xterm' },
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
      });
      expect(tty.exitCode, String(tty.stdout)).toBe(0);
      const out = String(tty.stdout);
      expect(out).toMatch(/\u001b\[/); // cursor movement: the bars redraw
      expect(out).toContain('Uploading');
      expect(out).toMatch(/bars\.mp4 {2}uploaded 20\.0 MiB/);
    }

    const plain = await alice.run(['video', 'upload', moduleId, piped]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stderr).not.toMatch(/\u001b/);
    expect(plain.stderr.split('\n')).toContain('piped.webm: uploading 3.0 MiB'.replace('piped.webm', piped));
    expect(plain.stdout.split('\t').slice(0, 2)).toEqual([piped, 'uploaded']);
  });
});
