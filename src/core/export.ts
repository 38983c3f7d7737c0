// Export: a session's tree as a manifest (the format import reads), and optionally its video
// files, downloaded and checked against their sha256.
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IO } from '../base/io.js';
import type { Api } from './api.js';
import type { SessionTree, TreeVideo } from './content.js';
import type { HashCache } from './upload/hash-cache.js';
import { CliError, ExitCode } from '../base/errors.js';
import { writeFileAtomic } from '../base/atomic-file.js';
import { forEachAtMost } from '../base/pool.js';
import { formatFor, serializeManifest, type ManifestDocument } from './manifest.js';

export interface ExportOptions {
  session: string;
  /** Manifest file; stdout when absent. */
  output?: string | undefined;
  /** Folder the video files are downloaded into. */
  withFiles?: string | undefined;
}

/** One video of the export, and where its file goes (absolute) and how the manifest names it. */
export interface ExportedFile {
  video: TreeVideo;
  /** As the manifest writes it: relative to the manifest's folder, forward slashes. */
  manifestPath: string;
  /** Relative to the files folder. */
  relativePath: string;
}

export interface ExportResult {
  manifest: string | null;
  session: { id: string; key: string; name: string };
  modules: number;
  videos: number;
  skipped: Array<{ module: string; file_name: string; reason: string }>;
  files: { downloaded: number; unchanged: number; bytes: number; dir: string } | null;
}

/** The manifest of one session, laid out: where the manifest and the files go. */
export interface ExportPlan {
  tree: SessionTree;
  document: ManifestDocument;
  files: ExportedFile[];
  skipped: ExportResult['skipped'];
  /** Rows that had no key and got one from their names. */
  keyNotes: string[];
  /** Absolute: the folder of the files (the manifest's folder unless --with-files names another). */
  filesDir: string;
}

/** Reads the session's tree and lays out its manifest; file paths in it are relative to the manifest's folder. */
export async function planExport(api: Api, opts: ExportOptions): Promise<ExportPlan> {
  const { resolveRef, sessionTree } = await import('./content.js');
  const { id } = await resolveRef(api, 'session', opts.session);
  const tree = await sessionTree(api, id);
  const manifestDir = path.resolve(opts.output ? path.dirname(opts.output) : '.');
  const filesDir = path.resolve(opts.withFiles ?? manifestDir);
  const exported = manifestOfTree(tree, (relativePath) => toPosix(path.relative(manifestDir, path.join(filesDir, ...relativePath.split('/')))));
  return { tree, ...exported, filesDir };
}

/** Writes the manifest atomically, YAML or JSON by its extension, creating its folder. */
export async function writeManifest(file: string, document: ManifestDocument): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFileAtomic(file, serializeManifest(document, formatFor(file)), 0o666);
}

/**
 * The manifest of a session tree. Rows without a key get one (sessions and modules from
 * their names, videos from their file names), noted in `keyNotes`. Files go to
 * `<module key>/<file name>` under the files folder; `pathOf` turns that into the path
 * the manifest writes.
 */
export function manifestOfTree(
  tree: SessionTree,
  pathOf: (relativePath: string) => string = (p) => p,
): { document: ManifestDocument; files: ExportedFile[]; skipped: ExportResult['skipped']; keyNotes: string[] } {
  const keyNotes: string[] = [];
  const skipped: ExportResult['skipped'] = [];
  const files: ExportedFile[] = [];
  let invented = 0;

  const sessionKey = tree.key ?? slugKey(tree.name, 'session');
  if (tree.key === null) invented += 1;
  const moduleKeys = new Set<string>();
  const folders = new Set<string>();
  const modules = tree.modules.map((m, i) => {
    let key = m.key;
    if (key === null) {
      key = unique(slugKey(m.name, `module-${i + 1}`), moduleKeys);
      invented += 1;
    }
    moduleKeys.add(key);
    // Folders are named by key, so the files folder reads back as a course folder with the same keys.
    const folder = unique(safeFileName(key), folders, true);
    folders.add(folder.toLowerCase());
    const videoKeys = new Set<string>();
    const fileNames = new Set<string>();
    const videos: ManifestDocument['sessions'][number]['modules'][number]['videos'] = [];
    for (const v of m.videos ?? []) {
      if (v.status !== 'ready') {
        skipped.push({ module: key, file_name: v.file_name, reason: 'its upload never finished' });
        continue;
      }
      let videoKey = v.key;
      if (videoKey === null) {
        videoKey = unique(v.file_name, videoKeys);
        invented += 1;
      }
      videoKeys.add(videoKey);
      const fileName = unique(safeFileName(v.file_name), fileNames, true);
      fileNames.add(fileName.toLowerCase());
      const relativePath = `${folder}/${fileName}`;
      const manifestPath = pathOf(relativePath);
      files.push({ video: v, manifestPath, relativePath });
      // duration_ms is informational: a re-import checks the file still lasts that long.
      const duration = v.duration_ms === null || v.duration_ms === undefined ? {} : { duration_ms: v.duration_ms };
      videos.push(videoKey === path.posix.basename(manifestPath) ? { file: manifestPath, ...duration } : { key: videoKey, file: manifestPath, ...duration });
    }
    return { key, name: m.name, videos };
  });
  if (invented > 0) {
    keyNotes.push(
      `${invented} row${invented === 1 ? ' has' : 's have'} no import key; the manifest gives ${invented === 1 ? 'it one' : 'them keys'} from names, ` +
        'so importing it into this same account adds new rows beside them (another account or project is fine)',
    );
  }
  return {
    document: { version: 1, sessions: [{ key: sessionKey, name: tree.name, type: tree.session_type, modules }] },
    files,
    skipped,
    keyNotes,
  };
}

