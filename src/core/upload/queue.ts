import { resolve } from 'node:path';
import { CliError, ExitCode, firstLine, type ExitCodeValue } from '../../base/errors.js';
import { checkFiles, type CheckedFile, type UploadLimits } from './checks.js';
import { probeFile, sha256File } from './hash.js';
import type { HashCache } from './hash-cache.js';
import type { MediaReads, VideoMetadata } from '../media.js';
import { DEFAULT_CONCURRENCY } from '../../base/constants.js';
import { forEachAtMost } from '../../base/pool.js';
import type { UploadEvent, UploadFileReport, UploadStatus } from '../../base/upload-events.js';

export type { UploadEvent, UploadFileReport, UploadStatus };
import { TransportError, type TransportJob, type UploadTransport } from './transport.js';

/** A video row as far as uploading cares (what `begin_video` / `finish_video` return). */
export interface UploadTarget {
  id: string;
  module_id: string;
  file_url: string;
  status: 'uploading' | 'ready' | string;
  sha256: string | null;
  file_size?: number | null;
  mime_type?: string | null;
  key?: string | null;
  duration_ms?: number | null;
  file_name?: string;
}

/**
 * One file to upload: into a module (the queue calls `begin_video`), or for a row that
 * already exists (an import created it; the queue only sends the bytes and finishes it).
 */
export type UploadInput =
  | { moduleId: string; path: string; key?: string | null; fileName?: string }
  | { video: UploadTarget; path: string; key?: string | null };

/** A `ready` video of the caller's, as far as finding the same bytes cares. */
export interface StoredVideo {
  id: string;
  module_id: string;
  file_size: number;
  sha256: string;
  probe_sha256: string | null;
  file_url: string;
}

/** The server side of an upload: the database functions the queue calls. */
export interface UploadBackend {
  /** `upload_limits()`, called once per run. */
  limits(): Promise<UploadLimits>;
  /**
   * `begin_video(...)`: the existing row for the same bytes in that module, else a new `uploading`
   * one. `sha256` is null when not known yet (it is sent with `finish`).
   */
  begin(req: { moduleId: string; fileName: string; size: number; sha256: string | null; mimeType: string; media?: VideoMetadata | null }): Promise<UploadTarget>;
  /** `finish_video(id, sha256, probe)`: marks the row `ready` with the hash of its bytes. */
  finish(videoId: string, hashes: { sha256: string; probe: string | null }): Promise<UploadTarget>;
  /** The caller's `ready` videos of these sizes (one request per run): where the same bytes may already be stored. */
  storedLike?(sizes: number[]): Promise<StoredVideo[]>;
  /** Copies a stored object to another path on the server (Storage's `object/copy`). */
  copy?(fromPath: string, toPath: string): Promise<void>;
}

export interface UploadReport {
  files: UploadFileReport[];
  /** The run was stopped by its signal; unfinished files stay resumable. */
  interrupted: boolean;
}

export interface UploadQueueOptions {
  backend: UploadBackend;
  transport: UploadTransport;
  /** Files in flight at once (default 3). Chunks within a file are sequential. */
  concurrency?: number;
  /** Pauses before whole-file retries of `begin` / `finish` after a transient error (default 1 s, 3 s, 10 s). */
  retryDelays?: number[];
  /** Which errors of `begin` / `finish` are worth retrying (default: network and server errors). */
  isTransient?: (err: unknown) => boolean;
  /** Aborting stops new work and aborts sends; resume state is kept. */
  signal?: AbortSignal;
  /** Remembers sha256 by file (path, size, mtime, ctime, inode), so a re-run does not read a large file again. */
  hashCache?: Pick<HashCache, 'get' | 'set'>;
  /** The run's container reads (an import's): files its plan and checks read are not read again. */
  mediaReads?: MediaReads;
  onEvent?: (event: UploadEvent) => void;
}

