import type { Command } from 'commander';

/** Every command, in the order `--help` lists them. Each noun registers its own verbs. */
export function registerCommands(program: Command): void {
  void program;
}
