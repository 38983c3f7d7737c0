/**
 * Fitting text to a terminal's width. Widths count what a terminal draws: East Asian wide and
 * emoji characters take two cells, combining marks none. No imports: tables and progress rows
 * both use it.
 */

/** Cells a (plain, unstyled) string takes on a terminal. */
export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!);
  return width;
}

function charWidth(code: number): number {
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if ((code >= 0x300 && code <= 0x36f) || (code >= 0x200b && code <= 0x200f) || (code >= 0xfe00 && code <= 0xfe0f)) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Cuts plain text to `width` cells, ending in `…` when anything was cut. */
export function cut(text: string, width: number): string {
  if (width <= 0) return '';
  if (textWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0)!);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

/** Pads plain text with spaces to `width` cells. */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const gap = Math.max(0, width - textWidth(text));
  return align === 'right' ? `${' '.repeat(gap)}${text}` : `${text}${' '.repeat(gap)}`;
}

/** How a column gives way when a table is wider than the terminal. */
export interface FitColumn {
  /** Widest cell, header included. */
  natural: number;
  /** Narrowest it may be cut to (names: a few characters and `…`); equal to `natural` for a column that is never cut (ids, sizes). */
  min: number;
  /** Dropped when cutting is not enough, lowest first; undefined: never dropped. */
  drop?: number | undefined;
}

/**
 * Widths for a table of `columns` within `width` cells, `gap` cells between columns: cut
 * columns first shrink towards a readable width (16), then the least useful columns are
 * dropped, then cut columns shrink to their minimum. A width of 0 means the column is dropped.
 */
export function fitWidths(columns: FitColumn[], width: number, gap: number): number[] {
  const droppable = columns
    .map((c, i) => ({ i, drop: c.drop }))
    .filter((c): c is { i: number; drop: number } => c.drop !== undefined)
    .sort((a, b) => a.drop - b.drop);
  const soft = (c: FitColumn) => Math.max(c.min, Math.min(c.natural, 16));
  let widths: number[] = [];
  for (let dropped = 0; dropped <= droppable.length; dropped++) {
    const gone = new Set(droppable.slice(0, dropped).map((d) => d.i));
    widths = columns.map((c, i) => (gone.has(i) ? 0 : c.natural));
    shrinkTo(widths, columns, soft, width, gap);
    if (tableWidth(widths, gap) <= width) return widths;
  }
  shrinkTo(widths, columns, (c) => c.min, width, gap);
  return widths;
}

function tableWidth(widths: number[], gap: number): number {
  const shown = widths.filter((w) => w > 0);
  return shown.reduce((s, w) => s + w, 0) + gap * Math.max(0, shown.length - 1);
}

/** The widest column above its floor gives a cell at a time, so long names share the loss. */
function shrinkTo(widths: number[], columns: FitColumn[], floor: (c: FitColumn) => number, width: number, gap: number): void {
  while (tableWidth(widths, gap) > width) {
    let widest = -1;
    for (let i = 0; i < columns.length; i++) {
      if (widths[i]! > 0 && widths[i]! > floor(columns[i]!) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    }
    if (widest < 0) return;
    widths[widest] = widths[widest]! - 1;
  }
}
