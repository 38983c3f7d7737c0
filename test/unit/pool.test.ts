// forEachAtMost: the bounded pool of calls that checks, hashes, uploads, downloads and gc share.
import { describe, expect, it } from 'vitest';
import { forEachAtMost } from '../../src/base/pool.js';

/** Calls that wait until the test settles them, recording which started and how many ran at once. */
function controlled() {
  const started: number[] = [];
  const settle = new Map<number, { resolve: () => void; reject: (err: unknown) => void }>();
  let inFlight = 0;
  let most = 0;
  const fn = (item: string, index: number): Promise<void> => {
    expect(item).toBe(`item ${index}`);
    started.push(index);
    inFlight += 1;
    most = Math.max(most, inFlight);
    return new Promise<void>((resolve, reject) => {
      settle.set(index, { resolve, reject });
    }).finally(() => {
      inFlight -= 1;
    });
  };
  return {
    fn,
    started,
    get inFlight() {
      return inFlight;
    },
    get most() {
      return most;
    },
    resolve: (i: number) => settle.get(i)!.resolve(),
    reject: (i: number, err: unknown) => settle.get(i)!.reject(err),
  };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => `item ${i}`);
/** Lets every pending promise reaction run (no timers involved). */
const drain = () => new Promise<void>((r) => setImmediate(r));

describe('forEachAtMost', () => {
  it('keeps at most `limit` calls in flight and starts the items in order, each once', async () => {
    const c = controlled();
    let finished = false;
    const done = forEachAtMost(items(7), 3, c.fn).then(() => (finished = true));
    await drain();
    expect(c.started).toEqual([0, 1, 2]);
    expect(c.inFlight).toBe(3);

    // Each settled call makes room for exactly one more, whichever settles first.
    c.resolve(1);
    await drain();
    expect(c.started).toEqual([0, 1, 2, 3]);
    expect(c.inFlight).toBe(3);
    c.resolve(3);
    c.resolve(0);
    await drain();
    expect(c.started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(c.inFlight).toBe(3);
    for (const i of [2, 4, 5]) c.resolve(i);
    await drain();
    expect(c.started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(finished).toBe(false);
    c.resolve(6);
    await done;
    expect(finished).toBe(true);
    expect(c.most).toBe(3);
    expect(c.inFlight).toBe(0);
  });

  it('starts every item at once when there are fewer than `limit`, and nothing for none', async () => {
    const c = controlled();
    const done = forEachAtMost(items(2), 8, c.fn);
    await drain();
    expect(c.started).toEqual([0, 1]);
    c.resolve(0);
    c.resolve(1);
    await done;

    let calls = 0;
    await forEachAtMost([], 4, async () => {
      calls += 1;
    });
    expect(calls).toBe(0);
  });

  it('refuses a limit that is not a positive integer', async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await expect(forEachAtMost(items(1), limit, async () => undefined)).rejects.toThrow(RangeError);
    }
  });

  it('rejects with the first error at once, starts nothing after it, and ignores later errors', async () => {
    const c = controlled();
    const first = new Error('first');
    let outcome: unknown = 'pending';
    const done = forEachAtMost(items(6), 3, c.fn).catch((err: unknown) => (outcome = err));
    await drain();
    expect(c.started).toEqual([0, 1, 2]);

    c.reject(0, first);
    await drain();
    // Rejected while items 1 and 2 are still in flight, and no item taken in item 0's place.
    expect(outcome).toBe(first);
    expect(c.started).toEqual([0, 1, 2]);
    expect(c.inFlight).toBe(2);

    // The calls in flight run on: one that succeeds takes no next item, a later error is not reported.
    c.resolve(1);
    c.reject(2, new Error('second'));
    await done;
    await drain();
    expect(outcome).toBe(first);
    expect(c.started).toEqual([0, 1, 2]);
    expect(c.inFlight).toBe(0);
  });

  it('takes no new item once the signal is aborted, and rejects with its reason', async () => {
    const c = controlled();
    const controller = new AbortController();
    let outcome: unknown = 'pending';
    const done = forEachAtMost(items(6), 2, c.fn, controller.signal).catch((err: unknown) => (outcome = err));
    await drain();
    expect(c.started).toEqual([0, 1]);

    const reason = new Error('stop');
    controller.abort(reason);
    await drain();
    // The calls in flight are left to finish (fn holds the signal if it should stop them).
    expect(outcome).toBe('pending');

    c.resolve(0);
    await done;
    expect(outcome).toBe(reason);
    c.resolve(1);
    await drain();
    expect(c.started).toEqual([0, 1]);
    expect(c.inFlight).toBe(0);
  });

  it('starts nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    const err = await forEachAtMost(items(3), 2, async () => {
      calls += 1;
    }, controller.signal).catch((e: unknown) => e);
    expect(err).toBe(controller.signal.reason);
    expect((err as Error).name).toBe('AbortError');
    expect(calls).toBe(0);
  });
});
