// Helpers of the command tree, loaded with it for `--help`: no value imports beyond errors. The
// IO (chalk), the context and the printer load when a command runs.
import type { Command } from 'commander';
import type { Context, GlobalOptions } from '../core/context.js';
import type { View } from '../ui/printer.js';
import { ExitCode, usageError } from '../base/errors.js';
import { MAX_CONCURRENCY } from '../base/constants.js';

/** Builds the context from the global flags of the command being run. */
export async function contextFor(cmd: Command, signal?: AbortSignal): Promise<Context> {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const [{ IO }, { createContext }] = await Promise.all([import('../base/io.js'), import('../core/context.js')]);
  const io = new IO({
    json: g.json === true,
    quiet: g.quiet === true,
    debug: g.debug === true,
    noInput: g.input === false,
    noColor: g.color === false,
    ...(signal ? { signal } : {}),
  });
  return createContext(io, {
    profile: g.profile,
    localProject: () => import('../local/project.js').then(({ readLocalProject }) => readLocalProject(io.env)),
  });
}

/**
 * Ctrl-C while a command runs (waiting for a login approval, a request, a prompt drawn by
 * something other than inquirer): the one SIGINT handler aborts `signal`, so a prompt restores
 * the terminal, then ends the process with exit 130 and one line. A command that handles Ctrl-C
 * itself (an upload stops its transfers and reports them; `local start` stops the backend)
 * registers its own listener, and this one then stays out of the way.
 */
function interruptOnSigint(): { signal: AbortSignal; dispose(): void } {
  const { stderr } = process;
  const controller = new AbortController();
  const onSigint = (): void => {
    if (process.listenerCount('SIGINT') > 1) return;
    controller.abort();
    // A spinner or a prompt may own the line and have hidden the cursor.
    if (stderr.isTTY) stderr.write('\r\u001b[K\u001b[?25h');
    stderr.write('error: interrupted\n');
    setImmediate(() => process.exit(ExitCode.interrupted));
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** Verbs after which the <TAB> answers may be out of date (sessions, modules or videos changed, or who is signed in). */
export const CHANGING_VERBS = new Set(['create', 'rename', 'rm', 'add', 'move', 'upload', 'import', 'gc', 'login', 'logout', 'reset']);

/** What a command that prints a report and then fails returns: the report is printed, then `error` ends the run. */
export interface ViewThenError {
  view: View;
  error: Error | null;
}

/**
 * Wraps a command body for commander: builds the context, runs, prints the view.
 * Errors propagate to `main`, which owns exit codes.
 */
export function action<Args extends unknown[]>(
  body: (ctx: Context, ...args: Args) => Promise<View | ViewThenError>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const interrupt = interruptOnSigint();
    let ctx: Context | null = null;
    try {
      ctx = await contextFor(cmd, interrupt.signal);
      const result = await body(ctx, ...(args.slice(0, -1) as Args));
      const { view, error } = isViewThenError(result) ? result : { view: result, error: null };
      const { render } = await import('../ui/printer.js');
      await render(ctx.io, view);
      if (error) throw error;
    } finally {
      interrupt.dispose();
      // Also after a failure: an import that fails after its row phase has changed what <TAB> offers.
      if (ctx && CHANGING_VERBS.has(cmd.name())) await (await import('./complete-values.js')).clearCompletionCache(ctx.io.env);
    }
  };
}

function isViewThenError(result: View | ViewThenError): result is ViewThenError {
  return typeof result === 'object' && result !== null && 'view' in result && 'error' in result;
}

/** An "Examples:" block for `--help`, as gh prints them. */
export function examples(lines: string[]): string {
  return `\nEXAMPLES\n${lines.map((l) => `  $ ${l}`).join('\n')}`;
}

/** Parses a 1-based position flag; the range check against the current size happens in the command. */
export function parsePosition(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || String(n) !== value.trim()) {
    throw usageError(`${flag} must be a whole number, got "${value}"`, `use ${flag} 1 for the first position`, 'invalid_position');
  }
  return n;
}

/** `--concurrency` of `video upload` and `import`: files uploaded at once, 1..16. */
export function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || String(n) !== value.trim() || n < 1 || n > MAX_CONCURRENCY) {
    throw usageError(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got "${value}"`, 'use --concurrency 3', 'invalid_concurrency');
  }
  return n;
}
