import type { Command } from 'commander';
import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { action, examples } from '../runner.js';
import { askText } from '../../ui/prompt.js';
import { checkKey, checkName, nameProblem } from '../../core/names.js';
import { checkSessionType, createSession, DEFAULT_SESSION_TYPE, SESSION_TYPES } from '../../core/content.js';
import { sessionView } from './views.js';

export interface CreateOptions {
  name?: string | undefined;
  type?: string | undefined;
  key?: string | undefined;
}

export function define(program: Command): Command {
  return program
    .command('create')
    .description('Create a session')
    .argument('[name]', 'the session name (asked for on a terminal)')
    .option('-t, --type <type>', `session type: ${SESSION_TYPES.join(', ')} (default: ${DEFAULT_SESSION_TYPE})`)
    .option('-k, --key <key>', 'a stable key for imports, unique among your sessions')
    .addHelpText('after', examples(['session create "Intro to SQL"', 'session create "Intro to SQL" --key intro-sql --type self-paced --json', 'id=$(session create "Week 1")']))
    .action(action((ctx, name: string | undefined, opts: CreateOptions) => run({ ...opts, name }, ctx)));
}

export async function run(opts: CreateOptions, ctx: Context): Promise<View> {
  const raw = opts.name ?? (await askText(ctx.io, { message: 'Session name', flag: '<name>', validate: (v) => nameProblem(v, 'session') }));
  const name = checkName(raw, 'session');
  const key = checkKey(opts.key);
  const type = checkSessionType(opts.type);
  const row = await createSession(await ctx.api(), { name, session_type: type, key });
  return sessionView(ctx.io, row);
}
