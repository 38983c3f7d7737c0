import { table, type View } from '../../ui/printer.js';
import type { VideoEntry } from '../../core/videos.js';
import { formatFrameSize } from '../../core/media.js';
import { formatClock } from '../../base/units.js';
import type { UploadFileReport } from '../../base/upload-events.js';

/** `video ls` and `video move`: position, id, file name, size, length, frame size, status; JSON is the rows. */
export function videoTable(videos: VideoEntry[], title?: string, done?: string): View {
  return table(
    videos,
    [
      { header: '#', value: (v) => v.position },
      { header: 'ID', value: (v) => ({ id: v.id }) },
      { header: 'FILE', value: (v) => v.file_name },
      { header: 'SIZE', value: (v) => ({ bytes: v.file_size }), drop: 2 },
      { header: 'LENGTH', value: (v) => formatClock(v.duration_ms), drop: 4 },
      { header: 'RESOLUTION', value: (v) => formatFrameSize(v.width, v.height), drop: 1 },
      { header: 'STATUS', value: (v) => v.status, drop: 3 },
    ],
    videos,
    'No videos in this module yet. Add one with `session video upload <module> <file>`.',
    title,
    done,
  );
}

/** The JSON of one report line (the documented fields only). */
export function reportJson(f: UploadFileReport): { file: string; status: string; video_id: string | null; bytes_sent: number; error: string | null } {
  return { file: f.file, status: f.status, video_id: f.video_id, bytes_sent: f.bytes_sent, error: f.error };
}

/** The per-file report of an upload: one row per file given. */
export function uploadReportView(files: UploadFileReport[]): View {
  return table(
    files,
    [
      { header: 'FILE', value: (f) => f.file },
      // Same bytes under another name: a terminal names it; piped output keeps the bare status.
      { header: 'STATUS', value: (f) => (f.same_as ? { full: f.status, brief: `${f.status} (= ${f.same_as})` } : f.status) },
      { header: 'VIDEO', value: (f) => (f.video_id ? { id: f.video_id } : null), drop: 2 },
      { header: 'SENT', value: (f) => ({ bytes: f.bytes_sent }), drop: 1 },
      // The FILE column already names the file: a terminal shows the reason without it, cut to fit.
      { header: 'ERROR', value: (f) => (f.error === null ? null : { full: f.error, brief: briefError(f.file, f.error) }) },
    ],
    { files: files.map(reportJson) },
    'No files given.',
  );
}

/** A report's error without the file name it starts with (the row names the file). */
export function briefError(file: string, error: string): string {
  return error.startsWith(`${file}: `) ? error.slice(file.length + 2) : error;
}
