// Missing <session>, <module> and <video> arguments on a terminal: chosen from a list the reader
// narrows by typing, each answer valid as soon as it is given (it is one of the rows listed).
// Without a terminal (or with --no-input) a missing argument is exit 2, as for every command.
import type { Context } from '../core/context.js';
import { checkRef, type RefKind } from '../core/refs.js';
import { notFoundError, usageError } from '../base/errors.js';
import { listModules, listSessions, type ModuleEntry } from '../core/content.js';
import { listVideos } from '../core/videos.js';
import { MAX_PAGE } from '../base/constants.js';
import { askSearch } from '../ui/prompt.js';
import { formatBytes, shortId } from '../base/format.js';

function missing(kind: RefKind): Error {
  const what = kind === 'session' ? 'a session id, id prefix, name or key' : `a ${kind} id or id prefix`;
  return usageError(`missing <${kind}>`, `pass ${what}; on a terminal without --no-input it is asked`, 'missing_argument');
}

/** `<session>` as given, or picked from the caller's sessions; the answer is a session id. */
export async function sessionArg(ctx: Context, ref: string | undefined): Promise<string> {
  if (ref !== undefined) return checkRef('session', ref);
  if (!ctx.io.canPrompt) throw missing('session');
  return pickSession(ctx);
}

export async function pickSession(ctx: Context): Promise<string> {
  const { sessions } = await listSessions(await ctx.api(), { limit: MAX_PAGE });
  if (sessions.length === 0) throw notFoundError('you have no sessions yet', 'create one with `session create <name>`', 'no_sessions');
  return askSearch(ctx.io, {
    message: 'Session (type to filter)',
    flag: '<session>',
    choices: sessions.map((s) => ({
      name: `${s.name}${s.key ? `  [${s.key}]` : ''}  ${shortId(s.id)}`,
      value: s.id,
      description: `${s.module_count} module${s.module_count === 1 ? '' : 's'}, ${s.video_count} video${s.video_count === 1 ? '' : 's'}, ${formatBytes(s.total_bytes)}`,
    })),
  });
}

/** `<module>` as given, or picked: a session first, then one of its modules. */
export async function moduleArg(ctx: Context, ref: string | undefined): Promise<string> {
  if (ref !== undefined) return checkRef('module', ref);
  if (!ctx.io.canPrompt) throw missing('module');
  return pickModule(ctx, await pickSession(ctx));
}

/** `modules`: the session's modules when the caller has read them already (one request, not two). */
export async function pickModule(ctx: Context, sessionId: string, message = 'Module (type to filter)', modules?: ModuleEntry[]): Promise<string> {
  modules ??= await listModules(await ctx.api(), sessionId);
  if (modules.length === 0) throw notFoundError('that session has no modules yet', 'add one with `session module add <session> <name>`', 'no_modules');
  return askSearch(ctx.io, {
    message,
    flag: '<module>',
    choices: modules.map((m) => ({ name: `${m.position}. ${m.name}${m.key ? `  [${m.key}]` : ''}  ${shortId(m.id)}`, value: m.id })),
  });
}

/** `<video>` as given, or picked: a session, one of its modules, then one of its videos. */
export async function videoArg(ctx: Context, ref: string | undefined): Promise<string> {
  if (ref !== undefined) return checkRef('video', ref);
  if (!ctx.io.canPrompt) throw missing('video');
  const moduleId = await pickModule(ctx, await pickSession(ctx));
  const videos = await listVideos(await ctx.api(), moduleId);
  if (videos.length === 0) throw notFoundError('that module has no videos yet', 'add some with `session video upload <module> <file>`', 'no_videos');
  return askSearch(ctx.io, {
    message: 'Video (type to filter)',
    flag: '<video>',
    choices: videos.map((v) => ({ name: `${v.position}. ${v.file_name}  ${shortId(v.id)}`, value: v.id, description: `${formatBytes(v.file_size)}, ${v.status}` })),
  });
}
