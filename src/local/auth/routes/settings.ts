// GET /auth/v1/settings
import type { AuthContext } from '../context.js';
import type { AuthRequest } from '../request.js';
import { json } from '../respond.js';

export async function settings(_ctx: AuthContext, request: AuthRequest): Promise<void> {
  json(request.req, request.res, 200, settingsBody());
}

function settingsBody(): Record<string, unknown> {
  return {
    external: { email: true, phone: false, anonymous_users: false },
    disable_signup: false,
    mailer_autoconfirm: true,
    phone_autoconfirm: false,
    sms_provider: '',
    saml_enabled: false,
  };
}
