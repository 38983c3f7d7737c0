import path from 'node:path';
import type { SessionTree } from '../content.js';
import { ManifestError, type Manifest, type ManifestIssue, type ManifestVideo } from '../manifest.js';
import type { DesiredSession, PlanAction } from '../plan.js';
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

/** Files to upload must pass the upload checks first; returns each one's MIME type as the bucket spells it, by path. */
export async function checkUploads(uploads: PlanAction[], files: Map<string, ManifestVideo>, limits: UploadLimits, locate?: Manifest['locate']): Promise<Map<string, string>> {
  const { checkFiles } = await import('../upload/checks.js');
  const videos = [...new Map(uploads.map((a) => files.get(fileKey(a.session, a.module!, a.key!))!).map((v) => [v.absolutePath, v])).values()];
  const checks = await checkFiles(
    videos.map((v) => v.absolutePath),
    limits,
  );
  const issues: ManifestIssue[] = [];
  const mimeTypes = new Map<string, string>();
  checks.forEach((check, i) => {
    const video = videos[i]!;
    if (check.ok) mimeTypes.set(video.absolutePath, check.file.mimeType);
    else issues.push({ ...video.fileAt, message: check.reason.replace(video.absolutePath, video.file) });
  });
  if (issues.length > 0) throw new ManifestError(locate ? locate(issues) : issues, 'fix or remove these files and run again; nothing was written');
  return mimeTypes;
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
          video: { id: v.id, module_id: m.id, file_url: v.file_url, status: v.status, sha256: v.sha256, file_size: v.file_size, mime_type: v.mime_type, key: v.key },
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
