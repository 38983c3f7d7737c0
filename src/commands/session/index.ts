import type { Command } from 'commander';
import { define as defineCreate } from './create.js';
import { define as defineList } from './ls.js';
import { define as defineShow } from './show.js';
import { define as defineRename } from './rename.js';
import { define as defineRemove } from './rm.js';

/** Sessions are the top-level noun: `session create`, `session ls` (also `sessions ls`)… */
export function registerSessionCommands(program: Command): void {
  defineCreate(program);
  defineList(program);
  defineShow(program);
  defineRename(program);
  defineRemove(program);
}
