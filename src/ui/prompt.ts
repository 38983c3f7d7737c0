import type { IO } from './io.js';
import { usageError } from '../core/errors.js';
import { visibleControls } from './visible.js';

/** Asks for a missing value on a terminal; without one (or with --no-input) it is a usage error, never a hang. */
export async function askText(io: IO, opts: { message: string; flag: string; validate?: (v: string) => string | true }): Promise<string> {
  if (!io.canPrompt) throw usageError(`missing ${opts.flag}`, `pass ${opts.flag}; prompts need a terminal and no --no-input`, 'missing_argument');
  const { input } = await import('@inquirer/prompts');
  return input({ message: visibleControls(opts.message), validate: opts.validate ?? ((v: string) => (v.trim() ? true : 'required')) }, { output: io.stderr, input: io.stdin });
}

export async function askSecret(io: IO, opts: { message: string; flag: string }): Promise<string> {
  if (!io.canPrompt) throw usageError(`missing ${opts.flag}`, `pass ${opts.flag}; prompts need a terminal and no --no-input`, 'missing_argument');
  const { password } = await import('@inquirer/prompts');
  return password({ message: visibleControls(opts.message), mask: '*' }, { output: io.stderr, input: io.stdin });
}

/** Confirms a destructive action: `--yes` skips it; without a terminal the flag is required. */
export async function confirmOrYes(io: IO, opts: { message: string; yes: boolean | undefined }): Promise<boolean> {
  if (opts.yes) return true;
  assertCanConfirm(io, false);
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: visibleControls(opts.message), default: false }, { output: io.stderr, input: io.stdin });
}

/** Fails early, before any request, when a confirmation will be needed and nobody can give it. */
export function assertCanConfirm(io: IO, yes: boolean | undefined): void {
  if (!yes && !io.canPrompt) throw usageError('refusing to delete without confirmation', 'pass --yes to confirm', 'confirmation_required');
}
