import { describe, expect, it } from 'vitest';
import { treeLines, treeTitle } from '../../src/commands/session/show.js';
import { videoTable } from '../../src/commands/video/views.js';
import { moduleSummaryTable } from '../../src/commands/module/views.js';
import type { ModuleSummary, SessionTree } from '../../src/core/content.js';
import { videoEntries, type VideoRow } from '../../src/core/videos.js';
import { render } from '../../src/ui/printer.js';
import { fakeIO } from './fake-io.js';

const video = (over: Partial<VideoRow>): VideoRow => ({
  id: 'bbbb0000-0000-4000-8000-000000000001',
  user_id: 'uuuu0000-0000-4000-8000-000000000001',
  module_id: 'aaaa0000-0000-4000-8000-000000000001',
  key: null,
  file_name: 'intro.mp4',
  file_size: 2048,
  mime_type: 'video/mp4',
  sha256: 'a'.repeat(64),
  status: 'ready',
  order_index: 0,
  file_url: 'p',
  duration_ms: 754_000,
  width: 1920,
  height: 1080,
  video_codec: 'h264',
  audio_codec: 'aac',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  ...over,
});

const tree: SessionTree = {
  id: '3f2a9c10-0000-4000-8000-000000000001',
  name: 'Intro to SQL',
  session_type: 'Linear Flow',
  key: null,
  duration_ms: 3_723_000,
  modules: [
    {
      id: 'aaaa0000-0000-4000-8000-000000000001',
      name: 'Setup',
      key: null,
      order_index: 0,
      duration_ms: 3_723_000,
      videos: [
        { ...video({ order_index: 0 }), duration_ms: 754_000 },
        { ...video({ id: 'bbbb0000-0000-4000-8000-000000000002', file_name: 'old.avi', order_index: 1 }), duration_ms: null, width: null, height: null },
        { ...video({ id: 'bbbb0000-0000-4000-8000-000000000003', file_name: 'long.webm', order_index: 2 }), duration_ms: 2_969_000, width: 1280, height: 720 },
      ],
    },
    { id: 'aaaa0000-0000-4000-8000-000000000002', name: 'Empty', key: null, order_index: 1, duration_ms: 0, videos: [] },
  ],
};

describe('lengths in session show', () => {
  it("shows each video's length and frame size and each module's total", () => {
    expect(treeLines(tree).map((l) => [l.position, l.duration_ms, l.frame])).toEqual([
      ['1', 3_723_000, null],
      ['1.1', 754_000, '1920×1080'],
      ['1.2', null, null],
      ['1.3', 2_969_000, '1280×720'],
      ['2', null, null],
    ]);
  });

  it("puts the session's total length in the title", () => {
    expect(treeTitle(tree).rest).toBe('3f2a9c10 · Linear Flow · 2 modules, 3 videos, 6.0 KiB, 1:02:03');
  });

});

describe('video ls', () => {
  it('prints LENGTH and RESOLUTION, blank when unknown', async () => {
    const { io, stdout } = fakeIO();
    await render(io, videoTable(videoEntries([video({}), video({ id: 'bbbb0000-0000-4000-8000-000000000002', order_index: 1, duration_ms: null, width: null, height: null })])));
    expect(stdout.text.split('\n')[0]).toBe('1\tbbbb0000-0000-4000-8000-000000000001\tintro.mp4\t2048\t12:34\t1920×1080\tready');
    expect(stdout.text.split('\n')[1]).toBe('2\tbbbb0000-0000-4000-8000-000000000002\tintro.mp4\t2048\t\t\tready');
  });
});

describe('video ls --json', () => {
  it('carries the metadata in snake_case', async () => {
    const { io, stdout } = fakeIO({ json: true });
    await render(io, videoTable(videoEntries([video({})])));
    expect(JSON.parse(stdout.text)[0]).toMatchObject({ duration_ms: 754_000, width: 1920, height: 1080, video_codec: 'h264', audio_codec: 'aac' });
  });
});

describe('module ls', () => {
  it('shows videos, size and length per module', async () => {
    const summary: ModuleSummary = {
      id: 'aaaa0000-0000-4000-8000-000000000001',
      user_id: 'u',
      session_id: 's',
      name: 'Setup',
      key: 'setup',
      position: 1,
      order_index: 0,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-02T00:00:00Z',
      video_count: 3,
      total_bytes: 6144,
      duration_ms: 3_723_000,
    };
    const { io, stdout } = fakeIO();
    await render(io, moduleSummaryTable([summary, { ...summary, position: 2, name: 'Old', duration_ms: null }]));
    expect(stdout.text).toBe(
      `1\t${summary.id}\tSetup\tsetup\t3\t6144\t1:02:03\t2026-01-02T00:00:00Z\n` + `2\t${summary.id}\tOld\tsetup\t3\t6144\t\t2026-01-02T00:00:00Z\n`,
    );
  });
});
