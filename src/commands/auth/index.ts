import type { Command } from 'commander';
import * as login from './login.js';
import * as logout from './logout.js';
import * as whoami from './whoami.js';
import * as status from './status.js';

/** `session login`, `logout`, `whoami`, `status`: top-level verbs, as people type them. */
export function registerAuthCommands(program: Command): void {
  login.define(program);
  logout.define(program);
  whoami.define(program);
  status.define(program);
}
