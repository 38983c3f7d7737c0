// What `session __complete <kind> [session]` prints on <TAB>: one "value<TAB>description" line
// per candidate, nothing at all on any error. Answers are kept for a short while in the user's
// cache folder (0600), so every <TAB> after the first starts Node, reads a file and prints it:
// no config, no supabase-js, no request. Commands that change something clear the cache.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../core/context.js';
import { writeFileAtomic } from '../base/atomic-file.js';

export const COMPLETION_KINDS = ['sessions', 'modules', 'videos'] as const;
export type CompletionKind = (typeof COMPLETION_KINDS)[number];

/** How long an answer is reused. */
export const COMPLETION_TTL_MS = 30_000;

export function completionCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache');
  return join(base, 'session', 'complete');
}

/** One file per question and per place it was asked from (profile, project, folder). */
export function cacheFile(kind: string, arg: string, profile: string, env: NodeJS.ProcessEnv, cwd: string): string {
  // Whose answer it is: the project, and where the credentials come from (another user, another answer).
  const token = env.SESSION_ACCESS_TOKEN ? createHash('sha256').update(env.SESSION_ACCESS_TOKEN).digest('hex') : '';
  const key = JSON.stringify([kind, arg, profile, env.SESSION_PROFILE ?? '', env.SUPABASE_URL ?? '', token, env.XDG_CONFIG_HOME ?? '', env.HOME ?? '', cwd]);
  return join(completionCacheDir(env), `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.tsv`);
}

/** The cached answer when it is fresh, else null. */
export async function readCached(file: string, now = Date.now()): Promise<string | null> {
  try {
    const info = await stat(file);
    if (now - info.mtimeMs > COMPLETION_TTL_MS || now < info.mtimeMs - 1000) return null;
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** Replaces the answer whole (0600), so a <TAB> pressed meanwhile reads the old one or the new one, never half. */
export async function writeCached(file: string, text: string, env: NodeJS.ProcessEnv): Promise<void> {
  await mkdir(completionCacheDir(env), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, text, 0o600);
}

/** After a command that may have changed sessions, modules or videos: the next <TAB> asks again. */
export async function clearCompletionCache(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await rm(completionCacheDir(env), { recursive: true, force: true }).catch(() => undefined);
}

const clean = (text: string): string => text.replace(/[\t\n\r]/g, ' ');

/** Asks the project: sessions by id, key and name; a session's modules by id and name; the caller's modules or videos by id. */
export async function completionLines(kind: CompletionKind, arg: string, ctx: Context): Promise<string[]> {
  const api = await ctx.api();
  if (kind === 'sessions') {
    const { listSessions } = await import('../core/content.js');
    const { sessions } = await listSessions(api, { limit: 200 });
    const lines: string[] = [];
    for (const s of sessions) {
      lines.push(`${s.id}\t${clean(s.name)}`);
      if (s.key) lines.push(`${clean(s.key)}\t${clean(s.name)}`);
      lines.push(`${clean(s.name)}\t${s.id.slice(0, 8)}${s.key ? ` ${clean(s.key)}` : ''}`);
    }
    return lines;
  }
  if (kind === 'modules' && arg) {
    const { listModules, resolveRef } = await import('../core/content.js');
    const session = await resolveRef(api, 'session', arg);
    const modules = await listModules(api, session.id);
    return modules.flatMap((m) => [`${m.id}\t${m.position}. ${clean(m.name)}`, `${clean(m.name)}\t${m.position}. ${m.id.slice(0, 8)}`]);
  }
  if (kind === 'modules') {
    const { data, error } = await api.client.from('modules').select('id,name').order('updated_at', { ascending: false }).limit(500);
    if (error) throw error;
    return (data as Array<{ id: string; name: string }>).map((m) => `${m.id}\t${clean(m.name)}`);
  }
  const { data, error } = await api.client.from('videos').select('id,file_name').order('updated_at', { ascending: false }).limit(500);
  if (error) throw error;
  return (data as Array<{ id: string; file_name: string }>).map((v) => `${v.id}\t${clean(v.file_name)}`);
}

/**
 * The hidden `__complete` command: the cache first, else the project. Prints nothing on any
 * error (not signed in, offline): a <TAB> must never print an error into the command line.
 */
export async function printCompletions(kind: string, arg: string | undefined, opts: { profile?: string | undefined }, makeContext: () => Promise<Context>): Promise<void> {
  if (!(COMPLETION_KINDS as readonly string[]).includes(kind)) return;
  const env = process.env;
  const file = cacheFile(kind, arg ?? '', opts.profile ?? '', env, process.cwd());
  const cached = await readCached(file);
  if (cached !== null) {
    process.stdout.write(cached);
    return;
  }
  try {
    const lines = await completionLines(kind as CompletionKind, arg ?? '', await makeContext());
    const text = lines.length ? `${lines.join('\n')}\n` : '';
    process.stdout.write(text);
    if (text) await writeCached(file, text, env).catch(() => undefined);
  } catch {
    // nothing offered
  }
}
