import type { IO } from './io.js';
import { formatBytes, formatRelative } from './format.js';
import { visibleControls } from './visible.js';

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
  | { text: string; paint: Paint };

export type Paint = 'green' | 'yellow' | 'cyan' | 'red' | 'dim';

export interface Column<Row> {
  header: string;
  value: (row: Row, index: number) => Cell;
}

/** What a command hands to the printer. `json` is what `--json` prints (defaults to the command's data). */
export type View =
  | { kind: 'table'; columns: Array<Column<any>>; rows: unknown[]; empty?: string; title?: Title; json: unknown }
  | { kind: 'record'; fields: Array<[string, Cell]>; json: unknown }
  | { kind: 'message'; text: string; json: unknown; check?: boolean }
  | { kind: 'none'; json?: unknown };

/**
 * A line above a table: plain text, or a part shown bold (a session's name) and the rest. Never styled by
 * the caller: the printer escapes control characters in it (names are other people's) and adds the bold.
 */
export type Title = string | { strong: string; rest: string };

/** `title` is a line above the table on a terminal only (piped output stays pure rows). */
export function table<Row>(rows: Row[], columns: Array<Column<Row>>, json: unknown, empty?: string, title?: Title): View {
  const view: View = { kind: 'table', columns: columns as Array<Column<any>>, rows, json };
  if (empty !== undefined) view.empty = empty;
  if (title !== undefined) view.title = title;
  return view;
}

export function record(fields: Array<[string, Cell]>, json: unknown): View {
  return { kind: 'record', fields, json };
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
  const cells = view.rows.map((row, i) => view.columns.map((col) => cellText(col.value(row, i), io.stdoutIsTTY, io)));
  if (!io.stdoutIsTTY) {
    for (const line of cells) io.out(line.map(sanitizeTsv).join('\t'));
    return;
  }
  if (view.title !== undefined) io.out(titleText(io, view.title));
  if (cells.length === 0) {
    io.info(view.empty ?? 'Nothing to show.');
    return;
  }
  const { default: Table } = await import('cli-table3');
  const colored = io.color;
  const t = new Table({
    head: view.columns.map((c) => (colored ? io.style.bold(c.header) : c.header)),
    style: colored ? { head: [], border: ['grey'], compact: true } : { head: [], border: [], compact: true },
    chars: compactBorders,
  });
  for (const line of cells) t.push(line);
  io.out(t.toString());
}

export function cellText(cell: Cell, human: boolean, io?: IO): string {
  if (cell === null || cell === undefined) return human ? '-' : '';
  if (typeof cell === 'string') return visibleControls(cell);
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  if ('time' in cell) return cell.time === null ? (human ? '-' : '') : human ? formatRelative(cell.time) : cell.time;
  if ('paint' in cell) return human && io ? io.style[cell.paint](visibleControls(cell.text)) : visibleControls(cell.text);
  if ('bytes' in cell) return human ? formatBytes(cell.bytes) : cell.bytes === null ? '' : String(cell.bytes);
  return human ? cell.id.slice(0, 8) : cell.id;
}

function titleText(io: IO, title: Title): string {
  if (typeof title === 'string') return visibleControls(title);
  return `${io.style.bold(visibleControls(title.strong))}  ${visibleControls(title.rest)}`;
}

function sanitizeTsv(text: string): string {
  return text.replace(/[\t\n\r]/g, ' ');
}

// A light frame like gh's tables: no vertical rules, one rule under the header (`compact`
// style drops the rules cli-table3 would draw between rows).
const compactBorders = {
  top: '─', 'top-mid': '──', 'top-left': ' ', 'top-right': ' ',
  bottom: '─', 'bottom-mid': '──', 'bottom-left': ' ', 'bottom-right': ' ',
  left: ' ', 'left-mid': ' ', mid: '─', 'mid-mid': '──', right: ' ', 'right-mid': ' ', middle: '  ',
};
