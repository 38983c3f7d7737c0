import type { IO } from '../base/io.js';
import { formatBytes, formatRelative } from '../base/format.js';
import { visibleControls } from '../base/visible.js';
import { cut, fitWidths, pad, textWidth } from './fit.js';

export { visibleControls };

/** A cell knows what it is, so each reader gets the right form of it. */
export type Cell =
  | string
  | number
  | boolean
  | null
  | undefined
  | { time: string | null }
  | { bytes: number | null }
  | { id: string }
  /** Text in a colour on a terminal: the printer escapes the text, then paints it. */
  | { text: string; paint: Paint }
  /** Text a terminal shows in short (`brief`), where piped output keeps it whole (`full`). */
  | { full: string; brief: string };

export type Paint = 'green' | 'yellow' | 'cyan' | 'red' | 'dim';

export interface Column<Row> {
  header: string;
  value: (row: Row, index: number) => Cell;
  /**
   * On a terminal too narrow for the table, columns with `drop` go, lowest first, once the
   * names have been cut to a readable width. Without it a column stays (ids, names).
   */
  drop?: number;
}

/** What a command hands to the printer. `json` is what `--json` prints (defaults to the command's data). */
export type View =
  | { kind: 'table'; columns: Array<Column<any>>; rows: unknown[]; empty?: string; title?: Title; json: unknown; done?: string }
  | { kind: 'record'; fields: Array<[string, Cell]>; json: unknown; done?: string }
  | { kind: 'message'; text: string; json: unknown; check?: boolean }
  | { kind: 'none'; json?: unknown };

/**
 * A line above a table: plain text, or a part shown bold (a session's name) and the rest. Never styled by
 * the caller: the printer escapes control characters in it (names are other people's) and adds the bold.
 */
export type Title = string | { strong: string; rest: string };

/**
 * `title` is a line above the table on a terminal only (piped output stays pure rows); `done`, for a
 * command that changed something, the ✓ line above that.
 */
export function table<Row>(rows: Row[], columns: Array<Column<Row>>, json: unknown, empty?: string, title?: Title, done?: string): View {
  const view: View = { kind: 'table', columns: columns as Array<Column<any>>, rows, json };
  if (empty !== undefined) view.empty = empty;
  if (title !== undefined) view.title = title;
  if (done !== undefined) view.done = done;
  return view;
}

/** `done`: the ✓ line of a command that changed something, above the fields, on a terminal only. */
export function record(fields: Array<[string, Cell]>, json: unknown, done?: string): View {
  return done === undefined ? { kind: 'record', fields, json } : { kind: 'record', fields, json, done };
}

/**
 * A line of text on stdout. `text` is plain (never styled by the caller): the printer shows control
 * characters in it visibly, since it often carries names. `check` puts a green ✓ in front.
 */
export function message(text: string, json: unknown, opts: { check?: boolean } = {}): View {
  return opts.check ? { kind: 'message', text, json, check: true } : { kind: 'message', text, json };
}

/** Prints nothing but the JSON (if any) under --json. */
export function none(json?: unknown): View {
  return json === undefined ? { kind: 'none' } : { kind: 'none', json };
}

/** Renders a view: JSON with --json, nothing with --quiet, a table on a TTY, tab-separated lines when piped. */
export async function render(io: IO, view: View): Promise<void> {
  if (io.json) {
    if (view.json !== undefined) io.out(JSON.stringify(view.json, null, 2));
    return;
  }
  if (io.quiet || view.kind === 'none') return;
  if (view.kind === 'message') {
    io.out(`${view.check ? `${io.style.green('✓')} ` : ''}${visibleControls(view.text)}`);
    return;
  }
  if ((view.kind === 'record' || view.kind === 'table') && view.done !== undefined && io.stdoutIsTTY) {
    io.out(`${io.style.green('✓')} ${visibleControls(view.done)}`);
  }
  if (view.kind === 'record') {
    if (io.stdoutIsTTY) {
      const width = Math.max(...view.fields.map(([label]) => label.length));
      for (const [label, value] of view.fields) {
        io.out(`${io.style.bold(`${label}:`.padEnd(width + 1))} ${cellText(value, true, io)}`);
      }
    } else {
      for (const [label, value] of view.fields) io.out(`${label}\t${cellText(value, false)}`);
    }
    return;
  }
  if (!io.stdoutIsTTY) {
    for (const row of view.rows.map((r, i) => view.columns.map((col) => cellText(col.value(r, i), false)))) io.out(row.map(sanitizeTsv).join('\t'));
    return;
  }
  const width = io.columns;
  if (view.title !== undefined) io.out(titleText(io, view.title, width));
  if (view.rows.length === 0) {
    io.info(view.empty ?? 'Nothing to show.');
    return;
  }
  io.out(tableText(io, view.columns, view.rows, width));
}

