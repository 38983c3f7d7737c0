import type { Context } from '../core/context.js';
import type { ProjectConfig } from './project.js';
import type { Identity } from '../core/identity.js';
import { authError } from '../core/errors.js';

/** The stored session for this profile. (The login issue adds the credential store and refresh.) */
export async function storedIdentity(_ctx: Context, config: ProjectConfig): Promise<Identity> {
  throw authError(`not signed in to ${config.url}`, 'run `session login`', 'not_signed_in');
}
