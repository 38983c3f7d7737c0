import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import { CliError } from '../../base/errors.js';

export async function run(_opts: Record<string, never>, ctx: Context): Promise<View> {
  const { io } = ctx;
  const config = await ctx.config();
  const credentials = await import('../../config/credentials.js');
  const file = credentials.credentialsPath(config.profile, io.env);

  let stored;
  try {
    stored = await credentials.readCredentials(file);
  } catch {
    stored = null; // damaged: nothing to revoke, but still delete it below
  }
  if (!stored) {
    const deleted = await credentials.deleteCredentials(file);
    if (!deleted) io.info(`Not signed in to ${config.url}; nothing to do.`);
    return { kind: 'none', json: { url: config.url, profile: config.profile, user: null, revoked: false, deleted } };
  }

  // Revoke first (with a fresh access token: an expired one is refused by /logout), then delete
  // locally whatever the server says, so `logout` always leaves this machine signed out.
  let revoked = false;
  let problem: string | null = null;
  try {
    const [{ refreshSession, revokeSession }, { authTarget }] = await Promise.all([import('../../core/session-auth.js'), import('../../core/identity.js')]);
    const target = { ...authTarget(io, config), url: stored.url };
    const fresh = await credentials.freshCredentials(file, stored, { url: stored.url, refresh: (token) => refreshSession(target, token) });
    await revokeSession(target, fresh.access_token);
    revoked = true;
  } catch (err) {
    if (err instanceof CliError && err.exitCode === 3) {
      revoked = true; // the refresh token no longer works: the session already ended on the server
    } else {
      problem = err instanceof Error ? err.message : String(err);
    }
  }
  await credentials.deleteCredentials(file);

  const who = stored.user.email ?? stored.user.id;
  if (problem) io.warn(`the server did not confirm the sign-out (${problem}); the session stays valid there until it expires`);
  io.success(`Logged out of ${stored.url} (${who}); stored credentials deleted`);
  if (io.env.SESSION_ACCESS_TOKEN?.trim()) io.warn('SESSION_ACCESS_TOKEN is still set in this environment');
  return { kind: 'none', json: { url: stored.url, profile: config.profile, user: stored.user, revoked, deleted: true } };
}
