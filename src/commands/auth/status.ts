import type { Context } from '../../core/context.js';
import { record, type View } from '../../ui/printer.js';
import { CliError } from '../../base/errors.js';

export async function run(_opts: Record<string, never>, ctx: Context): Promise<View> {
  const config = await ctx.config();
  const [{ authTarget, resolveIdentity, decodeJwtClaims }, { fetchUser }, { credentialsPath }] = await Promise.all([
    import('../../core/identity.js'),
    import('../../core/session-auth.js'),
    import('../../config/credentials.js'),
  ]);
  const file = credentialsPath(config.profile, ctx.io.env);
  const identity = await resolveIdentity(ctx.io, config);
  const token = await identity.accessToken();
  const exp = decodeJwtClaims(token).exp;
  const expiresAt = typeof exp === 'number' ? new Date(exp * 1000).toISOString() : null;

  let user = identity.user;
  let verified: boolean | null = true;
  try {
    user = await fetchUser(authTarget(ctx.io, config), token);
  } catch (err) {
    // A rejected token is exit 3; an unreachable server still leaves the local facts worth showing.
    if (!(err instanceof CliError) || err.code !== 'network') throw err;
    ctx.io.warn(`could not reach ${config.url} to check the token`);
    verified = null;
  }

  const source =
    identity.source === 'env_token'
      ? 'SESSION_ACCESS_TOKEN'
      : identity.source === 'password'
        ? `SESSION_EMAIL and SESSION_PASSWORD (stored in ${file})`
        : file;
  const settings = config.source === 'env' ? 'environment' : config.source === 'file' ? (config.file ?? '.sessionrc') : 'local backend';
  return record(
    [
      ['user', user.email],
      ['user id', { id: user.id }],
      ['project', config.url],
      ['project settings', settings],
      ['profile', config.profile],
      ['credentials', source],
      ['token expires', { time: expiresAt }],
      ['token check', verified === null ? 'server unreachable' : 'accepted by the server'],
    ],
    {
      user: { id: user.id, email: user.email },
      url: config.url,
      profile: config.profile,
      project_settings: config.source,
      credential_source: identity.source,
      credentials_file: identity.source === 'env_token' ? null : file,
      expires_at: expiresAt,
      verified,
    },
  );
}
