import path from 'node:path';
import { readdir, stat } from 'node:fs/promises';
import { lookup as mimeLookup } from 'mime-types';
import { KEY_MAX, ManifestError, NAME_MAX, validKey, type Manifest, type ManifestIssue, type ManifestModule, type ManifestVideo } from './manifest.js';

/**
 * A course folder read as one session:
 *
 *   sql-101/                 session: key "sql-101", name "sql 101"
 *     01-intro/              module:  key "01-intro", name "intro"   (numeric order: 01, 02, 10)
 *       01-welcome.mp4       video:   key "01-welcome.mp4"           (natural order of file names)
 *     02-setup/
 *     10-wrap_up/            module:  name "wrap up"
 *
 * Only video files count (by extension); hidden entries are skipped silently, anything else
 * is reported back as ignored so the command can say so.
 */

export interface IgnoredEntry {
  /** Relative to the course folder, with forward slashes. */
  path: string;
  reason: string;
}

export interface CourseFolder {
  manifest: Manifest;
  ignored: IgnoredEntry[];
}

/** Digits compare as numbers, letters without regard to case; fixed to one locale so every machine agrees. */
const NATURAL = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Natural order: runs of digits compare as numbers (`2` < `10`), letters case-insensitively first
 * (so `a.mp4` < `a2.mp4` < `a10.mp4`); names equal that way fall back to the raw text, so the order is total.
 */
export function compareNatural(a: string, b: string): number {
  return NATURAL.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** `02-set_up` → "set up"; a folder that is only a number keeps its name. */
export function moduleNameFromFolder(folder: string): string {
  const rest = folder.replace(/^\d+(?:[\s._-]+|$)/, '');
  return humanize(rest === '' ? folder : rest);
}

/** Dashes and underscores to spaces, runs of spaces collapsed. */
export function humanize(name: string): string {
  const text = name.replace(/[-_]+/g, ' ').replace(/\s+/g, ' ').trim();
  return text === '' ? name : text;
}

/** The MIME type of a file name by its extension, or null when unknown. */
export function mimeTypeOf(name: string): string | null {
  const type = mimeLookup(name);
  return typeof type === 'string' ? type : null;
}

export function isVideoFile(name: string): boolean {
  return mimeTypeOf(name)?.startsWith('video/') ?? false;
}

/** Reads a course folder into a manifest (files relative to the folder). Pure apart from reading the tree. */
export async function readCourseFolder(dir: string): Promise<CourseFolder> {
  const root = path.resolve(dir);
  const source = dir;
  const sessionKey = path.basename(root);
  const issues: ManifestIssue[] = [];
  const ignored: IgnoredEntry[] = [];
  const problem = (field: string, message: string) => issues.push({ file: source, line: null, field, message });

  checkKeyAndName(sessionKey, humanize(sessionKey), '(folder name)', problem);

  const modules: ManifestModule[] = [];
  const entries = (await readdir(root, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  const folders: string[] = [];
  for (const entry of entries) {
    const kind = await entryKind(path.join(root, entry.name), entry);
    if (kind === 'dir') folders.push(entry.name);
    else if (kind !== 'file') ignored.push({ path: entry.name, reason: 'not a file or folder' });
    else if (/\.(ya?ml|json)$/i.test(entry.name)) ignored.push({ path: entry.name, reason: `a manifest? import it by its path: session import ${path.join(dir, entry.name)}` });
    else ignored.push({ path: entry.name, reason: 'not in a module folder' });
  }
  folders.sort(compareNatural);
  for (const folder of folders) {
    const name = moduleNameFromFolder(folder);
    checkKeyAndName(folder, name, `${folder}/`, problem);
    const videos: ManifestVideo[] = [];
    const files = (await readdir(path.join(root, folder), { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
    const names: string[] = [];
    for (const entry of files) {
      const rel = `${folder}/${entry.name}`;
      const kind = await entryKind(path.join(root, folder, entry.name), entry);
      if (kind === 'dir') ignored.push({ path: `${rel}/`, reason: 'folders inside a module are not read' });
      else if (kind !== 'file') ignored.push({ path: rel, reason: 'not a regular file' });
      else if (!isVideoFile(entry.name)) ignored.push({ path: rel, reason: 'not a video file' });
      else names.push(entry.name);
    }
    names.sort(compareNatural);
    for (const file of names) {
      const rel = `${folder}/${file}`;
      if (!validKey(file) || file.length > KEY_MAX) {
        problem(rel, 'its file name cannot be a key (spaces at either end, control characters, or longer than 255)');
        continue;
      }
      const at = { file: source, line: null, field: rel };
      videos.push({ key: file, file: rel, absolutePath: path.join(root, folder, file), sha256: null, at, fileAt: at });
    }
    modules.push({ key: folder, name, videos, at: { file: source, line: null, field: `${folder}/` } });
  }
  if (folders.length === 0) problem('', 'has no module folders (for example 01-intro/ holding its videos)');
  if (issues.length > 0) throw new ManifestError(issues, 'rename the folders or files, or write a manifest (see `session import --help`)');

  return {
    manifest: {
      source,
      baseDir: root,
      sessions: [{ key: sessionKey, name: humanize(sessionKey), type: null, modules, at: { file: source, line: null, field: '' } }],
    },
    ignored,
  };
}

function checkKeyAndName(key: string, name: string, field: string, problem: (field: string, message: string) => void): void {
  if (!validKey(key) || key.length > KEY_MAX) problem(field, 'the folder name cannot be a key (spaces at either end, control characters, or longer than 255)');
  else if (name.length > NAME_MAX) problem(field, `the name would be longer than ${NAME_MAX} characters`);
}

async function entryKind(full: string, entry: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }): Promise<'dir' | 'file' | 'other'> {
  if (entry.isDirectory()) return 'dir';
  if (entry.isFile()) return 'file';
  if (entry.isSymbolicLink()) {
    try {
      const s = await stat(full);
      return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
    } catch {
      return 'other';
    }
  }
  return 'other';
}
