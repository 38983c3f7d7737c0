import { stat } from 'node:fs/promises';
import type { IgnoredEntry } from '../folder.js';
import type { Manifest } from '../manifest.js';

/** What `import` reads: a manifest, and whether it came from a course folder (whose names are only defaults). */
export interface ImportSource {
  manifest: Manifest;
  fromFolder: boolean;
  /** Folder entries that are not part of the course (reported as warnings). */
  ignored: IgnoredEntry[];
}

/** A course folder or a manifest file, by what the path is. */
export async function readImportSource(source: string): Promise<ImportSource> {
  let isFolder = false;
  try {
    isFolder = (await stat(source)).isDirectory();
  } catch {
    // readManifestFile names the missing file.
  }
  if (isFolder) {
    const { readCourseFolder } = await import('../folder.js');
    const folder = await readCourseFolder(source);
    return { manifest: folder.manifest, fromFolder: true, ignored: folder.ignored };
  }
  const { readManifestFile } = await import('../manifest.js');
  return { manifest: await readManifestFile(source), fromFolder: false, ignored: [] };
}
