// Values the command tree prints in `--help` that the commands and the core use too. No
// imports: the tree loads this module for `--help`, so whatever it imported would load with it.

/** The types the `sessions_session_type_check` constraint allows (the database stays the authority). */
export const SESSION_TYPES = ['Linear Flow', 'Branching Flow', 'Self-Paced', 'Live Workshop', 'Assessment'] as const;
export const DEFAULT_SESSION_TYPE = 'Linear Flow';

/** `session ls --limit`: sessions per page, at most. */
export const MAX_PAGE = 1000;

/** Files uploaded at once unless `--concurrency` says otherwise. */
export const DEFAULT_CONCURRENCY = 3;

/** `--concurrency` and `.sessionrc` `concurrency`: at most this many files at once. */
export const MAX_CONCURRENCY = 16;

/** `session video url`: seconds a signed URL works unless `--expires` says otherwise. */
export const DEFAULT_EXPIRES = 3600;

/** Shells `session completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
