import { describe, expect, it } from 'vitest';
import { message, none, record, render, table, type Column } from '../../src/ui/printer.js';
import { ANSI, fakeIO } from './fake-io.js';

interface Row {
  id: string;
  name: string;
  size: number | null;
  updated: string;
}
const rows: Row[] = [
  { id: '3f2a9c10-0000-4000-8000-000000000001', name: 'Intro\tto SQL', size: 1536, updated: '2026-01-02T03:04:05Z' },
  { id: '9c1e0b7a-0000-4000-8000-000000000002', name: 'Joins', size: null, updated: '2026-01-03T00:00:00Z' },
];
const columns: Array<Column<Row>> = [
  { header: 'ID', value: (r) => ({ id: r.id }) },
  { header: 'NAME', value: (r) => r.name },
  { header: 'SIZE', value: (r) => ({ bytes: r.size }) },
  { header: 'UPDATED', value: (r) => ({ time: r.updated }) },
];
const view = () => table(rows, columns, { rows }, 'Nothing here.', 'Title line');

describe('render', () => {
  it('draws a table on a terminal: header, short ids, human sizes and times, the title', async () => {
    const { io, stdout } = fakeIO({ tty: true, env: { NO_COLOR: '1' } });
    await render(io, view());
    expect(stdout.text).toMatch(/^Title line\n/);
    expect(stdout.text).toMatch(/ID\s+NAME\s+SIZE\s+UPDATED/);
    expect(stdout.text).toContain('3f2a9c10 ');
    expect(stdout.text).not.toContain('3f2a9c10-0000');
    expect(stdout.text).toContain('1.5 KiB');
    expect(stdout.text).toMatch(/ago/);
    expect(stdout.text).not.toMatch(ANSI);
  });

  it('frames a terminal table lightly: a rule above, under the header and below, none between rows', async () => {
    const { io, stdout } = fakeIO({ tty: true, env: { NO_COLOR: '1' } });
    await render(io, table(rows, columns, null));
    const lines = stdout.text.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.map((l) => /^\s*─+\s*$/.test(l))).toEqual([true, false, true, false, false, true]);
  });

  it('prints tab-separated lines when piped: no header, no title, no borders, full ids, raw values', async () => {
    const { io, stdout } = fakeIO({ tty: false });
    await render(io, view());
    expect(stdout.text).toBe(
      '3f2a9c10-0000-4000-8000-000000000001\tIntro to SQL\t1536\t2026-01-02T03:04:05Z\n' +
        '9c1e0b7a-0000-4000-8000-000000000002\tJoins\t\t2026-01-03T00:00:00Z\n',
    );
    expect(stdout.text).not.toMatch(/[─│┌]/);
    expect(stdout.text).not.toMatch(ANSI);
  });

  it('prints the JSON value with --json, on a terminal or not', async () => {
    for (const tty of [true, false]) {
      const { io, stdout, stderr } = fakeIO({ tty, json: true });
      await render(io, view());
      expect(JSON.parse(stdout.text)).toEqual({ rows });
      expect(stderr.text).toBe('');
    }
  });

  it('prints nothing with --quiet, but --json wins over --quiet', async () => {
    const quiet = fakeIO({ tty: true, quiet: true });
    await render(quiet.io, view());
    await render(quiet.io, message('done', null));
    expect(quiet.stdout.text).toBe('');
    const both = fakeIO({ quiet: true, json: true });
    await render(both.io, view());
    expect(JSON.parse(both.stdout.text)).toEqual({ rows });
  });

  it('says the empty text on stderr on a terminal, and nothing when piped', async () => {
    const tty = fakeIO({ tty: true });
    await render(tty.io, table([], columns, []));
    expect(tty.stdout.text).toBe('');
    expect(tty.stderr.text).toBe('Nothing to show.\n');
    const piped = fakeIO({ tty: false });
    await render(piped.io, table([], columns, [], 'Nothing here.'));
    expect(piped.stdout.text + piped.stderr.text).toBe('');
  });

  it('renders a record aligned on a terminal and as key<TAB>value lines when piped', async () => {
    const rec = record([['ID', { id: rows[0]!.id }], ['Name', 'Joins'], ['Key', null]], rows[0]);
    const tty = fakeIO({ tty: true, env: { NO_COLOR: '1' } });
    await render(tty.io, rec);
    expect(tty.stdout.text).toBe('ID:   3f2a9c10\nName: Joins\nKey:  -\n');
    const piped = fakeIO();
    await render(piped.io, rec);
    expect(piped.stdout.text).toBe(`ID\t${rows[0]!.id}\nName\tJoins\nKey\t\n`);
  });

  it('prints a none view only as JSON', async () => {
    const plain = fakeIO({ tty: true });
    await render(plain.io, none({ ok: true }));
    expect(plain.stdout.text).toBe('');
    const json = fakeIO({ json: true });
    await render(json.io, none({ ok: true }));
    expect(JSON.parse(json.stdout.text)).toEqual({ ok: true });
  });

  it('colours the header on a colour terminal only', async () => {
    const colour = fakeIO({ tty: true, env: { TERM: 'xterm' } });
    await render(colour.io, view());
    expect(colour.stdout.text).toMatch(ANSI);
    const noColour = fakeIO({ tty: true, noColor: true });
    await render(noColour.io, view());
    expect(noColour.stdout.text).not.toMatch(ANSI);
  });

  it('shows control characters in names instead of sending them to the terminal', async () => {
    // A name another author chose, as an operator's `session ls --everyone` would print it.
    const hostile = [{ id: '3f2a9c10-0000-4000-8000-000000000001', name: 'a\u001b[2J\u001b]52;c;aGk=\u0007b\rc\u009bd\u007f', size: 1, updated: '2026-01-02T03:04:05Z' }];
    for (const tty of [true, false]) {
      const { io, stdout } = fakeIO({ tty, env: { NO_COLOR: '1' } });
      await render(io, table(hostile, columns, null));
      await render(io, record([['name', hostile[0]!.name]], null));
      // eslint-disable-next-line no-control-regex
      expect(stdout.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(stdout.text).toContain('a^[[2J^[]52;c;aGk=^Gb^Mc<U+009B>d^?');
    }
  });
});
