// What an upload run reports, file by file and event by event: the upload core emits these, the
// progress display and the report printer draw them. Types only, in the base so both sides may use them.
import type { ExitCodeValue } from './errors.js';

/** `copied`: the same bytes were already stored in the account and were copied on the server. */
export type UploadStatus = 'uploaded' | 'copied' | 'unchanged' | 'failed' | 'refused';

/** One line of the per-file report (`--json` prints these under `files`). */
export interface UploadFileReport {
  file: string;
  status: UploadStatus;
  video_id: string | null;
  bytes_sent: number;
  error: string | null;
  module_id: string | null;
  key: string | null;
  size: number | null;
  sha256: string | null;
  /** `unchanged` because the module already has these bytes under another name: that name. */
  same_as?: string | null;
  /** The exit code the failure alone would have had (not printed in JSON). */
  exit_code?: ExitCodeValue;
}

export type UploadEvent =
  | { type: 'refused'; index: number; file: string; reason: string }
  | { type: 'queued'; index: number; file: string; size: number }
  | { type: 'hashing'; index: number; file: string; size: number }
  | { type: 'copying'; index: number; file: string; from: string; videoId: string }
  /** While a file is hashed: bytes read so far, for a percentage. */
  | { type: 'hash-progress'; index: number; file: string; size: number; hashed: number }
  | { type: 'started'; index: number; file: string; size: number; resumedFrom: number; videoId: string }
  | { type: 'progress'; index: number; file: string; offset: number; size: number }
  | { type: 'retry'; index: number; file: string; attempt: number; maxAttempts: number; delayMs: number; reason: string }
  | { type: 'finished'; index: number; report: UploadFileReport };
