/** Value formatting shared by tables and messages. Pure functions. */

// Byte sizes are worded in the base layer, so the upload checks (core) can say them without the UI.
export { formatBytes } from './units.js';

/** "3 minutes ago", as gh shows times on a terminal. */
export function formatRelative(iso: string, now: Date = new Date()): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now.getTime() - then) / 1000);
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  const steps: Array<[number, string]> = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [30, 'day'],
    [12, 'month'],
    [Number.POSITIVE_INFINITY, 'year'],
  ];
  let value = abs;
  for (const [size, name] of steps) {
    if (value < size) {
      if (name === 'second' && value < 45) return future ? 'in a moment' : 'just now';
      const n = Math.max(1, Math.round(value));
      const label = `${n} ${name}${n === 1 ? '' : 's'}`;
      return future ? `in ${label}` : `${label} ago`;
    }
    value /= size;
  }
  return iso;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Shortens a uuid for people, as git shortens hashes; `resolve_id` takes the prefix back. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
