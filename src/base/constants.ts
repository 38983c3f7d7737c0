// Values the command tree prints in `--help` that the commands and the core use too. No
// imports: the tree loads this module for `--help`, so whatever it imported would load with it.

/** The types the `sessions_session_type_check` constraint allows (the database stays the authority). */
export const SESSION_TYPES = ['Linear Flow', 'Branching Flow', 'Self-Paced', 'Live Workshop', 'Assessment'] as const;
export const DEFAULT_SESSION_TYPE = 'Linear Flow';

/**
 * The videos bucket: the MIME types it accepts and its size limit per file (50 GiB). The
 * migrations, supabase/config.toml and the local backend hold the same values
 * (test/architecture/constants.test.ts checks that they agree).
 */
export const VIDEO_MIME_TYPES = ['video/mp4', 'video/quicktime', 'video/webm', 'video/x-matroska', 'video/x-m4v', 'video/x-msvideo'] as const;
export const VIDEO_MAX_BYTES = 50 * 1024 ** 3;

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

/**
 * The header the local backend adds to tus answers with the largest chunk it takes; the CLI then
 * sends larger chunks. Hosted Supabase sends none, and keeps its 6 MiB chunks.
 */
export const CHUNK_LIMIT_HEADER = 'X-Upload-Chunk-Limit';
