/**
 * How the import reports its phases to whoever draws them (the command: a redrawn line on a
 * terminal, a line at each start and every 10 s in CI). Core code only counts.
 */
export type ImportPhase = 'read' | 'hash' | 'plan' | 'rows' | 'upload';

export interface ImportProgress {
  /** A phase begins; `total` is the number of items it will count, when known. */
  start(phase: ImportPhase, total?: number): void;
  /** `done` items of the current phase are finished. */
  advance(done: number): void;
  /** The current phase ended. */
  end(): void;
}

