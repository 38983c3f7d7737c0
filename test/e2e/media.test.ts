// Video metadata as a course author meets it: the built CLI reads real videos before upload,
// refuses a truncated one, and shows lengths and frame sizes in every listing.
import { copyFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestBackend } from '../support/backend.js';
import { fixturePath } from '../support/media-files.js';
import { json, sessionWithModule, twoUsers, type CliUser, type UploadJson } from './video-support.js';

const fixture = twoUsers('media-e2e');
let backend: TestBackend;
let alice: CliUser;
let dir: string;
beforeAll(() => {
  ({ backend, alice, dir } = fixture);
});

interface VideoJson {
  file_name: string;
  duration_ms: number | null;
  width: number | null;
  height: number | null;
  video_codec: string | null;
  audio_codec: string | null;
}

describe('video metadata', () => {
  it('reads each file at upload, refuses a truncated one (exit 6), and shows lengths everywhere', async () => {
    const { sessionId, moduleId } = await sessionWithModule(alice, 'Course with length');
    // The file people upload cut in half: its moov box (at the end) never arrived.
    const cut = join(dir, 'lecture.mp4');
    await copyFile(fixturePath('lecture.mp4'), cut);
    await truncate(cut, Math.floor((await stat(cut)).size / 2));
    const files = [fixturePath('lecture.mp4'), 'lecture.mp4', fixturePath('vp9-opus.webm'), fixturePath('silent.mov'), fixturePath('clip.avi')];

    const up = await alice.run(['video', 'upload', moduleId, ...files, '--json'], { cwd: dir });
    expect(up.exitCode, up.stderr).toBe(6);
    const refusals = up.stderr.split('\n').filter((l) => l.includes('not a playable video'));
    expect(refusals, up.stderr).toEqual(['lecture.mp4: not a playable video (moov box missing)']);
    expect(json<UploadJson>(up).files.map((f) => f.status)).toEqual(['uploaded', 'refused', 'uploaded', 'uploaded', 'uploaded']);

    const ls = json<VideoJson[]>(await alice.run(['video', 'ls', moduleId, '--json']));
    expect(ls.map(({ file_name, duration_ms, width, height, video_codec, audio_codec }) => ({ file_name, duration_ms, width, height, video_codec, audio_codec }))).toEqual([
      { file_name: 'lecture.mp4', duration_ms: 2000, width: 160, height: 90, video_codec: 'h264', audio_codec: 'aac' },
      { file_name: 'vp9-opus.webm', duration_ms: 2007, width: 160, height: 120, video_codec: 'vp9', audio_codec: 'opus' },
      { file_name: 'silent.mov', duration_ms: 3000, width: 176, height: 144, video_codec: 'h264', audio_codec: null },
      { file_name: 'clip.avi', duration_ms: null, width: null, height: null, video_codec: null, audio_codec: null },
    ]);
    const tsv = await alice.run(['video', 'ls', moduleId]);
    expect(tsv.stdout.trim().split('\n').map((l) => l.split('\t').slice(4, 6))).toEqual([
      ['0:02', '160×90'],
      ['0:02', '160×120'],
      ['0:03', '176×144'],
      ['', ''],
    ]);

    // A second module, so totals are per module and per session.
    const second = json<{ id: string }>(await alice.run(['module', 'add', sessionId, 'Module 2', '--json']));
    expect((await alice.run(['video', 'upload', second.id, fixturePath('h264-aac.mkv')])).exitCode).toBe(0);

    const tree = json<{ duration_ms: number; modules: Array<{ name: string; duration_ms: number }> }>(await alice.run(['show', sessionId, '--json']));
    expect(tree.duration_ms).toBe(2000 + 2007 + 3000 + 1046);
    expect(tree.modules.map((m) => [m.name, m.duration_ms])).toEqual([
      ['Module 1', 7007],
      ['Module 2', 1046],
    ]);
    const show = await alice.run(['show', sessionId]);
    expect(show.stdout.split('\n').filter((l) => /^\d+\t/.test(l)).map((l) => l.split('\t')[5])).toEqual(['0:07', '0:01']);

    const modules = json<Array<{ name: string; video_count: number; duration_ms: number }>>(await alice.run(['module', 'ls', sessionId, '--json']));
    expect(modules.map((m) => [m.name, m.video_count, m.duration_ms])).toEqual([
      ['Module 1', 4, 7007],
      ['Module 2', 1, 1046],
    ]);

    const list = json<{ sessions: Array<{ id: string; duration_ms: number }> }>(await alice.run(['ls', '--json']));
    expect(list.sessions.find((s) => s.id === sessionId)?.duration_ms).toBe(8053);
    const lsTsv = await alice.run(['ls']);
    expect(lsTsv.stdout.split('\n').find((l) => l.startsWith(sessionId))?.split('\t')[6]).toBe('0:08');

    const { rows } = await backend.db.pool.query('select count(*)::int as n from public.videos v join public.modules m on m.id = v.module_id where m.session_id = $1', [sessionId]);
    expect(rows[0].n).toBe(5);
  }, 120_000);
});
