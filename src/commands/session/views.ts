import type { IO } from '../../base/io.js';
import { message, none, record, type View } from '../../ui/printer.js';
import type { SessionRow, StoragePurge } from '../../core/content.js';
import { shortId } from '../../base/format.js';

/** A created or renamed session: a record on a terminal, the bare id when piped (`id=$(session create …)`). */
export function sessionView(io: IO, row: SessionRow, done?: string): View {
  if (!io.stdoutIsTTY) return message(row.id, row);
  return record(
    [
      ['ID', { id: row.id }],
      ['Name', row.name],
      ['Type', row.session_type],
      ['Key', row.key],
      ['Updated', { time: row.updated_at }],
    ],
    row,
    done,
  );
}

/** A line saying what changed, on a terminal only; piped output carries no chatter. */
export function doneView(io: IO, text: string, json: unknown): View {
  return io.stdoutIsTTY ? message(text, json, { check: true }) : none(json);
}

/** Warns when deleted rows left storage objects behind (they stay queued for `session gc`). */
export function warnPurge(io: IO, purge: StoragePurge): void {
  if (purge.error) io.warn(`the rows are deleted, but some video files are not (${purge.error}); run \`session gc\` to remove them`);
}

export function label(id: string, name: string | null): string {
  return name === null ? shortId(id) : `"${name}" (${shortId(id)})`;
}
