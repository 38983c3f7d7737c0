import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { controlCharacterProblem } from '../names.js';
import { formatBytes } from '../../base/units.js';
import { forEachAtMost } from '../../base/pool.js';
import { readVideoMetadata, unplayable, type MediaReads, type VideoMetadata } from '../media.js';

/** What `upload_limits()` answers: the bucket's size limit (bytes, null = none) and MIME list (null = any). */
export interface UploadLimits {
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
}

/** A file that passed every check; its bytes may be sent. */
export interface CheckedFile {
  /** The path as the user gave it (what reports show). */
  file: string;
  absPath: string;
  /** The original file name, kept in `videos.file_name`. */
  name: string;
  size: number;
  mtimeMs: number;
  /** With size and mtime, what the hash cache knows the file by. */
  ctimeMs: number;
  ino: number;
  /** The MIME type sent to the server: the extension's type, confirmed by the file's signature. */
  mimeType: string;
  /** Duration, frame size and codecs from the container; null for containers not read (AVI). */
  media: VideoMetadata | null;
}

export type FileCheck = { ok: true; file: CheckedFile } | { ok: false; file: string; reason: string };

// Types a container signature may report for each family; an extension is confirmed when its family matches.
const FAMILIES: Record<string, string[]> = {
  isobmff: ['video/mp4', 'video/quicktime', 'video/x-m4v', 'video/3gpp', 'video/3gpp2', 'video/mj2'],
  matroska: ['video/x-matroska', 'video/webm', 'video/matroska'],
  avi: ['video/vnd.avi', 'video/x-msvideo', 'video/avi', 'video/msvideo'],
  mpeg: ['video/mpeg', 'video/MP1S', 'video/MP2P'],
  mpegts: ['video/mp2t'],
  ogg: ['video/ogg', 'audio/ogg', 'application/ogg'],
  flv: ['video/x-flv'],
  asf: ['video/x-ms-asf', 'video/x-ms-wmv', 'application/vnd.ms-asf'],
};

// Names of MIME types that mime-types spells differently from what a bucket may list.
const ALIASES: Record<string, string[]> = {
  'video/x-msvideo': ['video/x-msvideo', 'video/avi', 'video/msvideo', 'video/vnd.avi'],
  'video/x-matroska': ['video/x-matroska', 'video/matroska'],
  'video/quicktime': ['video/quicktime'],
};

// The extension people know each type by (mime-types lists `qt` before `mov`).
const PREFERRED_EXT: Record<string, string> = {
  'video/quicktime': 'mov',
  'video/x-msvideo': 'avi',
  'video/avi': 'avi',
  'video/vnd.avi': 'avi',
  'video/x-matroska': 'mkv',
  'video/mp4': 'mp4',
};

/** mime-types is CommonJS: bundled, its functions sit on the default export. */
async function mimeTypes(): Promise<typeof import('mime-types')> {
  const mod = (await import('mime-types')) as typeof import('mime-types') & { default?: typeof import('mime-types') };
  return mod.default ?? mod;
}

export function familyOf(mime: string): string | null {
  const lower = mime.toLowerCase();
  for (const [family, types] of Object.entries(FAMILIES)) if (types.some((t) => t.toLowerCase() === lower)) return family;
  return null;
}

/** "mp4, mov, webm, mkv, m4v, avi": the allowed list as extensions people recognise. */
export async function describeAllowed(allowed: string[] | null): Promise<string> {
  if (!allowed || allowed.length === 0) return 'any video';
  const { extension } = await mimeTypes();
  const names = allowed.map((t) => PREFERRED_EXT[t.toLowerCase()] ?? extension(t) ?? t);
  return [...new Set(names)].join(', ');
}

