import type { Api } from '../api.js';
import { CliError, ExitCode } from '../../base/errors.js';
import type { DesiredSession, Plan } from '../plan.js';
import type { SessionTree } from '../content.js';

/** `import_session`'s answer: the trees after the import, and row counts of what it wrote. */
export interface ImportApplied {
  sessions: SessionTree[];
  counts: Record<'sessions' | 'modules' | 'videos', { created: number; updated: number; deleted: number; replaced?: number; renamed?: number }>;
}

/**
 * The row phase is one `import_session` request, whatever the size: PostgREST runs one request in
 * one transaction, and all-or-nothing is the point, so rows are never split over several requests.
 * About 250 bytes a video, so 10,000 videos are 2.5 MB; past this limit (under the local backend's
 * 64 MiB request bodies, far above any course) the import is refused before anything is written.
 */
export const ROWS_REQUEST_MAX_BYTES = 48 * 1024 * 1024;

/** What the plan says `import_session` will count; the function refuses to commit other counts. */
export function expectedCounts(plan: Plan): Record<string, Record<string, number>> {
  const count = (kind: string, action: string, also: (changes: string[]) => boolean = () => true): number =>
    plan.actions.filter((a) => a.kind === kind && a.action === action && also(a.changes)).length;
  return {
    sessions: { created: count('session', 'create') },
    modules: { created: count('module', 'create'), deleted: count('module', 'delete'), renamed: plan.renames.length },
    videos: { created: count('video', 'create'), deleted: count('video', 'delete'), replaced: count('video', 'update', (c) => c.includes('new bytes')) },
  };
}

/** The request body: the desired state with each file's facts, the module renames and the plan's counts. */
export function rowsPayload(desired: DesiredSession[], plan: Plan, mimeTypes: ReadonlyMap<string, string>, prune: boolean): Record<string, unknown> {
  const renames = new Map<string, Array<{ from: string; to: string }>>();
  for (const r of plan.renames) renames.set(r.session, [...(renames.get(r.session) ?? []), { from: r.from, to: r.to }]);
  const manifest = {
    prune,
    expect: expectedCounts(plan),
    sessions: desired.map((s) => ({
      key: s.key,
      name: s.name,
      session_type: s.type,
      ...(renames.has(s.key) ? { module_renames: renames.get(s.key) } : {}),
      modules: s.modules.map((m) => ({
        key: m.key,
        name: m.name,
        videos: m.videos.map((v) => ({
          key: v.key,
          file_name: v.fileName,
          file_size: v.fileSize,
          sha256: v.sha256,
          mime_type: mimeTypes.get(v.absolutePath) ?? v.mimeType,
        })),
      })),
    })),
  };
  return { p_manifest: manifest };
}

/** Refuses (exit 2, `import_too_large`) a row phase whose one request would pass ROWS_REQUEST_MAX_BYTES: called before the row phase starts. */
export function checkRowsSize(payload: Record<string, unknown>): void {
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes > ROWS_REQUEST_MAX_BYTES) {
    throw new CliError(`the rows of this import take ${(bytes / 2 ** 20).toFixed(1)} MiB in one request; the limit is ${ROWS_REQUEST_MAX_BYTES / 2 ** 20} MiB`, {
      code: 'import_too_large',
      hint: 'split the manifest (one file per session, or fewer modules each) and import each; nothing was written',
      exitCode: ExitCode.usage,
    });
  }
}

/** The whole row phase: one request, one transaction (an error, or counts other than the plan's, roll everything back). */
export async function applyRows(api: Api, payload: Record<string, unknown>): Promise<ImportApplied> {
  try {
    return await api.rpc<ImportApplied>('import_session', payload);
  } catch (err) {
    if (err instanceof CliError && (err.code === 'network' || /socket hang up|ECONNRESET|terminated|other side closed/i.test(err.message))) {
      // The request may have reached the database; its one transaction committed whole or not at all.
      throw new CliError(`the connection was lost during the row phase (${err.message})`, {
        code: 'row_phase_interrupted',
        hint: 'the database writes every row of an import or none: run the same import again (its plan shows what is there)',
        exitCode: ExitCode.failure,
        cause: err,
      });
    }
    if (err instanceof CliError && err.code === 'db_57014') {
      throw new CliError(`import failed, nothing was written: the row phase took longer than the database allows one statement`, {
        code: err.code,
        hint: "import fewer modules at a time, or raise the limit for signed-in users (SQL: alter role authenticated set statement_timeout = '60s')",
        exitCode: ExitCode.failure,
        cause: err,
      });
    }
    if (err instanceof CliError) {
      throw new CliError(err.message.includes('nothing was written') ? `import failed: ${err.message}` : `import failed, nothing was written: ${err.message}`, {
        code: err.code,
        hint: err.hint ?? 'fix the input and run again',
        exitCode: err.exitCode,
        cause: err,
      });
    }
    throw err;
  }
}
