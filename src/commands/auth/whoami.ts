import type { Context } from '../../core/context.js';
import { record, type View } from '../../ui/printer.js';

export async function run(_opts: Record<string, never>, ctx: Context): Promise<View> {
  const config = await ctx.config();
  const [{ authTarget, resolveIdentity }, { fetchUser }] = await Promise.all([import('../../core/identity.js'), import('../../core/session-auth.js')]);
  const identity = await resolveIdentity(ctx.io, config);
  // Asking the server, not just reading the file: a revoked session shows here (exit 3).
  const user = await fetchUser(authTarget(ctx.io, config), await identity.accessToken());
  return record(
    [
      ['email', user.email],
      // The whole id: this is where people copy it from.
      ['id', user.id],
    ],
    { id: user.id, email: user.email },
  );
}
