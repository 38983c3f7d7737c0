import type { Context } from '../../core/context.js';
import type { ExportOptions, ExportResult } from '../../core/export.js';
import { message, none, record, type View } from '../../ui/printer.js';
import { formatBytes } from '../../base/format.js';

export async function run(opts: ExportOptions, ctx: Context): Promise<View> {
  const { io } = ctx;
  const [{ downloadFiles, planExport, writeManifest }, { serializeManifest }, api] = await Promise.all([
    import('../../core/export.js'),
    import('../../core/manifest.js'),
    ctx.api(),
  ]);
  const plan = await planExport(api, opts);
  for (const note of plan.keyNotes) io.warn(note);
  for (const s of plan.skipped) io.warn(`left out ${s.module}/${s.file_name}: ${s.reason}`);

  const { tree, document } = plan;
  const result: ExportResult = {
    manifest: opts.output ?? null,
    session: { id: tree.id, key: document.sessions[0]!.key, name: tree.name },
    modules: tree.modules.length,
    videos: plan.files.length,
    skipped: plan.skipped,
    files: null,
  };

  if (opts.withFiles) {
    // Files already in the folder are checked by sha256: the hash cache spares reading them again.
    const [{ HashCache }, { stateDir }] = await Promise.all([import('../../core/upload/hash-cache.js'), import('../../config/paths.js')]);
    const hashCache = await HashCache.loadFromDir(stateDir(io.env));
    let stats;
    try {
      stats = await downloadFiles(api, io, plan.files, plan.filesDir, (relativePath) => io.info(`${relativePath}: downloaded`), hashCache);
    } finally {
      await hashCache.save().catch((err: unknown) => io.debug(`could not save the hash cache: ${(err as Error).message}`));
    }
    result.files = { ...stats, dir: opts.withFiles };
    io.success(`${stats.downloaded} file${stats.downloaded === 1 ? '' : 's'} downloaded (${formatBytes(stats.bytes)}), ${stats.unchanged} already there`);
  }

  if (!opts.output) {
    // The manifest is the data: YAML on stdout, or JSON with --json.
    if (io.json) return none(document);
    return message(serializeManifest(document, 'yaml').trimEnd(), document);
  }
  await writeManifest(opts.output, document);
  io.success(`Wrote ${opts.output}: ${result.modules} module${result.modules === 1 ? '' : 's'}, ${result.videos} video${result.videos === 1 ? '' : 's'}`);
  return io.json
    ? none(result)
    : record(
        [
          ['manifest', opts.output],
          ['session', `${tree.name} (${result.session.key})`],
          ['modules', result.modules],
          ['videos', result.videos],
          ['files', opts.withFiles ?? null],
        ],
        result,
      );
}
