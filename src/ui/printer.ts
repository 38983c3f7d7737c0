import type { IO } from './io.js';
import { formatBytes, formatRelative } from './format.js';

/** A cell knows what it is, so each reader gets the right form of it. */
export type Cell =
  | string
  | number
  | boolean
  | null
  | undefined
  | { time: string | null }
  | { bytes: number | null }
  | { id: string };

export interface Column<Row> {
  header: string;
  value: (row: Row, index: number) => Cell;
}

/** What a command hands to the printer. `json` is what `--json` prints (defaults to the command's data). */
export type View =
  | { kind: 'table'; columns: Array<Column<any>>; rows: unknown[]; empty?: string; title?: string; json: unknown }
  | { kind: 'record'; fields: Array<[string, Cell]>; json: unknown }
  | { kind: 'message'; text: string; json: unknown }
  | { kind: 'none'; json?: unknown };

/** `title` is a line above the table on a terminal only (piped output stays pure rows). */
export function table<Row>(rows: Row[], columns: Array<Column<Row>>, json: unknown, empty?: string, title?: string): View {
  const view: View = { kind: 'table', columns: columns as Array<Column<any>>, rows, json };
  if (empty !== undefined) view.empty = empty;
  if (title !== undefined) view.title = title;
  return view;
}

export function record(fields: Array<[string, Cell]>, json: unknown): View {
  return { kind: 'record', fields, json };
}

export function message(text: string, json: unknown): View {
  return { kind: 'message', text, json };
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
    io.out(view.text);
    return;
  }
  if (view.kind === 'record') {
    if (io.stdoutIsTTY) {
      const width = Math.max(...view.fields.map(([label]) => label.length));
      for (const [label, value] of view.fields) {
        io.out(`${io.style.bold(`${label}:`.padEnd(width + 1))} ${cellText(value, true)}`);
      }
    } else {
      for (const [label, value] of view.fields) io.out(`${label}\t${cellText(value, false)}`);
    }
    return;
  }
  const cells = view.rows.map((row, i) => view.columns.map((col) => cellText(col.value(row, i), io.stdoutIsTTY)));
  if (!io.stdoutIsTTY) {
    for (const line of cells) io.out(line.map(sanitizeTsv).join('\t'));
    return;
  }
  if (view.title !== undefined) io.out(view.title);
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

export function cellText(cell: Cell, human: boolean): string {
  if (cell === null || cell === undefined) return human ? '-' : '';
  if (typeof cell === 'string') return visibleControls(cell);
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  if ('time' in cell) return cell.time === null ? (human ? '-' : '') : human ? formatRelative(cell.time) : cell.time;
  if ('bytes' in cell) return human ? formatBytes(cell.bytes) : cell.bytes === null ? '' : String(cell.bytes);
  return human ? cell.id.slice(0, 8) : cell.id;
}

/**
 * Cells hold names other people chose (an operator lists every author's sessions): a name carrying ESC or
 * another control character could drive the reader's terminal (move the cursor over other rows, set the
 * title, write the clipboard with OSC 52). Control characters are shown in caret notation (`^[`), C1 ones as
 * `<U+009B>`; tab and newline stay (the table wraps, tab-separated output turns them into spaces).
 */
export function visibleControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
    if (code === 0x7f) return '^?';
    return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
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
