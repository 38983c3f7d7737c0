import type { IO } from '../../ui/io.js';
import { message, record, table, type Column, type View } from '../../ui/printer.js';
import type { ModuleEntry } from '../../core/content.js';

export const moduleColumns: Array<Column<ModuleEntry>> = [
  { header: '#', value: (m) => m.position },
  { header: 'ID', value: (m) => ({ id: m.id }) },
  { header: 'NAME', value: (m) => m.name },
  { header: 'KEY', value: (m) => m.key, drop: 2 },
  { header: 'UPDATED', value: (m) => ({ time: m.updated_at }), drop: 1 },
];

export function moduleTable(entries: ModuleEntry[], title?: string, done?: string): View {
  return table(entries, moduleColumns, entries, 'No modules yet: add one with `session module add <session> <name>`.', title, done);
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
