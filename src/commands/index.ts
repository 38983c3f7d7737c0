import type { Command } from 'commander';
import { registerAuthCommands } from './auth/index.js';
import { registerSessionCommands } from './session/index.js';
import { registerModuleCommands } from './module/index.js';
import { registerVideoCommands } from './video/index.js';
import { define as defineGc } from './gc.js';
import { define as defineImport } from './import.js';
import { define as defineExport } from './export.js';
import { define as defineCompletion } from './completion.js';
import { registerLocalCommands } from './local/index.js';

/** Every command, in the order `--help` lists them. Each noun registers its own verbs. */
export function registerCommands(program: Command): void {
  registerAuthCommands(program);
  registerSessionCommands(program);
  registerModuleCommands(program);
  registerVideoCommands(program);
  defineImport(program);
  defineExport(program);
  defineGc(program);
  registerLocalCommands(program);
  defineCompletion(program);
}
