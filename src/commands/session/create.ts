import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { askText } from '../../ui/prompt.js';
import { checkKey, checkName, nameProblem } from '../../core/names.js';
import { checkSessionType, createSession } from '../../core/content.js';
import { label, sessionView } from './views.js';

export interface CreateOptions {
  name?: string | undefined;
  type?: string | undefined;
  key?: string | undefined;
}

export async function run(opts: CreateOptions, ctx: Context): Promise<View> {
  const raw = opts.name ?? (await askText(ctx.io, { message: 'Session name', flag: '<name>', validate: (v) => nameProblem(v, 'session') }));
  const name = checkName(raw, 'session');
  const key = checkKey(opts.key);
  const type = checkSessionType(opts.type);
  const row = await createSession(await ctx.api(), { name, session_type: type, key });
  return sessionView(ctx.io, row, `Created session ${label(row.id, row.name)}`);
}
