/**
 * Video lengths in an import: what the files to upload add to the course, and the check of
 * the `duration_ms` a manifest states (export writes it) against each file's container.
 * Reads only containers (core/media.ts), a few files at a time.
 */
import { mimeTypeOf } from './folder.js';
import { familyOf } from './upload/checks.js';
import { ManifestError, type ManifestIssue, type ManifestVideo } from './manifest.js';
import { MediaReads } from './media.js';
import { formatClock } from '../base/units.js';
import { forEachAtMost } from '../base/pool.js';

/** A stated duration may differ from the file's by this much (readers round differently). */
export const DURATION_TOLERANCE_MS = 50;


/**
 * The summed length of `uploads` (null when none of them has a readable one), after checking
 * every video of `all` that states a duration. A file whose container cannot be read adds
 * nothing here: the upload checks refuse it with the reason before any row is written.
 * Throws ManifestError (exit 2, nothing written) when a stated duration does not match.
 * `reads`: the run's container reads, so the file checks and the uploads read none of these again.
 */
export async function importLength(all: ManifestVideo[], uploads: ManifestVideo[], parallel = 8, reads: MediaReads = new MediaReads()): Promise<number | null> {
  const wanted = [...new Set([...uploads, ...all.filter((v) => v.durationMs !== null && v.durationMs !== undefined)])];
  // Each distinct file is read once, however many rows name it (a catalogue may reuse a clip).
  const paths = [...new Set(wanted.map((v) => v.absolutePath))];
  const byPath = new Map<string, number | null>();
  await forEachAtMost(paths, parallel, async (path) => {
    // The container family as the upload checks name it (by extension; they check the contents).
    const family = familyOf(mimeTypeOf(path) ?? '') ?? 'other';
    const probe = await reads.read(path, family);
    byPath.set(path, probe.ok && probe.media ? probe.media.duration_ms : null);
  });
  const lengths = new Map<ManifestVideo, number | null>(wanted.map((v) => [v, byPath.get(v.absolutePath) ?? null]));

  const issues: ManifestIssue[] = [];
  for (const video of wanted) {
    const stated = video.durationMs;
    const found = lengths.get(video);
    if (stated === null || stated === undefined || found === null || found === undefined) continue;
    if (Math.abs(found - stated) > DURATION_TOLERANCE_MS) {
      issues.push({ ...video.fileAt, message: `${video.file} lasts ${found} ms (${formatClock(found)}), not the ${stated} ms the manifest states` });
    }
  }
  if (issues.length > 0) throw new ManifestError(issues, 'the file is not the one exported: fix the path, or remove duration_ms; nothing was written');

  let total: number | null = null;
  for (const video of uploads) {
    const found = lengths.get(video);
    if (found !== null && found !== undefined) total = (total ?? 0) + found;
  }
  return total;
}
