// What `module move` and `video move` share: the target from the flags (or asked on a terminal,
// each position named by its neighbour) and the line and JSON printed after the move.
import type { Context } from '../core/context.js';
import { checkPositive, moveSpecFrom, type MoveSpec } from '../core/positions.js';
import type { MovedModule, MovedVideo } from '../core/moves.js';
import { message, type View } from '../ui/printer.js';
import { askSelect } from '../ui/prompt.js';

/** The target flags of both move commands. */
export interface MoveFlags {
  to?: number | undefined;
  before?: string | undefined;
  after?: string | undefined;
  first?: boolean | undefined;
  last?: boolean | undefined;
}

/**
 * The one target the flags give, or null on a terminal when none is given (then it is asked).
 * None elsewhere, several, or `--to` below 1 is exit 2, before any request.
 */
export function moveSpecOrAsk(flags: MoveFlags, ctx: Context): MoveSpec | null {
  const noTarget = flags.to === undefined && flags.before === undefined && flags.after === undefined && !flags.first && !flags.last;
  if (noTarget && ctx.io.canPrompt) return null;
  const spec = moveSpecFrom(flags);
  if ('to' in spec) checkPositive(spec.to, '--to');
  return spec;
}

/** The target asked on a terminal: each 1-based position, named by the item it would go before or after. */
export async function askPosition<Item extends { id: string }>(ctx: Context, items: Item[], movingId: string, label: (item: Item) => string): Promise<number> {
  const current = items.findIndex((item) => item.id === movingId);
  return askSelect(ctx.io, {
    message: 'Move to position',
    flag: '--to, --before, --after, --first or --last',
    default: current + 1,
    choices: items.map((item, i) => ({
      name: `${i + 1}  ${i === current ? '(where it is now)' : i < current ? `before "${label(item)}"` : `after "${label(item)}"`}`,
      value: i + 1,
    })),
  });
}

/**
 * "Setup moved to position 1 of 7" (or "stays at"); JSON: `row` (the item as each command names
 * its fields), then its 1-based positions now and before, and the count.
 */
export function movedView(label: string, row: Record<string, unknown>, moved: MovedModule | MovedVideo): View {
  const json = {
    ...row,
    position: moved.order_index + 1,
    order_index: moved.order_index,
    previous_position: moved.previous_order_index + 1,
    count: moved.count,
  };
  const where = moved.order_index === moved.previous_order_index ? 'stays at' : 'moved to';
  return message(`${label} ${where} position ${json.position} of ${moved.count}`, json, { check: true });
}