/** Network failures and 5xx are transient; usage, auth, not-found and conflicts are not. */
export function isTransientError(err: unknown): boolean {
  if (err instanceof TransportError) return false;
  if (err instanceof CliError) return err.exitCode === ExitCode.failure && err.code !== 'schema_mismatch';
  if (err instanceof Error && err.name === 'AbortError') return false;
  return true;
}

interface Planned {
  index: number;
  input: UploadInput;
  checked: CheckedFile;
  /** Resolves once the previous file's `begin_video` is done, so rows take the order the files were given in. */
  turn: Promise<void>;
  /** Lets the next file call `begin_video`. */
  passTurn: () => void;
}

/**
 * Uploads files to video rows: checks every file first (one `upload_limits()` call), asks
 * once which of the caller's stored videos have the same sizes, then per file,
 * `concurrency` at a time:
 * - the sha256, only when it is known without reading (the hash cache) or worth reading
 *   the whole file for (a stored video of the same size and probe: likely the same bytes);
 * - `begin_video` (same bytes in the module → that row: "unchanged");
 * - the same bytes stored elsewhere in the account → copied on the server ("copied");
 * - else the transport, hashing the file from the same reads that send it;
 * - `finish_video` with the sha256.
 * Never throws for a file's failure: `run` returns a report with one entry per input.
 */
export class UploadQueue {
  private readonly opts: Required<Omit<UploadQueueOptions, 'signal' | 'onEvent' | 'hashCache' | 'mediaReads'>> & Pick<UploadQueueOptions, 'signal' | 'onEvent' | 'hashCache' | 'mediaReads'>;
  private readonly sameBytes = new Map<string, Promise<unknown>>();
  /** The caller's stored videos by size, asked once per run. */
  private stored: Promise<Map<number, StoredVideo[]>> | null = null;
  /** Sizes shared by several files of this run. */
  private twinSizes = new Set<number>();

