import path from 'node:path';
import { createHash } from 'node:crypto';
import { lstat, readFile, readlink, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { ManifestError, type Manifest, type ManifestIssue, type ManifestVideo } from '../manifest.js';
import type { DesiredSession } from '../plan.js';
import type { HashCache } from '../upload/hash-cache.js';
import { interrupted } from './interrupt.js';
import { forEachAtMost } from '../../base/pool.js';
import type { ImportProgress } from './progress.js';

export interface LocalFilesOptions {
  /** `--allow-outside`: files may sit outside the manifest's folder (absolute paths, `../`, links that leave it). */
  allowOutside: boolean;
  hashCache: HashCache;
  signal: AbortSignal;
  progress: ImportProgress;
  debug: (line: string) => void;
}

/** Files at most this large are hashed from one read; larger ones are streamed. */
const SMALL_FILE = 8 * 1024 * 1024;
/** Files checked and hashed at once. */
const FILES_AT_ONCE = 8;

interface FileFacts {
  size: number;
  sha256: string;
}

/**
 * The local side of the plan: every video's size and sha256 (known ones from the hash cache).
 * Each distinct file is looked at once however often the manifest lists it. Every problem is
 * collected and reported at once, naming the manifest's line and field; nothing is written.
 *
 * Path rules: absolute paths are used as given; a file must resolve inside the manifest's folder
 * unless `allowOutside`; a symbolic link is followed once (a link to a link, and so a loop, is refused).
 */
export async function describeLocalFiles(manifest: Manifest, opts: LocalFilesOptions): Promise<DesiredSession[]> {
  const { mimeTypeOf } = await import('../folder.js');
  const { sha256File } = await import('../upload/hash.js');
  const videos = manifest.sessions.flatMap((s) => s.modules.flatMap((m) => m.videos));
  const byPath = new Map<string, ManifestVideo[]>();
  for (const v of videos) {
    const same = byPath.get(v.absolutePath);
    if (same) same.push(v);
    else byPath.set(v.absolutePath, [v]);
  }
  const base = await realpath(manifest.baseDir).catch(() => path.resolve(manifest.baseDir));
  const facts = new Map<string, FileFacts>();
  const issues: ManifestIssue[] = [];
  const files = [...byPath.keys()];
  // Real paths of folders, each worked out once (a course of 10,000 files has 1,000 folders).
  const realDirs = new Map<string, Promise<string>>();
  const started = performance.now();
  let hashed = 0;
  let done = 0;
  opts.progress.start('hash', files.length);

  const check = async (absolutePath: string): Promise<void> => {
    const uses = byPath.get(absolutePath)!;
    const first = uses[0]!;
    const problem = (message: string): void => {
      for (const v of uses) issues.push({ ...v.fileAt, message });
    };
    const resolved = await resolveLink(absolutePath, first.file, realDirs);
    if ('problem' in resolved) return problem(resolved.problem);
    if (!opts.allowOutside && !isInside(resolved.real, base)) {
      return problem(`${first.file} is outside the manifest's folder (${resolved.real}); pass --allow-outside to import files from elsewhere`);
    }
    const info = resolved.info;
    if (!info.isFile()) return problem(info.isDirectory() ? `${first.file} is a folder, not a video file` : `${first.file} is not a regular file`);
    let sha256 = opts.hashCache.get(absolutePath, info);
    if (sha256 === null) {
      hashed += 1;
      sha256 = info.size <= SMALL_FILE ? createHash('sha256').update(await readFile(resolved.real)).digest('hex') : await sha256File(resolved.real, { signal: opts.signal });
      opts.hashCache.set(absolutePath, info, sha256);
    }
    for (const v of uses) {
      if (v.sha256 !== null && v.sha256 !== sha256) issues.push({ ...v.fileAt, message: `${v.file} does not match the sha256 the manifest states (it hashes to ${sha256.slice(0, 12)}…)` });
    }
    facts.set(absolutePath, { size: info.size, sha256 });
  };

  const checkOne = async (file: string): Promise<void> => {
    try {
      await check(file);
    } catch (err) {
      if (opts.signal.aborted) throw interrupted('while checking files');
      const code = (err as NodeJS.ErrnoException).code;
      const shown = byPath.get(file)![0]!.file;
      for (const v of byPath.get(file)!) issues.push({ ...v.fileAt, message: code === 'ENOENT' ? `no such file: ${shown}` : `cannot read ${shown} (${code ?? (err as Error).message})` });
    }
    done += 1;
    opts.progress.advance(done);
  };
  await forEachAtMost(files, FILES_AT_ONCE, checkOne, opts.signal).catch((err: unknown) => {
    // Aborted before the next file was taken: said as the import says it.
    throw opts.signal.aborted && err === opts.signal.reason ? interrupted('while checking files') : err;
  });
  opts.progress.end();
  opts.debug(`checked ${files.length} files for ${videos.length} videos in ${Math.round(performance.now() - started)} ms (${hashed} hashed, ${files.length - hashed} known from the hash cache)`);
  if (issues.length > 0) {
    const located = manifest.locate ? manifest.locate(issues) : issues;
    located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || a.field.localeCompare(b.field));
    throw new ManifestError(located, 'fix the paths (relative to the manifest) and run again; nothing was written');
  }

  return manifest.sessions.map((s) => ({
    key: s.key,
    name: s.name,
    type: s.type,
    modules: s.modules.map((m) => ({
      key: m.key,
      name: m.name,
      videos: m.videos.map((v) => {
        const f = facts.get(v.absolutePath)!;
        const fileName = v.file.split('/').pop()!;
        return { key: v.key, fileName, fileSize: f.size, sha256: f.sha256, mimeType: mimeTypeOf(fileName) ?? 'application/octet-stream', absolutePath: v.absolutePath };
      }),
    })),
  }));
}

/** Whether `file` is `folder` or inside it (both real paths). */
export function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

type Resolved = { real: string; info: Stats } | { problem: string };

/**
 * Follows a symbolic link once; a link to a link (a loop included) is refused. A plain file costs
 * one lstat: its real path is its folder's (looked up once per folder) and its own name.
 */
async function resolveLink(absolutePath: string, shown: string, realDirs: Map<string, Promise<string>>): Promise<Resolved> {
  const own = await lstat(absolutePath);
  if (!own.isSymbolicLink()) {
    const dir = path.dirname(absolutePath);
    let realDir = realDirs.get(dir);
    if (realDir === undefined) {
      realDir = realpath(dir);
      realDirs.set(dir, realDir);
    }
    try {
      return { real: path.join(await realDir, path.basename(absolutePath)), info: own };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') return { problem: `${shown} sits under a symbolic link loop; refused` };
      throw err;
    }
  }
  const target = path.resolve(path.dirname(absolutePath), await readlink(absolutePath));
  let next: Stats;
  try {
    next = await lstat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { problem: `${shown} is a symbolic link to ${target}, which does not exist` };
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return { problem: `${shown} sits under a symbolic link loop; refused` };
    throw err;
  }
  if (next.isSymbolicLink()) {
    const after = path.resolve(path.dirname(target), await readlink(target));
    return after === absolutePath || target === absolutePath
      ? { problem: `${shown} is a symbolic link loop (${target}); refused` }
      : { problem: `${shown} is a symbolic link to another link (${target}); links are followed once: point it at the file` };
  }
  try {
    const real = await realpath(target);
    return { real, info: await stat(real) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return { problem: `${shown} sits under a symbolic link loop; refused` };
    throw err;
  }
}
