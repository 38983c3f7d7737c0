import path from 'node:path';
import type { SessionTree } from '../content.js';
import { ManifestError, type Manifest, type ManifestIssue, type ManifestVideo } from '../manifest.js';
import type { DesiredSession, PlanAction } from '../plan.js';
import type { Api } from '../api.js';
import type { MediaReads, VideoMetadata } from '../media.js';
import type { UploadLimits } from '../upload/checks.js';
import type { UploadInput } from '../upload/queue.js';

const fileKey = (session: string, module: string, video: string): string => JSON.stringify([session, module, video]);

/** The manifest's videos by session, module and video key. */
export function filesByKey(manifest: Manifest): Map<string, ManifestVideo> {
  const files = new Map<string, ManifestVideo>();
  for (const s of manifest.sessions) for (const m of s.modules) for (const v of m.videos) files.set(fileKey(s.key, m.key, v.key), v);
  return files;
}

/** The manifest videos the plan's upload actions send. */
export function uploadFiles(actions: PlanAction[], files: Map<string, ManifestVideo>): ManifestVideo[] {
  return actions.filter((a) => a.upload).map((a) => files.get(fileKey(a.session, a.module!, a.key!))!);
}

/** What the file checks found, by absolute path: the MIME type as the bucket spells it, and the container's metadata where it has some. */
export interface CheckedUploads {
  mimeTypes: Map<string, string>;
  media: Map<string, VideoMetadata>;
}

/** The files to upload (`uploadFiles`) must pass the upload checks first (containers from `reads`, read once per run). */
export async function checkUploads(sending: ManifestVideo[], limits: UploadLimits, locate: Manifest['locate'], reads: MediaReads): Promise<CheckedUploads> {
  const { checkFiles } = await import('../upload/checks.js');
  // A file the manifest lists twice is checked once.
  const videos = [...new Map(sending.map((v) => [v.absolutePath, v])).values()];
  const checks = await checkFiles(
    videos.map((v) => v.absolutePath),
    limits,
    undefined,
    reads,
  );
  const issues: ManifestIssue[] = [];
  const mimeTypes = new Map<string, string>();
  const media = new Map<string, VideoMetadata>();
  checks.forEach((check, i) => {
    const video = videos[i]!;
    if (check.ok) {
      mimeTypes.set(video.absolutePath, check.file.mimeType);
      if (check.file.media) media.set(video.absolutePath, check.file.media);
    } else issues.push({ ...video.fileAt, message: check.reason.replace(video.absolutePath, video.file) });
  });
  if (issues.length > 0) throw new ManifestError(locate ? locate(issues) : issues, 'fix or remove these files and run again; nothing was written');
  return { mimeTypes, media };
}

/**
 * Records the container metadata of the rows about to receive their files, for those that have
 * none yet: one `set_videos_media` request for the whole import (none when no row needs it).
 * `video upload` passes a file's metadata to `begin_video` instead.
 */
export async function recordMedia(api: Api, inputs: UploadInput[], media: ReadonlyMap<string, VideoMetadata>, cwd: string): Promise<void> {
  const rows: Array<Record<string, string | number | null>> = [];
  for (const input of inputs) {
    if (!('video' in input) || input.video.duration_ms != null) continue;
    const found = media.get(path.resolve(cwd, input.path));
    if (!found) continue;
    const { duration_ms, width, height, video_codec, audio_codec } = found;
    rows.push({ id: input.video.id, duration_ms, width, height, video_codec, audio_codec });
  }
  if (rows.length === 0) return;
  await api.rpc('set_videos_media', { p_videos: rows });
}

/** Videos whose row waits for bytes (`uploading`) and that the manifest lists, matched by keys. */
export function uploadInputs(trees: SessionTree[], desired: DesiredSession[], files: Map<string, ManifestVideo>, cwd: string): UploadInput[] {
  const inputs: UploadInput[] = [];
  const wanted = new Set(desired.map((s) => s.key));
  for (const tree of trees) {
    if (tree.key === null || !wanted.has(tree.key)) continue;
    for (const m of tree.modules) {
      if (m.key === null) continue;
      for (const v of m.videos ?? []) {
        if (v.status === 'ready' || v.key === null) continue;
        const file = files.get(fileKey(tree.key, m.key, v.key));
        if (!file) continue;
        inputs.push({
          video: { id: v.id, module_id: m.id, file_url: v.file_url, status: v.status, sha256: v.sha256, file_size: v.file_size, mime_type: v.mime_type, key: v.key, duration_ms: v.duration_ms ?? null },
          path: displayPath(file.absolutePath, cwd),
          key: v.key,
        });
      }
    }
  }
  return inputs;
}

/** Progress lines name files relative to the working folder when they are under it. */
function displayPath(absolutePath: string, cwd: string): string {
  const relative = path.relative(cwd, absolutePath);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? absolutePath : relative;
}
