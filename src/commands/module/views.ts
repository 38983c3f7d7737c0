import type { IO } from '../../base/io.js';
import { message, record, table, type Column, type View } from '../../ui/printer.js';
import type { ModuleEntry, ModuleSummary } from '../../core/content.js';
import { formatClock } from '../../base/units.js';

export const moduleColumns: Array<Column<ModuleEntry>> = [
  { header: '#', value: (m) => m.position },
  { header: 'ID', value: (m) => ({ id: m.id }) },
  { header: 'NAME', value: (m) => m.name },
  { header: 'KEY', value: (m) => m.key, drop: 2 },
  { header: 'UPDATED', value: (m) => ({ time: m.updated_at }), drop: 1 },
];

/** `module ls`: the modules with their videos, bytes and length (computed by `list_modules`). */
export const moduleSummaryColumns: Array<Column<ModuleSummary>> = [
  ...moduleColumns.slice(0, 4),
  { header: 'VIDEOS', value: (m) => m.video_count },
  { header: 'SIZE', value: (m) => ({ bytes: m.total_bytes }) },
  { header: 'LENGTH', value: (m) => formatClock(m.duration_ms) },
  ...moduleColumns.slice(4),
];

export function moduleSummaryTable(entries: ModuleSummary[]): View {
  return table(entries, moduleSummaryColumns, entries, 'No modules yet: add one with `session module add <session> <name>`.');
}

/** A new or renamed module: a record on a terminal, the bare id when piped. */
export function moduleView(io: IO, entry: ModuleEntry, done?: string): View {
  if (!io.stdoutIsTTY) return message(entry.id, entry);
  return record(
    [
      ['ID', { id: entry.id }],
      ['Name', entry.name],
      ['Position', entry.position],
      ['Key', entry.key],
      ['Session', { id: entry.session_id }],
    ],
    entry,
    done,
  );
}