/** A key from a name: lowercase ASCII letters and digits joined by dashes. */
export function slugKey(name: string, fallback: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return slug === '' ? fallback : slug;
}

/** A name every file system accepts: no separators, reserved or control characters, no leading dot. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[/\\:*?"<>|\u0000-\u001f\u007f]+/g, '-').replace(/^[.\s]+|[.\s]+$/g, '');
  return cleaned === '' ? 'video' : cleaned.slice(0, 200);
}

/** `name`, or `name-2`, `name-3`… (before the extension for files) when taken. Case-insensitive for files. */
function unique(name: string, taken: Set<string>, file = false): string {
  const has = (n: string) => taken.has(file ? n.toLowerCase() : n);
  if (!has(name)) return name;
  const ext = file ? path.posix.extname(name) : '';
  const stem = ext ? name.slice(0, -ext.length) : name;
  for (let i = 2; ; i++) {
    const candidate = `${stem}-${i}${ext}`;
    if (!has(candidate)) return candidate;
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

// ---------------------------------------------------------------- downloads

/**
 * Downloads every file (three at a time), verifying sha256; files already there with the right
 * hash are kept. With `hashCache` (the one upload and import keep), a file already there is read
 * only when the cache does not know it, and remembered once read.
 */
export async function downloadFiles(
  api: Api,
  io: Pick<IO, 'debug'>,
  files: ExportedFile[],
  dir: string,
  onDownloaded: (relativePath: string) => void = () => undefined,
  hashCache?: Pick<HashCache, 'get' | 'set'>,
): Promise<{ downloaded: number; unchanged: number; bytes: number }> {
  const [{ sha256File }, { debugFetch }] = await Promise.all([import('./upload/hash.js'), import('./debug-fetch.js')]);
  // Logged under --debug like every other request.
  const request = debugFetch(io);
  const stats = { downloaded: 0, unchanged: 0, bytes: 0 };
  const failures: string[] = [];
  await forEachAtMost(files, 3, async (file) => {
    const dest = path.join(dir, ...file.relativePath.split('/'));
    try {
      const existing = await stat(dest).catch(() => null);
      const sha256Of = async (info: Stats): Promise<string> => {
        const known = hashCache?.get(dest, info);
        if (known) return known;
        const sha = await sha256File(dest);
        hashCache?.set(dest, info, sha);
        return sha;
      };
      if (existing?.isFile() && existing.size === file.video.file_size && (await sha256Of(existing)) === file.video.sha256) {
        stats.unchanged += 1;
        return;
      }
      await mkdir(path.dirname(dest), { recursive: true });
      // Not `stats.bytes += await …`: that reads stats.bytes before the await, and the other
      // downloads that finish meanwhile would be lost from the total.
      const bytes = await downloadOne(api, request, file.video, dest);
      stats.bytes += bytes;
      stats.downloaded += 1;
      onDownloaded(file.relativePath);
    } catch (err) {
      failures.push(`${file.relativePath}: ${(err as Error).message}`);
    }
  });
  if (failures.length > 0) {
    throw new CliError(`${failures.length} of ${files.length} files not downloaded: ${failures[0]}`, {
      code: 'partial_failure',
      hint: 'run the same export again: files already downloaded are kept',
      exitCode: ExitCode.partial,
      details: { failed: failures },
    });
  }
  return stats;
}

/** Streams one object to `<dest>.part`, checks its sha256, then renames it into place. */
async function downloadOne(api: Api, request: typeof fetch, video: TreeVideo, dest: string): Promise<number> {
  const url = `${api.config.url.replace(/\/+$/, '')}/storage/v1/object/authenticated/videos/${video.file_url.split('/').map(encodeURIComponent).join('/')}`;
  const res = await request(url, { headers: { apikey: api.config.anonKey, authorization: `Bearer ${await api.identity.accessToken()}` } });
  if (!res.ok || !res.body) throw new Error(`the server answered ${res.status}`);
  const part = `${dest}.part`;
  const hash = createHash('sha256');
  let bytes = 0;
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  try {
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(part),
    );
    const sha = hash.digest('hex');
    if (video.sha256 && sha !== video.sha256) throw new Error(`downloaded bytes do not match the video's sha256 (${sha.slice(0, 12)}…)`);
    await rename(part, dest);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return bytes;
}
