import { describe, expect, it } from 'vitest';
import type { GcPlan } from '../../src/core/gc.js';
import { describePlan } from '../../src/commands/gc/gc.js';
import type { VideoRow } from '../../src/core/videos.js';

const video = (n: number): VideoRow => ({
  id: `${n}`.padStart(8, '0') + '-0000-4000-8000-000000000000',
  user_id: 'u',
  module_id: 'm',
  key: null,
  file_name: `clip-${n}.mp4`,
  file_size: 1,
  mime_type: 'video/mp4',
  sha256: 'a'.repeat(64),
  status: 'uploading',
  order_index: n,
  file_url: `u/s/m/${n}/clip.mp4`,
  created_at: '2026-11-20T10:00:00Z',
  updated_at: '2026-11-20T10:00:00Z',
});

describe('gc plan', () => {
  it('says nothing when there is nothing to do', () => {
    expect(describePlan({ queued: [], orphans: [], stale: [], deletedUsers: null })).toEqual([]);
    expect(describePlan({ queued: [], orphans: [], stale: [], deletedUsers: { queued: [], objects: [], users: ['x'] } })).toEqual([]);
  });

  it('counts each kind, lists up to ten paths and rows, and sums orphan sizes', () => {
    const plan: GcPlan = {
      queued: ['u/a.mp4', 'u/b.mp4'],
      orphans: Array.from({ length: 12 }, (_, i) => ({ path: `u/stray/${i}.mp4`, size: 1024 * 1024, updated_at: null })),
      stale: [video(1)],
      deletedUsers: { queued: ['g/q.mp4'], objects: [{ path: 'g/o.mp4', size: 5, updated_at: null }], users: ['g'] },
    };
    const lines = describePlan(plan);
    expect(lines[0]).toBe('2 files of deleted videos');
    expect(lines[1]).toBe('12 files no video points to (12.0 MiB)');
    expect(lines.filter((l) => l.startsWith('  u/stray/'))).toHaveLength(10);
    expect(lines).toContain('  … and 2 more');
    expect(lines).toContain('1 upload unfinished for over a day (the rows and any bytes)');
    expect(lines).toContain('  00000001  clip-1.mp4  started 2026-11-20T10:00:00Z');
    expect(lines.at(-1)).toBe('2 files left by 1 deleted user');
  });
});
