import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { askText } from '../../ui/prompt.js';
import { checkKey, checkName, nameProblem } from '../../core/names.js';
import { sessionArg } from '../pickers.js';
import { checkPosition, checkPositive } from '../../core/positions.js';
import { CliError, ExitCode } from '../../base/errors.js';
import { addModule, listModules, resolveRef } from '../../core/content.js';
import { moduleView } from './views.js';
import { label } from '../session/views.js';

export interface AddOptions {
  session?: string | undefined;
  name?: string | undefined;
  at?: number | undefined;
  key?: string | undefined;
}

export async function run(opts: AddOptions, ctx: Context): Promise<View> {
  const ref = await sessionArg(ctx, opts.session);
  const name = checkName(opts.name ?? (await askText(ctx.io, { message: 'Module name', flag: '<name>', validate: (v) => nameProblem(v, 'module') })), 'module');
  const key = checkKey(opts.key);
  // The lower bound needs no request; the upper one is the database's to check.
  if (opts.at !== undefined) checkPositive(opts.at, '--at');
  const api = await ctx.api();
  const session = await resolveRef(api, 'session', ref);
  try {
    const entry = await addModule(api, session.id, name, { orderIndex: opts.at === undefined ? undefined : opts.at - 1, key });
    return moduleView(ctx.io, entry, `Added module ${label(entry.id, entry.name)} at position ${entry.position}`);
  } catch (err) {
    // A rejected position: count the modules (only on this path) to say which range is valid.
    if (opts.at !== undefined && err instanceof CliError && err.exitCode === ExitCode.usage) {
      checkPosition(opts.at, (await listModules(api, session.id)).length, '--at');
    }
    throw err;
  }
}
