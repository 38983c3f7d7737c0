import { describe, expect, it } from 'vitest';
import { treeLines, treeTitle } from '../../src/commands/session/show.js';
import { sessionColumns } from '../../src/commands/session/ls.js';
import type { SessionTree } from '../../src/core/content.js';
import { render, table } from '../../src/ui/printer.js';
import { fakeIO } from './fake-io.js';

const tree: SessionTree = {
  id: '3f2a9c10-0000-4000-8000-000000000001',
  name: 'Intro to SQL',
  session_type: 'Linear Flow',
  key: 'intro',
  modules: [
    {
      id: 'aaaa0000-0000-4000-8000-000000000001',
      name: 'Setup',
      key: null,
      order_index: 0,
      videos: [
        { id: 'bbbb0000-0000-4000-8000-000000000001', key: null, file_name: 'install.mp4', file_size: 2048, mime_type: 'video/mp4', sha256: 'a'.repeat(64), status: 'ready', order_index: 0, file_url: 'p' },
        { id: 'bbbb0000-0000-4000-8000-000000000002', key: null, file_name: 'tour.mp4', file_size: 1024, mime_type: 'video/mp4', sha256: 'a'.repeat(64), status: 'uploading', order_index: 1, file_url: 'q' },
      ],
    },
    { id: 'aaaa0000-0000-4000-8000-000000000002', name: 'Joins', key: null, order_index: 1, videos: [] },
  ],
};

describe('session show', () => {
  it('numbers modules 1..n and videos n.1..n.m, in order', () => {
    expect(treeLines(tree).map((l) => [l.position, l.kind, l.name, l.bytes, l.status])).toEqual([
      ['1', 'module', 'Setup', 3072, null],
      ['1.1', 'video', 'install.mp4', 2048, 'ready'],
      ['1.2', 'video', 'tour.mp4', 1024, 'uploading'],
      ['2', 'module', 'Joins', null, null],
    ]);
  });

  it('sums the session in its title', () => {
    expect(treeTitle(tree)).toEqual({ strong: 'Intro to SQL', rest: '3f2a9c10 · Linear Flow · key intro · 2 modules, 2 videos, 3.0 KiB' });
  });
});

describe('session ls columns', () => {
  const summary = {
    id: '3f2a9c10-0000-4000-8000-000000000001',
    name: 'Intro',
    session_type: 'Linear Flow',
    key: null,
    module_count: 3,
    video_count: 7,
    total_bytes: 10,
    duration_ms: 754_000,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-02T00:00:00Z',
    owner_email: 'author@example.com',
  };
  it('shows the owner only in operators\' listings', async () => {
    expect(sessionColumns(false).map((c) => c.header)).toEqual(['ID', 'NAME', 'TYPE', 'MODULES', 'VIDEOS', 'SIZE', 'LENGTH', 'UPDATED']);
    const { io, stdout } = fakeIO();
    await render(io, table([summary], sessionColumns(true), null));
    expect(stdout.text).toBe(`${summary.id}\tIntro\tLinear Flow\t3\t7\t10\t12:34\t2026-01-02T00:00:00Z\tauthor@example.com\n`);
  });
});
