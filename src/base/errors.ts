/** Exit codes, as documented in DESIGN.md section 2. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  conflict: 5,
  partial: 6,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface CliErrorOptions {
  /** Stable machine-readable code, snake_case (e.g. `not_found`, `invalid_position`). */
  code: string;
  hint?: string | undefined;
  exitCode: ExitCodeValue;
  cause?: unknown;
  /** Extra data for `--json` error output (candidates of an ambiguous id, a per-file report). */
  details?: unknown;
}

/** An error the user can act on: one line of message, one line of hint, a documented exit code. */
export class CliError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;
  readonly details: unknown;

  constructor(message: string, opts: CliErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.code = opts.code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode;
    this.details = opts.details;
  }

  toJSON(): { error: { code: string; message: string; hint: string | null; exit_code: number; details?: unknown } } {
    const error: { code: string; message: string; hint: string | null; exit_code: number; details?: unknown } = {
      code: this.code,
      message: this.message,
      hint: this.hint ?? null,
      exit_code: this.exitCode,
    };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export const usageError = (message: string, hint?: string, code = 'usage'): CliError =>
  new CliError(message, { code, hint, exitCode: ExitCode.usage });

export const authError = (message: string, hint = 'run `session login`', code = 'not_signed_in'): CliError =>
  new CliError(message, { code, hint, exitCode: ExitCode.auth });

export const notFoundError = (message: string, hint?: string, code = 'not_found'): CliError =>
  new CliError(message, { code, hint, exitCode: ExitCode.notFound });

export const conflictError = (message: string, hint?: string, code = 'conflict'): CliError =>
  new CliError(message, { code, hint, exitCode: ExitCode.conflict });

export const interruptedError = (message = 'interrupted', hint?: string): CliError =>
  new CliError(message, { code: 'interrupted', hint, exitCode: ExitCode.interrupted });

/** Turns anything thrown into a CliError; unknown errors become exit 1. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(firstLine(message) || 'unexpected error', {
    code: 'unexpected',
    hint: 'run again with --debug for details',
    exitCode: ExitCode.failure,
    cause: err,
  });
}

export function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

/** The server could not be reached; the hint names the local backend when the URL is local. */
export function networkError(url: string, cause: unknown): CliError {
  const origin = safeOrigin(url);
  return new CliError(`cannot reach ${origin}`, {
    code: 'network',
    hint: origin.includes('127.0.0.1') || origin.includes('localhost') ? 'start the local backend with `session local start`' : 'check your connection and SUPABASE_URL',
    exitCode: ExitCode.failure,
    cause,
  });
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
