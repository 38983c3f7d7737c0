import { usageError, type CliError } from '../base/errors.js';

/**
 * Where a module (or video) should go, as people say it. Positions are 1-based; the
 * database's `order_index` is 0-based.
 */
export type MoveSpec =
  | { to: number }
  | { before: string }
  | { after: string }
  | { first: true }
  | { last: true };

/** A position range error names the valid range: `use --at 1..7`. */
export function positionError(flag: string, position: number, max: number): CliError {
  if (max <= 1) return usageError(`${flag} ${position}: the only position is 1`, `use ${flag} 1`, 'position_out_of_range');
  return usageError(`${flag} ${position} is outside 1..${max}`, `use ${flag} 1..${max}`, 'position_out_of_range');
}

/** Checks a 1-based position to insert at against the number of items: 1..n+1. */
export function checkPosition(position: number, count: number, flag: string): void {
  const max = count + 1;
  if (!Number.isInteger(position) || position < 1 || position > max) throw positionError(flag, position, max);
}

/** The check that needs no count: positions start at 1. */
export function checkPositive(position: number, flag: string): void {
  if (!Number.isInteger(position) || position < 1) {
    throw usageError(`${flag} ${position}: positions start at 1`, `use ${flag} 1 for the first position`, 'position_out_of_range');
  }
}

/** Builds the one move from the flags given; exactly one is required. */
export function moveSpecFrom(opts: { to?: number; before?: string; after?: string; first?: boolean; last?: boolean }): MoveSpec {
  const given: MoveSpec[] = [];
  if (opts.to !== undefined) given.push({ to: opts.to });
  if (opts.before !== undefined) given.push({ before: opts.before });
  if (opts.after !== undefined) given.push({ after: opts.after });
  if (opts.first) given.push({ first: true });
  if (opts.last) given.push({ last: true });
  if (given.length !== 1) {
    throw usageError(
      given.length === 0 ? 'missing the new position' : 'choose only one of --to, --before, --after, --first, --last',
      'pass one of --to P, --before M, --after M, --first or --last',
      'invalid_move',
    );
  }
  return given[0]!;
}

/** The module or video `--before` / `--after` names, as given; undefined for the other targets. */
export function anchorOf(spec: MoveSpec): { flag: 'before' | 'after'; ref: string } | undefined {
  if ('before' in spec) return { flag: 'before', ref: spec.before };
  if ('after' in spec) return { flag: 'after', ref: spec.after };
  return undefined;
}

/** Where a move puts the item, as the person said it; exactly one field is set. Ids are full ids. */
export interface MoveTarget {
  /** 0-based. */
  orderIndex?: number;
  first?: boolean;
  last?: boolean;
  before?: string;
  after?: string;
}

/** The target as `move_module_to` / `move_video_to` take it. */
export function moveTargetArgs(target: MoveTarget): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (target.orderIndex !== undefined) args.p_order_index = target.orderIndex;
  if (target.first) args.p_first = true;
  if (target.last) args.p_last = true;
  if (target.before !== undefined) args.p_before = target.before;
  if (target.after !== undefined) args.p_after = target.after;
  return args;
}

/** The database's target for a spec; `anchorId` is the full id `--before` / `--after` names. */
export function moveTargetFrom(spec: MoveSpec, anchorId?: string): MoveTarget {
  if ('to' in spec) return { orderIndex: spec.to - 1 };
  if ('first' in spec) return { first: true };
  if ('last' in spec) return { last: true };
  if ('before' in spec) return { before: anchorId ?? spec.before };
  return { after: anchorId ?? spec.after };
}

/**
 * The database refuses a position past the end naming the valid range ("use 0..6"): the same
 * error in people's 1-based terms (`--to 9 is outside 1..7`), or null for any other error.
 */
export function positionErrorFrom(err: unknown, flag: string, position: number): CliError | null {
  const match = /out of range: use 0\.\.(-?\d+)/.exec(err instanceof Error ? err.message : '');
  if (!match) return null;
  return positionError(flag, position, Number(match[1]) + 1);
}