const GAP = 2;

/**
 * A table on a terminal, no wider than `width`: a rule above, under the header and below, as gh
 * frames them lightly. Names are cut with `…`, ids keep their whole short prefix, and when that
 * is not enough the least useful columns (`drop`) go.
 */
export function tableText(io: IO, columns: Array<Column<any>>, rows: unknown[], width: number): string {
  const cells = rows.map((row, i) => columns.map((col) => humanCell(col.value(row, i))));
  const fit = columns.map((col, c) => {
    const natural = Math.max(textWidth(col.header), ...cells.map((r) => textWidth(r[c]!.text)));
    const cuttable = cells.every((r) => r[c]!.cuttable);
    return { natural, min: cuttable ? Math.min(natural, Math.max(textWidth(col.header), 6)) : natural, drop: col.drop };
  });
  // One cell of margin on each side, as the rules are drawn.
  const widths = fitWidths(fit, Math.max(10, width - 2), GAP);
  const shown = columns.map((_, c) => c).filter((c) => widths[c]! > 0);
  const line = (texts: string[]) => ` ${texts.join(' '.repeat(GAP))}`.trimEnd();
  const ruleWidth = shown.reduce((s, c) => s + widths[c]!, 0) + GAP * Math.max(0, shown.length - 1);
  const rule = io.style.gray(` ${'─'.repeat(ruleWidth)}`);
  const out = [rule];
  out.push(line(shown.map((c) => io.style.bold(pad(columns[c]!.header, widths[c]!)))));
  out.push(rule);
  for (const row of cells) {
    out.push(
      line(
        shown.map((c) => {
          const cell = row[c]!;
          const text = pad(cut(cell.text, widths[c]!), widths[c]!, cell.right ? 'right' : 'left');
          return cell.paint ? io.style[cell.paint](text) : text;
        }),
      ),
    );
  }
  out.push(rule);
  return out.join('\n');
}

/** A cell as a terminal shows it: plain text, whether it may be cut, its colour. */
function humanCell(cell: Cell): { text: string; cuttable: boolean; right?: boolean; paint?: Paint } {
  if (cell === null || cell === undefined) return { text: '-', cuttable: true };
  if (typeof cell === 'string') return { text: visibleControls(cell), cuttable: true };
  if (typeof cell === 'number' || typeof cell === 'boolean') return { text: String(cell), cuttable: false };
  if ('paint' in cell) return { text: visibleControls(cell.text), cuttable: true, paint: cell.paint };
  if ('full' in cell) return { text: visibleControls(cell.brief), cuttable: true };
  return { text: cellText(cell, true), cuttable: false };
}

export function cellText(cell: Cell, human: boolean, io?: IO): string {
  if (cell === null || cell === undefined) return human ? '-' : '';
  if (typeof cell === 'string') return visibleControls(cell);
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  if ('time' in cell) return cell.time === null ? (human ? '-' : '') : human ? formatRelative(cell.time) : cell.time;
  if ('paint' in cell) return human && io ? io.style[cell.paint](visibleControls(cell.text)) : visibleControls(cell.text);
  if ('full' in cell) return visibleControls(human ? cell.brief : cell.full);
  if ('bytes' in cell) return human ? formatBytes(cell.bytes) : cell.bytes === null ? '' : String(cell.bytes);
  return human ? cell.id.slice(0, 8) : cell.id;
}

function titleText(io: IO, title: Title, width: number): string {
  if (typeof title === 'string') return cut(visibleControls(title), width);
  // The rest (short id, type, counts) keeps its place; the name gives way first.
  const rest = `  ${visibleControls(title.rest)}`;
  const strong = cut(visibleControls(title.strong), Math.max(8, width - textWidth(rest)));
  return `${io.style.bold(strong)}${cut(rest, width - textWidth(strong))}`;
}

function sanitizeTsv(text: string): string {
  return text.replace(/[\t\n\r]/g, ' ');
}
