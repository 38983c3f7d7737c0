import type { Command } from 'commander';
import { define as defineAdd } from './add.js';
import { define as defineList } from './ls.js';
import { define as defineMove } from './move.js';
import { define as defineRename } from './rename.js';
import { define as defineRemove } from './rm.js';

/** `session module add|ls|move|rename|rm`. */
export function registerModuleCommands(program: Command): void {
  const module = program.command('module').description('Add, list, reorder, rename and delete the modules of a session');
  defineAdd(module);
  defineList(module);
  defineMove(module);
  defineRename(module);
  defineRemove(module);
}
