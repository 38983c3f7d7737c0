import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { action, examples } from '../runner.js';
import { askText } from '../../ui/prompt.js';
import { checkRef, isUuid } from '../../core/refs.js';
import { listModules, resolveRef } from '../../core/content.js';
import { moduleTable } from './views.js';

export function define(parent: Command): Command {
  return parent
    .command('ls')
    .alias('list')
    .description("List a session's modules in order")
    .argument('[session]', 'session id, id prefix, name or key')
    .addHelpText('after', examples(['session module ls "Intro to SQL"', 'session module ls 3f2a --json | jq -r ".[].id"']))
    .action(action((ctx, session: string | undefined) => run({ session }, ctx)));
}

export async function run(opts: { session?: string | undefined }, ctx: Context): Promise<View> {
  const ref = checkRef('session', opts.session ?? (await askText(ctx.io, { message: 'Session (id, name or key)', flag: '<session>' })));
  const api = await ctx.api();
  const session = await resolveRef(api, 'session', ref);
  const modules = await listModules(api, session.id);
  // No rows for a full id: an empty session, or one that is not yours (exit 4). Ask once to tell which.
  if (modules.length === 0 && isUuid(ref)) await resolveRef(api, 'session', ref, { verify: true });
  return moduleTable(modules);
}
