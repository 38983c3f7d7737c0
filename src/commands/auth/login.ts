import type { Context } from '../../core/context.js';
import type { View } from '../../ui/printer.js';
import type { AuthSession, AuthTarget } from '../../core/session-auth.js';
import { authError, usageError } from '../../base/errors.js';
import { visibleControls as v } from '../../base/visible.js';

export interface LoginOptions {
  /** `--no-browser` sets it false. */
  browser: boolean;
  withPassword?: boolean;
}

export async function run(opts: LoginOptions, ctx: Context): Promise<View> {
  const config = await ctx.config();
  const [{ credentialsPath, toStored, withCredentialsLock, writeCredentials }, { authTarget }] = await Promise.all([
    import('../../config/credentials.js'),
    import('../../core/identity.js'),
  ]);
  const target = authTarget(ctx.io, config);
  if (ctx.io.env.SESSION_ACCESS_TOKEN?.trim()) {
    ctx.io.warn('SESSION_ACCESS_TOKEN is set: commands use it before the stored sign-in; unset it to use this login');
  }

  const session = opts.withPassword ? await passwordLogin(ctx, target) : await deviceLogin(ctx, target, opts);
  const file = credentialsPath(config.profile, ctx.io.env);
  const creds = toStored(config.url, session, opts.withPassword ? 'password' : 'device');
  // Under the lock, so a refresh running in another process cannot write its older session over this one.
  await withCredentialsLock(file, () => writeCredentials(file, creds));

  const who = creds.user.email ?? creds.user.id;
  ctx.io.success(`Logged in to ${config.url} as ${who}${config.profile === 'default' ? '' : ` (profile ${config.profile})`}`);
  return {
    kind: 'none',
    json: {
      user: creds.user,
      url: config.url,
      profile: config.profile,
      method: creds.method,
      expires_at: new Date(creds.expires_at * 1000).toISOString(),
      credentials_file: file,
    },
  };
}

async function passwordLogin(ctx: Context, target: AuthTarget): Promise<AuthSession> {
  const { io } = ctx;
  let email = io.env.SESSION_EMAIL?.trim();
  let password = io.env.SESSION_PASSWORD;
  if ((!email || !password) && !io.canPrompt) {
    throw usageError(
      `missing ${!email ? 'SESSION_EMAIL' : 'SESSION_PASSWORD'}`,
      'set SESSION_EMAIL and SESSION_PASSWORD, or run on a terminal without --no-input to be asked',
      'missing_credentials',
    );
  }
  const { askSecret, askText } = await import('../../ui/prompt.js');
  email ||= (await askText(io, { message: 'Email', flag: 'SESSION_EMAIL' })).trim();
  password ||= await askSecret(io, { message: 'Password', flag: 'SESSION_PASSWORD' });
  const { passwordSignIn } = await import('../../core/session-auth.js');
  return passwordSignIn(target, email, password);
}

async function deviceLogin(ctx: Context, target: AuthTarget, opts: LoginOptions): Promise<AuthSession> {
  const { io } = ctx;
  const [{ hostname }, { requestDeviceCode, pollDeviceToken }, browser] = await Promise.all([
    import('node:os'),
    import('../../core/session-auth.js'),
    import('./browser.js'),
  ]);
  const code = await requestDeviceCode(target, `session CLI on ${hostname()}`);

  // The code goes to stderr even with --quiet: without it there is no way to finish.
  const s = io.errStyle;
  // What the server sent is escaped before it is styled, like every other outside string.
  const minutes = Math.max(1, Math.round(code.expires_in / 60));
  io.stderr.write(`${s.yellow('!')} First copy your one-time code: ${s.bold(v(code.user_code))}\n`);
  io.stderr.write(`Then approve this sign-in at ${s.bold(v(code.verification_uri_complete))}\n`);
  io.stderr.write(s.dim(`(or open ${v(code.verification_uri)} and enter the code; it expires in ${minutes} minute${minutes === 1 ? '' : 's'})\n`));
  if (opts.browser && browser.canOpenBrowser(io.env)) {
    const failed = await browser.openBrowser(code.verification_uri_complete, io.env);
    if (failed) io.stderr.write(`${s.red('!')} could not open a browser (${v(failed.message)}); open the URL above by hand\n`);
  }

  let interval = code.interval;
  const deadline = Date.now() + code.expires_in * 1000;
  const stop = browser.startSpinner(io, 'Waiting for approval in the browser…');
  try {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, interval * 1000));
      // The server says expired_token first; this only guards against a server that never does.
      if (Date.now() > deadline + 30_000) {
        throw authError('the login code expired before it was approved', 'run `session login` again and approve within the time shown', 'login_expired');
      }
      let poll;
      try {
        poll = await pollDeviceToken(target, code.device_code);
      } catch (err) {
        // A lost request is not a lost login: keep polling until the code expires.
        if ((err as { code?: string }).code !== 'network' || Date.now() > deadline) throw err;
        io.debug(`poll failed (${(err as Error).message}); retrying`);
        continue;
      }
      switch (poll.kind) {
        case 'session':
          return poll.session;
        case 'pending':
          break;
        case 'slow_down':
          // RFC 8628 3.5: add 5 seconds to this and every later poll.
          interval = Math.max(interval + 5, poll.interval ?? 0);
          io.debug(`server asked to slow down; polling every ${interval} s`);
          break;
        case 'expired':
          throw authError('the login code expired before it was approved', 'run `session login` again and approve within the time shown', 'login_expired');
        case 'denied':
          throw authError('the login was denied in the browser', 'run `session login` again if that was a mistake', 'login_denied');
        case 'invalid':
          throw authError('the login code is no longer valid (unknown or already used)', 'run `session login` again', 'login_invalid');
      }
    }
  } finally {
    stop();
  }
}
