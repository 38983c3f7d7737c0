// Import's phase progress when not on a terminal (CI): a line when a long phase starts, then one
// every 10 s until it ends; nothing drawn or repeated after. Fake timers: no waiting on the clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PhaseProgress } from '../../src/commands/import.js';
import { fakeIO } from './fake-io.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('import progress off a terminal', () => {
  it('says when checking files starts, then every 10 s, and stops with the phase', () => {
    const { io, stderr } = fakeIO({ tty: false });
    const progress = new PhaseProgress(io);
    progress.start('hash', 5);
    expect(stderr.text.trim().split('\n')).toEqual(['Checking files: 0 of 5…']);
    progress.advance(3);
    vi.advanceTimersByTime(9_999);
    expect(stderr.text.trim().split('\n')).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(stderr.text.trim().split('\n')).toEqual(['Checking files: 0 of 5…', 'Checking files: 3 of 5']);
    progress.end();
    vi.advanceTimersByTime(60_000);
    expect(stderr.text.trim().split('\n')).toHaveLength(2);
    // No cursor movement or colour codes in a log.
    expect(stderr.text).not.toMatch(/\u001b/);
  });

  it('says nothing with --quiet', () => {
    const { io, stderr } = fakeIO({ tty: false, quiet: true });
    const progress = new PhaseProgress(io);
    progress.start('rows', 11_001);
    vi.advanceTimersByTime(30_000);
    progress.end();
    expect(stderr.text).toBe('');
  });
});
