import type { IO } from '../base/io.js';
import { interruptedError, usageError } from '../base/errors.js';
import { visibleControls } from '../base/visible.js';

/** What inquirer needs to draw a prompt: our streams and the signal that ends it. */
interface PromptContext {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  signal: AbortSignal;
}

/** One choice of a list prompt; `name` is shown (escaped here), `value` returned. */
export interface Choice<Value> {
  name: string;
  value: Value;
  description?: string;
}

function cannotPrompt(flag: string): Error {
  return usageError(`missing ${flag}`, `pass ${flag}; prompts need a terminal and no --no-input`, 'missing_argument');
}

type Prompts = typeof import('@inquirer/prompts');

/**
 * Runs an inquirer prompt with the command's Ctrl-C and a closed input mapped to our exit codes:
 * Ctrl-C (inquirer sees the key in raw mode, or the runner's SIGINT aborts it) is exit 130 with
 * one line; an input that closes before an answer is exit 2 naming the flag that avoids the prompt.
 * Without a terminal (or with --no-input) it is exit 2 at once, before inquirer loads.
 */
async function ask<T>(io: IO, flag: string, prompt: (prompts: Prompts, context: PromptContext) => Promise<T>): Promise<T> {
  if (!io.canPrompt) throw cannotPrompt(flag);
  const prompts = await import('@inquirer/prompts');
  const closed = new AbortController();
  const onClose = () => closed.abort();
  io.stdin.once('end', onClose);
  io.stdin.once('close', onClose);
  const signal = io.signal ? AbortSignal.any([closed.signal, io.signal]) : closed.signal;
  try {
    return await prompt(prompts, { input: io.stdin, output: io.stderr, signal });
  } catch (err) {
    const name = (err as { name?: string } | null)?.name;
    if (closed.signal.aborted || (name === 'ExitPromptError' && !/SIGINT/.test(String((err as Error).message)))) {
      throw usageError(`no answer for ${flag}: the input closed`, `pass ${flag} (or run on a terminal)`, 'input_closed');
    }
    if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') throw interruptedError();
    throw err;
  } finally {
    io.stdin.off('end', onClose);
    io.stdin.off('close', onClose);
  }
}

/** Asks for a missing value on a terminal; without one (or with --no-input) it is a usage error, never a hang. */
export async function askText(io: IO, opts: { message: string; flag: string; validate?: (v: string) => string | true }): Promise<string> {
  return ask(io, opts.flag, ({ input }, context) =>
    input({ message: visibleControls(opts.message), validate: opts.validate ?? ((v: string) => (v.trim() ? true : 'required')) }, context),
  );
}

export async function askSecret(io: IO, opts: { message: string; flag: string }): Promise<string> {
  return ask(io, opts.flag, ({ password }, context) => password({ message: visibleControls(opts.message), mask: '*' }, context));
}

/**
 * A choice from a list the reader can narrow by typing (the list is filtered on each key),
 * as gh's pickers; `flag` names what to pass to avoid the prompt.
 */
export async function askSearch<Value>(io: IO, opts: { message: string; flag: string; choices: Array<Choice<Value>> }): Promise<Value> {
  const choices = opts.choices.map((c) => ({ ...c, name: visibleControls(c.name), ...(c.description ? { description: visibleControls(c.description) } : {}) }));
  const rows = (io.stderr as { rows?: number }).rows;
  return ask(io, opts.flag, ({ search }, context) =>
    search<Value>(
      {
        message: visibleControls(opts.message),
        pageSize: Math.max(5, Math.min(15, rows ? rows - 4 : 10)),
        source: async (term) => {
          const words = (term ?? '').toLowerCase().split(/\s+/).filter(Boolean);
          return choices.filter((c) => words.every((w) => `${c.name} ${c.description ?? ''}`.toLowerCase().includes(w)));
        },
      },
      context,
    ),
  );
}

/** A choice from a short list (positions, kinds). */
export async function askSelect<Value>(io: IO, opts: { message: string; flag: string; choices: Array<Choice<Value>>; default?: Value }): Promise<Value> {
  const choices = opts.choices.map((c) => ({ ...c, name: visibleControls(c.name) }));
  return ask(io, opts.flag, ({ select }, context) =>
    select<Value>({ message: visibleControls(opts.message), choices, ...(opts.default !== undefined ? { default: opts.default } : {}), pageSize: 12 }, context),
  );
}

/** Confirms a destructive action: `--yes` skips it; without a terminal the flag is required. */
export async function confirmOrYes(io: IO, opts: { message: string; yes: boolean | undefined }): Promise<boolean> {
  if (opts.yes) return true;
  assertCanConfirm(io, false);
  return ask(io, '--yes', ({ confirm }, context) => confirm({ message: visibleControls(opts.message), default: false }, context));
}

/** Fails early, before any request, when a confirmation will be needed and nobody can give it. */
export function assertCanConfirm(io: IO, yes: boolean | undefined): void {
  if (!yes && !io.canPrompt) throw usageError('refusing to delete without confirmation', 'pass --yes to confirm', 'confirmation_required');
}