/** Whether a MIME type is in the bucket's list (`type/*` wildcards included), and under which spelling. */
export function allowedSpelling(mime: string, allowed: string[] | null): string | null {
  const candidates = ALIASES[mime] ?? [mime];
  if (!allowed || allowed.length === 0) return mime.startsWith('video/') ? mime : null;
  for (const candidate of candidates) {
    for (const entry of allowed) {
      const e = entry.toLowerCase();
      if (e === candidate.toLowerCase()) return entry;
      if (e.endsWith('/*') && candidate.toLowerCase().startsWith(e.slice(0, -1))) return candidate;
    }
  }
  return null;
}

/**
 * Checks one file before any byte is sent: exists, regular, readable, non-empty, within
 * the size limit, an allowed type by extension, that type confirmed by the file's signature
 * (a renamed text file is refused), and a playable container (core/media.ts: its index read,
 * not the whole file; from `reads` when this run read it already). The reason is one line naming the file.
 */
export async function checkFile(file: string, limits: UploadLimits, reads?: MediaReads): Promise<FileCheck> {
  const refuse = (reason: string): FileCheck => ({ ok: false, file, reason: `${file}: ${reason}` });
  const absPath = resolve(file);
  // The file name is stored and shown to others: the database refuses control characters in it too.
  const control = controlCharacterProblem(basename(absPath));
  if (control) return refuse(`the file name ${control}; rename the file`);
  let info;
  try {
    info = await stat(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return refuse('no such file');
    if (code === 'EACCES') return refuse('cannot read it (permission denied)');
    return refuse(`cannot read it (${code ?? (err as Error).message})`);
  }
  if (info.isDirectory()) return refuse('is a directory, not a video file');
  if (!info.isFile()) return refuse('not a regular file');
  try {
    await access(absPath, constants.R_OK);
  } catch {
    return refuse('cannot read it (permission denied)');
  }
  if (info.size === 0) return refuse('empty file (0 bytes)');
  const limit = limits.file_size_limit;
  if (limit !== null && limit > 0 && info.size > limit) {
    const [size, max] = formatBytes(info.size) === formatBytes(limit) ? [`${info.size} bytes`, `${limit} bytes`] : [formatBytes(info.size), formatBytes(limit)];
    return refuse(`${size} is over the upload limit of ${max}`);
  }

  const allowedText = await describeAllowed(limits.allowed_mime_types);
  const { lookup } = await mimeTypes();
  const byExtension = lookup(extname(absPath)) || null;
  if (!byExtension) {
    return refuse(`not a video (${extname(absPath) ? `unknown type ${extname(absPath)}` : 'no extension'}); allowed: ${allowedText}`);
  }
  const spelling = allowedSpelling(byExtension, limits.allowed_mime_types);
  if (!spelling) return refuse(`not a video (${byExtension}); allowed: ${allowedText}`);

  const detected = await detectType(absPath);
  if (!detected) return refuse(`not a video: its contents are not ${extname(absPath).slice(1)} (unrecognised data); allowed: ${allowedText}`);
  const want = familyOf(byExtension);
  const got = familyOf(detected);
  if (!want || want !== got) {
    return refuse(`not a video: its contents are ${detected}, not ${extname(absPath).slice(1)}; allowed: ${allowedText}`);
  }
  const probe = reads ? await reads.read(absPath, want, info) : await readVideoMetadata(absPath, want);
  if (!probe.ok) return refuse(unplayable(probe.reason));
  return {
    ok: true,
    file: { file, absPath, name: basename(absPath), size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino, mimeType: spelling, media: probe.media },
  };
}

/** The MIME type of a file's signature (magic bytes), or null when file-type does not know it. */
export async function detectType(absPath: string): Promise<string | null> {
  const { fileTypeFromFile } = await import('file-type');
  try {
    const found = await fileTypeFromFile(absPath);
    return found?.mime ?? null;
  } catch {
    return null;
  }
}

/** Checks every file (in parallel, a few at a time), keeping the order given. */
export async function checkFiles(files: string[], limits: UploadLimits, parallel = 8, reads?: MediaReads): Promise<FileCheck[]> {
  const results: FileCheck[] = new Array(files.length);
  await forEachAtMost(files, parallel, async (file, i) => {
    results[i] = await checkFile(file, limits, reads);
  });
  return results;
}
