import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportError } from '../../src/cli.js';
import { ambiguousRef } from '../../src/core/refs.js';
import { doneView, label } from '../../src/commands/session/views.js';
import { IO } from '../../src/base/io.js';
import { message, render, table } from '../../src/ui/printer.js';
import { createUploadProgress, LineProgress } from '../../src/ui/progress.js';
import { visibleControls } from '../../src/base/visible.js';
import { fakeIO } from './fake-io.js';

// A name that would clear the screen and write the clipboard (OSC 52) if printed as it is.
const HOSTILE = 'Intro\u001b[2J\u001b]52;c;aGk=\u0007';
const SHOWN = 'Intro^[[2J^[]52;c;aGk=^G';
const ID = '3f2a9c10-0000-4000-8000-000000000001';

/** Escape codes other than SGR colour (`ESC [ … m`), which the program adds itself. */
// eslint-disable-next-line no-control-regex
const nonSgr = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').includes('\u001b');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('visibleControls', () => {
  it('shows C0, DEL and C1 characters; keeps tab, newline and other text', () => {
    expect(visibleControls(HOSTILE)).toBe(SHOWN);
    expect(visibleControls('a\tb\nc\rd\u007fe\u009bf é')).toBe('a\tb\nc^Md^?e<U+009B>f é');
  });
});

describe('messages with names', () => {
  it('`rm` and `rename` lines show ESC in a session name as ^[ and keep the green ✓', async () => {
    const { io, stdout } = fakeIO({ tty: true });
    expect(io.color).toBe(true);
    await render(io, doneView(io, `Deleted session ${label(ID, HOSTILE)}`, { id: ID }));
    await render(io, doneView(io, `Renamed session ${label(ID, null)} to "${HOSTILE}"`, { id: ID }));
    const lines = stdout.text.trimEnd().split('\n');
    expect(lines[0]).toBe(`\u001b[32m✓\u001b[39m Deleted session "${SHOWN}" (3f2a9c10)`);
    expect(lines[1]).toBe(`\u001b[32m✓\u001b[39m Renamed session 3f2a9c10 to "${SHOWN}"`);
    expect(nonSgr(stdout.text)).toBe(false);
  });

  it('leaves --json output to JSON escaping', async () => {
    const { io, stdout } = fakeIO({ tty: true, json: true });
    await render(io, message(`Deleted ${HOSTILE}`, { name: HOSTILE }));
    expect(JSON.parse(stdout.text)).toEqual({ name: HOSTILE });
    expect(stdout.text).not.toContain('\u001b');
  });

  it('io.info, io.warn and io.success escape their text but keep their own colour', () => {
    const { io, stderr } = fakeIO({ tty: true });
    io.info(`Downloaded ${HOSTILE}`);
    io.warn(`left out ${HOSTILE}`);
    io.success(`Wrote ${HOSTILE}`);
    io.debug(`body ${HOSTILE}`);
    expect(stderr.text).toContain(`Downloaded ${SHOWN}\n`);
    expect(stderr.text).toContain(`\u001b[33mwarning:\u001b[39m left out ${SHOWN}\n`);
    expect(stderr.text).toContain(`\u001b[32m✓\u001b[39m Wrote ${SHOWN}\n`);
    expect(nonSgr(stderr.text)).toBe(false);
  });

  it('table titles are escaped, the bold part after escaping', async () => {
    const { io, stdout } = fakeIO({ tty: true });
    await render(io, table([{ n: 1 }], [{ header: 'N', value: (r) => r.n }], null, undefined, { strong: HOSTILE, rest: `key ${HOSTILE}` }));
    expect(stdout.text.split('\n')[0]).toBe(`\u001b[1m${SHOWN}\u001b[22m  key ${SHOWN}`);
    expect(nonSgr(stdout.text)).toBe(false);
  });

  it('a painted cell keeps its colour and shows control characters in its text', async () => {
    const { io, stdout } = fakeIO({ tty: true });
    await render(io, table([{}], [{ header: 'ACTION', value: () => ({ text: `create${HOSTILE}`, paint: 'green' as const }) }], null));
    expect(stdout.text).toContain(`\u001b[32mcreate${SHOWN}\u001b[39m`);
    expect(nonSgr(stdout.text)).toBe(false);
  });
});

describe('error messages with names', () => {
  it('reportError shows ESC in an ambiguous-ref candidate as ^[, and --json stays JSON-escaped', () => {
    let out = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    });
    const err = ambiguousRef('session', '3f2a', [
      { id: ID, name: HOSTILE },
      { id: '3f2a0000-0000-4000-8000-000000000002', name: 'Joins' },
    ]);
    expect(reportError(err, { json: true, debug: false, noColor: true })).toBe(2);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe(`error: "3f2a" matches 2 sessions: 3f2a9c10 (${SHOWN}), 3f2a0000 (Joins)`);
    expect(JSON.parse(lines[2]!).error.details.candidates[0].name).toBe(HOSTILE);
    expect(out).not.toContain('\u001b');
  });
});

describe('progress lines with file names', () => {
  function capture(isTTY = false): { stream: Writable & { isTTY?: boolean }; text: () => string } {
    let text = '';
    const stream = new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    }) as Writable & { isTTY?: boolean };
    stream.isTTY = isTTY;
    return { stream, text: () => text };
  }

  it('a file name with ESC is shown as ^[ in plain progress lines', () => {
    const err = capture();
    const io = new IO({ stderr: err.stream, stdout: capture().stream, env: {} });
    const p = new LineProgress(io, { concurrency: 1, now: () => 0 });
    const file = `${HOSTILE}.mp4`;
    p.onEvent({ type: 'refused', index: 1, file, reason: `${file}: not a video` });
    p.onEvent({ type: 'queued', index: 0, file, size: 100 });
    p.onEvent({ type: 'started', index: 0, file, size: 100, resumedFrom: 0, videoId: 'v1' });
    p.onEvent({ type: 'retry', index: 0, file, attempt: 1, maxAttempts: 3, delayMs: 1000, reason: `server said ${HOSTILE}` });
    p.onEvent({
      type: 'finished',
      index: 0,
      report: { file, status: 'failed', video_id: 'v1', bytes_sent: 0, error: `gone ${HOSTILE}`, module_id: 'm1', key: null, size: null, sha256: null },
    });
    void p.stop();
    expect(err.text().trimEnd().split('\n')).toEqual([
      `${SHOWN}.mp4: not a video`,
      `${SHOWN}.mp4: uploading 100 B`,
      `${SHOWN}.mp4: retry 1/3 in 1s: server said ${SHOWN}`,
      `${SHOWN}.mp4: failed: gone ${SHOWN}`,
    ]);
    expect(err.text()).not.toContain('\u001b');
  });

  it('--quiet still prints refusals and failures, escaped', async () => {
    const err = capture();
    const io = new IO({ stderr: err.stream, stdout: capture().stream, env: {}, quiet: true });
    const p = await createUploadProgress(io, { concurrency: 1 });
    p.onEvent({ type: 'refused', index: 0, file: HOSTILE, reason: `${HOSTILE}: not a video` });
    await p.stop();
    expect(err.text()).toBe(`${SHOWN}: not a video\n`);
  });
});