  constructor(opts: UploadQueueOptions) {
    this.opts = {
      concurrency: DEFAULT_CONCURRENCY,
      retryDelays: [1000, 3000, 10_000],
      isTransient: isTransientError,
      ...opts,
    };
    if (!Number.isInteger(this.opts.concurrency) || this.opts.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  }

  async run(inputs: UploadInput[]): Promise<UploadReport> {
    const reports: UploadFileReport[] = new Array(inputs.length);
    if (inputs.length === 0) return { files: [], interrupted: false };
    const limits = await this.opts.backend.limits();
    const checks = await checkFiles(inputs.map((i) => i.path), limits, undefined, this.opts.mediaReads);

    const planned: Array<Planned & { turnDone: Promise<void> }> = [];
    const seen = new Map<string, number>();
    inputs.forEach((input, index) => {
      const check = checks[index]!;
      if (!check.ok) {
        reports[index] = this.report(input, { status: 'refused', error: check.reason, exit_code: ExitCode.usage });
        this.emit({ type: 'refused', index, file: input.path, reason: check.reason });
        return;
      }
      // The same file twice for the same target would race itself: upload it once, report both.
      const target = 'video' in input ? `video:${input.video.id}` : `module:${input.moduleId}`;
      const dupKey = `${target}|${resolve(input.path)}`;
      const first = seen.get(dupKey);
      if (first !== undefined) {
        reports[index] = this.report(input, { status: 'refused', error: `${input.path}: given twice; uploaded once`, exit_code: ExitCode.usage });
        this.emit({ type: 'refused', index, file: input.path, reason: reports[index]!.error! });
        return;
      }
      seen.set(dupKey, index);
      const turn = planned.length > 0 ? planned[planned.length - 1]!.turnDone : Promise.resolve();
      let passTurn!: () => void;
      const turnDone = new Promise<void>((r) => (passTurn = r));
      planned.push({ index, input, checked: check.file, turn, passTurn, turnDone });
      this.emit({ type: 'queued', index, file: input.path, size: check.file.size });
    });

    this.stored = this.lookUpStored(planned.map((p) => p.checked.size));
    // Files of one size given together are likely copies of each other: worth hashing before sending.
    const sizes = new Map<number, number>();
    for (const p of planned) sizes.set(p.checked.size, (sizes.get(p.checked.size) ?? 0) + 1);
    this.twinSizes = new Set([...sizes].filter(([, n]) => n > 1).map(([size]) => size));
    // No signal here: after an abort every file still gets its report (uploadOne answers "interrupted").
    await forEachAtMost(planned, this.opts.concurrency, async (item) => {
      const report = await this.uploadOne(item);
      reports[item.index] = report;
      this.emit({ type: 'finished', index: item.index, report });
    });
    return { files: reports, interrupted: Boolean(this.opts.signal?.aborted) };
  }

  private async uploadOne({ index, input, checked, turn, passTurn }: Planned): Promise<UploadFileReport> {
    let videoId: string | null = 'video' in input ? input.video.id : null;
    let sha: string | null = null;
    let bytesSent = 0;
    const fail = (err: unknown): UploadFileReport => {
      const aborted = this.aborted() || (err instanceof TransportError && err.aborted) || (err instanceof Error && err.name === 'AbortError');
      const message = aborted ? 'interrupted; run the same command again to resume' : errorText(err);
      const exit_code = aborted ? ExitCode.interrupted : err instanceof CliError ? err.exitCode : ExitCode.failure;
      if (err instanceof TransportError) bytesSent = Math.max(bytesSent, err.bytesSent);
      return this.report(input, { status: 'failed', video_id: videoId, bytes_sent: bytesSent, error: message, size: checked.size, sha256: sha, exit_code });
    };

    try {
      this.throwIfAborted();
      sha = await this.knownHash(index, input, checked);
      await turn;
      this.throwIfAborted();

      // Two inputs with the same bytes (or, hash unknown, the same name and size) for one module would race each other.
      const moduleId = 'video' in input ? input.video.module_id : input.moduleId;
      const sameKey = sha ? `${moduleId}|${sha}` : `${moduleId}|${('fileName' in input && input.fileName) || checked.name}|${checked.size}`;
      const before = this.sameBytes.get(sameKey);
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      this.sameBytes.set(sameKey, (before ?? Promise.resolve()).then(() => mine));
      try {
        if (before) await before;
        this.throwIfAborted();
        return await this.sendAndFinish(index, input, checked, sha, passTurn, (id) => (videoId = id), (n) => (bytesSent = n), (s) => (sha = s));
      } finally {
        release();
      }
    } catch (err) {
      return fail(err);
    } finally {
      passTurn();
    }
  }

  private async sendAndFinish(
    index: number,
    input: UploadInput,
    checked: CheckedFile,
    known: string | null,
    passTurn: () => void,
    setVideoId: (id: string) => void,
    setBytesSent: (n: number) => void,
    setSha: (sha: string) => void,
  ): Promise<UploadFileReport> {
    const file = input.path;
    let video: UploadTarget;
    if ('video' in input) {
      video = input.video;
      if (video.sha256 && known && video.sha256 !== known) {
        throw new CliError(`${file}: the file changed since its video row was created (sha256 differs)`, { code: 'file_changed', exitCode: ExitCode.conflict });
      }
    } else {
      const moduleId = input.moduleId;
      video = await this.withRetries(index, file, () =>
        this.opts.backend.begin({ moduleId, fileName: input.fileName ?? checked.name, size: checked.size, sha256: known, mimeType: checked.mimeType, media: checked.media }),
      );
    }
    passTurn();
    setVideoId(video.id);

    if (video.status === 'ready' && known && video.sha256 === known) {
      // Same bytes under another name: the report names the row it matched.
      const name = 'video' in input ? checked.name : (input.fileName ?? checked.name);
      const sameAs = video.file_name && video.file_name !== name ? video.file_name : null;
      return this.report(input, { status: 'unchanged', video_id: video.id, size: checked.size, sha256: known, same_as: sameAs });
    }

    // The same bytes already stored elsewhere in the account: copy them on the server.
    const expected = known ?? ('video' in input ? input.video.sha256 : null);
    const source = expected ? await this.storedCopyOf(expected, checked.size, video.id) : null;
    if (source && expected && this.opts.backend.copy) {
      const copied = await this.copyStored(index, file, source, video).catch(() => false);
      if (copied) {
        await this.withRetries(index, file, () => this.opts.backend.finish(video.id, { sha256: expected, probe: source.probe_sha256 }));
        return this.report(input, { status: 'copied', video_id: video.id, size: checked.size, sha256: expected });
      }
    }

    const job: TransportJob = {
      videoId: video.id,
      absPath: checked.absPath,
      size: checked.size,
      mtimeMs: checked.mtimeMs,
      objectName: video.file_url,
      contentType: video.mime_type ?? checked.mimeType,
      hash: known === null,
    };
    let resumedFrom = 0;
    const signal = this.opts.signal ?? new AbortController().signal;
    const sent = await this.opts.transport.send(job, {
      signal,
      onStart: (offset) => {
        resumedFrom = offset;
        this.emit({ type: 'started', index, file, size: checked.size, resumedFrom: offset, videoId: video.id });
      },
      onProgress: (offset) => {
        setBytesSent(Math.max(0, offset - resumedFrom));
        this.emit({ type: 'progress', index, file, offset, size: checked.size });
      },
      onRetry: (attempt, maxAttempts, delayMs, reason) => this.emit({ type: 'retry', index, file, attempt, maxAttempts, delayMs, reason }),
    });
    setBytesSent(sent.bytesSent);
    this.throwIfAborted();
    const sha = known ?? sent.digest?.sha256;
    if (!sha) throw new Error(`${file}: the transport returned no sha256`);
    setSha(sha);
    if (known === null) this.opts.hashCache?.set(checked.absPath, checked, sha);
    if ('video' in input && input.video.sha256 && input.video.sha256 !== sha) {
      throw new CliError(`${file}: the file changed since its video row was created (sha256 differs)`, { code: 'file_changed', exitCode: ExitCode.conflict });
    }
    await this.withRetries(index, file, () => this.opts.backend.finish(video.id, { sha256: sha, probe: sent.digest?.probe ?? null }));
    await this.opts.transport.forget(job).catch(() => undefined);
    return this.report(input, { status: 'uploaded', video_id: video.id, bytes_sent: sent.bytesSent, size: checked.size, sha256: sha });
  }

  /**
   * The sha256 when it costs no full read (the hash cache), or when a full read is worth it: a
   * stored video of the same size (and probe, where it has one) is likely the same bytes, and
   * then copying or skipping beats sending. Null: the upload computes it as it reads.
   */
  private async knownHash(index: number, input: UploadInput, checked: CheckedFile): Promise<string | null> {
    const cached = this.opts.hashCache?.get(checked.absPath, checked);
    if (cached) return cached;
    const candidates = (await this.stored)?.get(checked.size) ?? [];
    const others = candidates.filter((c) => !('video' in input) || c.id !== input.video.id);
    const twin = this.twinSizes.has(checked.size);
    if (others.length === 0 && !twin) return null;
    if (!twin && others.every((c) => c.probe_sha256 !== null)) {
      const probe = await probeFile(checked.absPath, checked.size);
      if (!others.some((c) => c.probe_sha256 === probe)) return null;
    }
    this.emit({ type: 'hashing', index, file: input.path, size: checked.size });
    let hashed = 0;
    const hashOpts: { signal?: AbortSignal; onBytes: (n: number) => void } = {
      onBytes: (n) => {
        hashed += n;
        this.emit({ type: 'hash-progress', index, file: input.path, size: checked.size, hashed });
      },
    };
    if (this.opts.signal) hashOpts.signal = this.opts.signal;
    const sha = await sha256File(checked.absPath, hashOpts);
    this.opts.hashCache?.set(checked.absPath, checked, sha);
    return sha;
  }

  private async lookUpStored(sizes: number[]): Promise<Map<number, StoredVideo[]>> {
    const bySize = new Map<number, StoredVideo[]>();
    const { backend } = this.opts;
    if (!backend.storedLike || sizes.length === 0) return bySize;
    try {
      for (const row of await backend.storedLike([...new Set(sizes)])) {
        const size = Number(row.file_size);
        bySize.set(size, [...(bySize.get(size) ?? []), row]);
      }
    } catch {
      // Only an optimisation: without it, every file is sent.
    }
    return bySize;
  }

  /** A stored `ready` object with these bytes, other than the row itself. */
  private async storedCopyOf(sha: string, size: number, selfId: string): Promise<StoredVideo | null> {
    const candidates = (await this.stored)?.get(size) ?? [];
    return candidates.find((c) => c.sha256 === sha && c.id !== selfId) ?? null;
  }

  private async copyStored(index: number, file: string, source: StoredVideo, video: UploadTarget): Promise<boolean> {
    this.emit({ type: 'copying', index, file, from: source.file_url, videoId: video.id });
    await this.withRetries(index, file, () => this.opts.backend.copy!(source.file_url, video.file_url));
    return true;
  }

  /** Runs a database call, retrying transient failures after the configured pauses. */
  private async withRetries<T>(index: number, file: string, call: () => Promise<T>): Promise<T> {
    const delays = this.opts.retryDelays;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (attempt >= delays.length || !this.opts.isTransient(err) || this.aborted()) throw err;
        const delayMs = delays[attempt]!;
        this.emit({ type: 'retry', index, file, attempt: attempt + 1, maxAttempts: delays.length, delayMs, reason: errorText(err) });
        await sleep(delayMs, this.opts.signal);
      }
    }
  }

  private report(input: UploadInput, fields: Partial<UploadFileReport> & { status: UploadStatus }): UploadFileReport {
    return {
      file: input.path,
      video_id: null,
      bytes_sent: 0,
      error: null,
      module_id: 'video' in input ? input.video.module_id : input.moduleId,
      key: input.key ?? ('video' in input ? input.video.key ?? null : null),
      size: null,
      sha256: null,
      ...fields,
    };
  }

  private emit(event: UploadEvent): void {
    try {
      this.opts.onEvent?.(event);
    } catch {
      // A renderer's failure must not fail an upload.
    }
  }

  private aborted(): boolean {
    return Boolean(this.opts.signal?.aborted);
  }

  private throwIfAborted(): void {
    if (this.aborted()) throw new TransportError('interrupted', { aborted: true });
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return firstLine(err.message) || err.name;
  return String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolveSleep) => {
    if (signal?.aborted) return resolveSleep();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolveSleep();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The exit code for a finished run: 0 when every file is uploaded or unchanged; 130 when
 * interrupted; when nothing succeeded and every failure has the same cause (all files in a
 * module that is not yours), that cause's code; else 6 (partial failure).
 */
export function exitCodeFor(report: UploadReport): ExitCodeValue {
  if (report.interrupted) return ExitCode.interrupted;
  const bad = report.files.filter((f) => f.status === 'failed' || f.status === 'refused');
  if (bad.length === 0) return ExitCode.ok;
  const good = report.files.length - bad.length;
  const codes = new Set(bad.map((f) => f.exit_code ?? ExitCode.failure));
  if (good === 0 && codes.size === 1) {
    const only = [...codes][0]!;
    if (only === ExitCode.auth || only === ExitCode.notFound) return only;
  }
  return ExitCode.partial;
}
