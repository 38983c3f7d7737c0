import type { Context } from '../../core/context.js';
import { table, type Column, type View } from '../../ui/printer.js';
import { sessionArg } from '../pickers.js';
import { resolveRef, sessionTree, type SessionTree } from '../../core/content.js';
import { formatBytes, shortId } from '../../base/format.js';
import { formatFrameSize } from '../../core/media.js';
import { formatClock } from '../../base/units.js';

/** One line of the tree: a module (`1`) or one of its videos (`1.2`). */
export interface TreeLine {
  position: string;
  kind: 'module' | 'video';
  id: string;
  name: string;
  bytes: number | null;
  /** A video's length, or a module's total; null when unknown. */
  duration_ms: number | null;
  /** A video's `1920×1080`; null for modules and when unknown. */
  frame: string | null;
  status: string | null;
}

export async function run(opts: { session?: string | undefined }, ctx: Context): Promise<View> {
  const ref = await sessionArg(ctx, opts.session);
  const api = await ctx.api();
  const { id } = await resolveRef(api, 'session', ref);
  const tree = await sessionTree(api, id);
  return table(treeLines(tree), treeColumns, tree, 'No modules yet: add one with `session module add <session> <name>`.', treeTitle(tree));
}

/** Flattens the tree into numbered lines, modules then their videos. */
export function treeLines(tree: SessionTree): TreeLine[] {
  const lines: TreeLine[] = [];
  tree.modules.forEach((m, i) => {
    const videos = m.videos ?? [];
    const bytes = videos.reduce((sum, v) => sum + (v.file_size ?? 0), 0);
    lines.push({ position: String(i + 1), kind: 'module', id: m.id, name: m.name, bytes: videos.length ? bytes : null, duration_ms: videos.length ? (m.duration_ms ?? null) : null, frame: null, status: null });
    videos.forEach((v, j) => {
      lines.push({
        position: `${i + 1}.${j + 1}`,
        kind: 'video',
        id: v.id,
        name: v.file_name,
        bytes: v.file_size,
        duration_ms: v.duration_ms ?? null,
        frame: formatFrameSize(v.width, v.height),
        status: v.status,
      });
    });
  });
  return lines;
}

/** The session's name (shown bold) and a summary; the printer escapes both. */
export function treeTitle(tree: SessionTree): { strong: string; rest: string } {
  const videos = tree.modules.reduce((n, m) => n + (m.videos?.length ?? 0), 0);
  const bytes = tree.modules.reduce((n, m) => n + (m.videos ?? []).reduce((s, v) => s + (v.file_size ?? 0), 0), 0);
  const parts = [shortId(tree.id), tree.session_type];
  if (tree.key) parts.push(`key ${tree.key}`);
  const length = videos > 0 ? formatClock(tree.duration_ms) : null;
  parts.push(`${count(tree.modules.length, 'module')}, ${count(videos, 'video')}, ${formatBytes(bytes)}${length ? `, ${length}` : ''}`);
  return { strong: tree.name, rest: parts.join(' · ') };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

const treeColumns: Array<Column<TreeLine>> = [
  { header: '#', value: (l) => l.position },
  { header: 'KIND', value: (l) => l.kind, drop: 1 },
  { header: 'ID', value: (l) => ({ id: l.id }) },
  { header: 'NAME', value: (l) => l.name },
  { header: 'SIZE', value: (l) => ({ bytes: l.bytes }), drop: 3 },
  { header: 'LENGTH', value: (l) => formatClock(l.duration_ms), drop: 5 },
  { header: 'RESOLUTION', value: (l) => l.frame, drop: 2 },
  { header: 'STATUS', value: (l) => l.status, drop: 4 },
];
