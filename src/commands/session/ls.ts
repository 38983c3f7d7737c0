import type { Context } from '../../core/context.js';
import { table, type Column, type View } from '../../ui/printer.js';
import { notFoundError, usageError } from '../../base/errors.js';
import { listAllSessions, listSessions, type SessionSummary } from '../../core/content.js';
import { MAX_PAGE } from '../../base/constants.js';
import { formatClock } from '../../base/units.js';

export interface ListOptions {
  limit?: string | undefined;
  after?: string | undefined;
  allPages?: boolean | undefined;
  everyone?: boolean | undefined;
  owner?: string | undefined;
}

export function parseLimit(value: string | undefined): number {
  const text = (value ?? '50').trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_PAGE) throw usageError(`--limit must be a whole number from 1 to ${MAX_PAGE}, got "${value}"`, `use --limit 1..${MAX_PAGE}`, 'invalid_limit');
  return n;
}

export async function run(opts: ListOptions, ctx: Context): Promise<View> {
  const limit = parseLimit(opts.limit);
  const owner = opts.owner?.trim();
  if (opts.owner !== undefined && !owner) throw usageError('--owner is blank', 'pass the author\'s email', 'invalid_owner');
  if (opts.everyone && owner) throw usageError('choose --everyone or --owner, not both', '--owner EMAIL lists one author, --everyone lists all', 'invalid_flags');
  const query = { limit, after: opts.after ?? null, everyone: Boolean(opts.everyone), ownerEmail: owner ?? null };
  const api = await ctx.api();
  const list = opts.allPages ? await listAllSessions(api, query) : await listSessions(api, query);
  if (list.next_cursor && !ctx.io.json) {
    // The same listing, one page on: the flags that chose it, then the cursor.
    const same = [query.everyone ? ' --everyone' : '', query.ownerEmail ? ` --owner ${query.ownerEmail}` : '', limit !== 50 ? ` --limit ${limit}` : ''].join('');
    ctx.io.info(`more sessions: session ls${same} --after ${list.next_cursor} (or --all-pages)`);
  }
  // An unknown email and an author without sessions read the same to the database; either way, say so.
  if (query.ownerEmail !== null && list.sessions.length === 0 && query.after === null) {
    throw notFoundError(`no sessions owned by ${query.ownerEmail}`, 'check the email (no such author, or one without sessions); `session ls --everyone` lists every author', 'not_found');
  }
  const operatorView = query.everyone || query.ownerEmail !== null;
  return table(list.sessions, sessionColumns(operatorView), list, operatorView ? 'No sessions.' : 'No sessions yet: create one with `session create <name>`.');
}

export function sessionColumns(withOwner: boolean): Array<Column<SessionSummary>> {
  const columns: Array<Column<SessionSummary>> = [
    { header: 'ID', value: (s) => ({ id: s.id }) },
    { header: 'NAME', value: (s) => s.name },
    { header: 'TYPE', value: (s) => s.session_type, drop: 1 },
    { header: 'MODULES', value: (s) => s.module_count, drop: 4 },
    { header: 'VIDEOS', value: (s) => s.video_count, drop: 3 },
    { header: 'SIZE', value: (s) => ({ bytes: s.total_bytes }), drop: 2 },
    { header: 'LENGTH', value: (s) => formatClock(s.duration_ms), drop: 6 },
    { header: 'UPDATED', value: (s) => ({ time: s.updated_at }), drop: 5 },
  ];
  if (withOwner) columns.push({ header: 'OWNER', value: (s) => s.owner_email });
  return columns;
}
