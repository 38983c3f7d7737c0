import { describe, expect, it } from 'vitest';
import { cut, fitWidths, pad, textWidth } from '../../src/ui/fit.js';
import { render, table, type Column } from '../../src/ui/printer.js';
import { fakeIO } from './fake-io.js';

describe('cut and width', () => {
  it('counts wide characters as two cells and cuts with an ellipsis', () => {
    expect(textWidth('abc')).toBe(3);
    expect(textWidth('日本')).toBe(4);
    expect(cut('Introduction to SQL', 8)).toBe('Introdu…');
    expect(textWidth(cut('日本語のコース', 7))).toBeLessThanOrEqual(7);
    expect(cut('short', 8)).toBe('short');
    expect(pad('ab', 4, 'right')).toBe('  ab');
  });
});

describe('fitWidths', () => {
  const cols = [
    { natural: 8, min: 8 }, // id
    { natural: 40, min: 6 }, // name
    { natural: 10, min: 10, drop: 1 }, // type
    { natural: 14, min: 14, drop: 2 }, // updated
  ];
  it('keeps natural widths when they fit', () => {
    expect(fitWidths(cols, 200, 2)).toEqual([8, 40, 10, 14]);
  });
  it('cuts names to a readable width before dropping a column', () => {
    expect(fitWidths(cols, 8 + 16 + 10 + 14 + 6, 2)).toEqual([8, 16, 10, 14]);
  });
  it('drops the least useful column first, then gives the room back to the name', () => {
    const w = fitWidths(cols, 50, 2);
    expect(w[2]).toBe(0);
    expect(w[3]).toBe(14);
    expect(w[0]).toBe(8);
    expect(w.reduce((a, b) => a + b, 0) + 2 * (w.filter((x) => x > 0).length - 1)).toBeLessThanOrEqual(50);
  });
  it('never cuts an id, and cuts names to their minimum when every droppable column is gone', () => {
    expect(fitWidths(cols, 16, 2)).toEqual([8, 6, 0, 0]);
  });
});

describe('tables fit the terminal', () => {
  interface Row {
    id: string;
    name: string;
    type: string;
  }
  const rows: Row[] = [
    { id: '3f2a9c10-0000-4000-8000-000000000001', name: 'A rather long session name that goes on and on', type: 'self-paced' },
    { id: '9c1e0b7a-0000-4000-8000-000000000002', name: 'Joins', type: 'live' },
  ];
  const columns: Array<Column<Row>> = [
    { header: 'ID', value: (r) => ({ id: r.id }) },
    { header: 'NAME', value: (r) => r.name },
    { header: 'TYPE', value: (r) => r.type, drop: 1 },
  ];
  for (const width of [40, 60, 80, 200]) {
    it(`at ${width} columns no line is wider than the terminal; ids are whole 8-character prefixes`, async () => {
      const { io, stdout } = fakeIO({ tty: true, env: { NO_COLOR: '1' } });
      stdout.columns = width;
      await render(io, table(rows, columns, rows));
      const lines = stdout.text.trimEnd().split('\n');
      for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(width);
      expect(stdout.text).toContain('3f2a9c10');
      expect(stdout.text).toContain('9c1e0b7a');
      if (width >= 80) expect(stdout.text).toContain('A rather long session name that goes on and on');
      else expect(stdout.text).toMatch(/A rather .*…/);
    });
  }
  it('piped output keeps every value whole whatever the width', async () => {
    const { io, stdout } = fakeIO({ tty: false });
    stdout.columns = 40;
    await render(io, table(rows, columns, rows));
    expect(stdout.text.split('\n')[0]).toBe('3f2a9c10-0000-4000-8000-000000000001\tA rather long session name that goes on and on\tself-paced');
  });
});
