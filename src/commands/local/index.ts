import type { Command } from 'commander';
import { define as defineStart } from './start.js';
import { define as defineStop } from './stop.js';
import { define as defineStatus } from './status.js';
import { define as defineReset } from './reset.js';

/** `session local start|stop|status|reset`: the local Supabase-compatible backend (DESIGN.md section 6). */
export function registerLocalCommands(program: Command): void {
  const local = program
    .command('local')
    .description('Run a local Supabase-compatible backend (PostgreSQL 17 + Auth, REST, Storage, Functions), no Docker needed');
  defineStart(local);
  defineStop(local);
  defineStatus(local);
  defineReset(local);
}
