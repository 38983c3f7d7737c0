/**
 * The typed API over video rows and their storage objects: the database functions of
 * DESIGN.md section 3 (`begin_video`, `finish_video`, `remove_video`, `upload_limits`) and
 * the Storage calls the video commands and `gc` make. Moves are in `moves.ts`.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Api } from './api.js';
import { fromPostgrestError } from './api.js';
import { CliError, ExitCode, notFoundError } from '../base/errors.js';
import { unknownRef } from './refs.js';
import { forEachAtMost } from '../base/pool.js';
import type { UploadLimits } from './upload/checks.js';
import type { VideoMetadata } from './media.js';
import type { StoredVideo, UploadBackend, UploadTarget } from './upload/queue.js';

/** A `videos` row as the table holds it. */
export interface VideoRow {
  id: string;
  user_id: string;
  module_id: string;
  key: string | null;
  file_name: string;
  file_size: number;
  mime_type: string;
  /** Null only while `uploading` with the hash not known yet (it comes with finish_video). */
  sha256: string | null;
  status: 'uploading' | 'ready';
  order_index: number;
  /** Object path in the `videos` bucket: `<user_id>/<session_id>/<module_id>/<video_id>/<slug>.<ext>`. */
  file_url: string;
  /** Read from the container before upload (core/media.ts); null for older rows and AVI (absent from servers without migration 20261206300000). */
  duration_ms?: number | null;
  width?: number | null;
  height?: number | null;
  video_codec?: string | null;
  audio_codec?: string | null;
  created_at: string;
  updated_at: string;
}

/** The private bucket that holds every video object. */
export const VIDEO_BUCKET = 'videos';

/** A video as commands print it: the row plus its 1-based position in the module. */
export interface VideoEntry extends VideoRow {
  position: number;
}

const VIDEO_COLUMNS = 'id,user_id,module_id,key,file_name,file_size,mime_type,sha256,status,order_index,file_url,duration_ms,width,height,video_codec,audio_codec,created_at,updated_at';

export async function uploadLimits(api: Api): Promise<UploadLimits> {
  const value = await api.rpc<Partial<UploadLimits> | null>('upload_limits');
  const size = value?.file_size_limit;
  return {
    file_size_limit: size === null || size === undefined ? null : Number(size),
    allowed_mime_types: Array.isArray(value?.allowed_mime_types) && value.allowed_mime_types.length > 0 ? value.allowed_mime_types : null,
  };
}

/** `begin_video`; `sha256` null when it is not known yet (it is sent with `finish_video`). */
export async function beginVideo(
  api: Api,
  req: { moduleId: string; fileName: string; size: number; sha256: string | null; mimeType: string; media?: VideoMetadata | null | undefined },
): Promise<VideoRow> {
  const row = await api.rpc<VideoRow | null>('begin_video', {
    p_module_id: req.moduleId,
    p_file_name: req.fileName,
    p_file_size: req.size,
    p_sha256: req.sha256,
    p_mime_type: req.mimeType,
    ...mediaParams(req.media),
  });
  if (!row) throw unknownRef('module', req.moduleId);
  return row;
}

/** begin_video's metadata parameters; none at all when the file has no metadata (AVI), so the call fits the five-parameter signature too. */
function mediaParams(media: VideoMetadata | null | undefined): Record<string, number | string | null> {
  if (!media) return {};
  return { p_duration_ms: media.duration_ms, p_width: media.width, p_height: media.height, p_video_codec: media.video_codec, p_audio_codec: media.audio_codec };
}

/** `finish_video` with the sha256 of the bytes (and their probe, when known): the row becomes `ready`. */
export async function finishVideo(api: Api, videoId: string, hashes: { sha256: string; probe: string | null }): Promise<VideoRow> {
  const row = await api.rpc<VideoRow | null>('finish_video', { p_video_id: videoId, p_sha256: hashes.sha256, p_probe_sha256: hashes.probe });
  if (!row) throw unknownRef('video', videoId);
  return row;
}

/** The caller's `ready` videos of these sizes: where the same bytes may already be stored (one request per 200 sizes). */
export async function storedVideosLike(api: Api, sizes: number[]): Promise<StoredVideo[]> {
  const found: StoredVideo[] = [];
  for (let i = 0; i < sizes.length; i += 200) {
    const { data, error } = await api.client
      .from('videos')
      .select('id,module_id,file_size,sha256,probe_sha256,file_url')
      .eq('user_id', api.identity.user.id)
      .eq('status', 'ready')
      .in('file_size', sizes.slice(i, i + 200))
      .limit(1000);
    if (error) throw fromPostgrestError(error);
    found.push(...((data ?? []) as unknown as StoredVideo[]).map((row) => ({ ...row, file_size: Number(row.file_size) })));
  }
  return found;
}

/** Copies a stored object to another path of the bucket on the server (Storage's `POST /object/copy`). */
export async function copyObject(api: Api, fromPath: string, toPath: string): Promise<void> {
  const { error } = await api.client.storage.from(VIDEO_BUCKET).copy(fromPath, toPath);
  if (error) throw storageError(error, 'storage refused the copy');
}

/** The queue's view of the server: these functions, over this API. */
export function uploadBackend(api: Api): UploadBackend {
  return {
    limits: () => uploadLimits(api),
    begin: (req) => beginVideo(api, req) as Promise<UploadTarget>,
    finish: (id, hashes) => finishVideo(api, id, hashes) as Promise<UploadTarget>,
    storedLike: (sizes) => storedVideosLike(api, sizes),
    copy: (from, to) => copyObject(api, from, to),
  };
}

/** The module's videos in order. An empty answer may mean "not yours": callers verify the module. */
export async function listVideos(api: Api, moduleId: string): Promise<VideoEntry[]> {
  const { data, error } = await api.client.from('videos').select(VIDEO_COLUMNS).eq('module_id', moduleId).order('order_index', { ascending: true });
  if (error) throw fromPostgrestError(error);
  return videoEntries(data as unknown as VideoRow[]);
}

export async function getVideo(api: Api, videoId: string): Promise<VideoRow> {
  const { data, error } = await api.client.from('videos').select(VIDEO_COLUMNS).eq('id', videoId).limit(1);
  if (error) throw fromPostgrestError(error);
  const row = (data as unknown as VideoRow[] | null)?.[0];
  if (!row) throw unknownRef('video', videoId);
  return row;
}

/** Deletes the row and closes the gap; its object path is queued for removal. */
export async function removeVideo(api: Api, videoId: string): Promise<void> {
  await api.rpc<null>('remove_video', { p_video_id: videoId });
}

/** A time-limited absolute URL that downloads the object without credentials. */
export async function signedVideoUrl(api: Api, path: string, expiresIn: number): Promise<string> {
  const { data, error } = await api.client.storage.from(VIDEO_BUCKET).createSignedUrl(path, expiresIn);
  if (error || !data?.signedUrl) throw storageError(error, 'cannot sign the video URL');
  return new URL(data.signedUrl, api.config.url).toString();
}

/** One object in the bucket, by full path. */
export interface StoredObject {
  path: string;
  size: number | null;
  updated_at: string | null;
}

/** One folder level of the bucket, every page of it (Storage lists 1,000 entries a page). */
export async function listFolder(client: SupabaseClient, folder: string): Promise<Array<{ name: string; id: string | null; metadata: unknown; updated_at?: string | null }>> {
  const bucket = client.storage.from(VIDEO_BUCKET);
  const entries: Array<{ name: string; id: string | null; metadata: unknown; updated_at?: string | null }> = [];
  const page = 1000;
  for (let offset = 0; ; offset += page) {
    const { data, error } = await bucket.list(folder, { limit: page, offset, sortBy: { column: 'name', order: 'asc' } });
    if (error) throw storageError(error, `cannot list ${folder}/`);
    entries.push(...(data ?? []));
    if (!data || data.length < page) return entries;
  }
}

/** Folders of one level listed at once while walking the bucket (one request each, none waits on another). */
const LISTS_AT_ONCE = 4;

/**
 * Every object under `prefix` (a folder, e.g. the caller's id), walking sub-folders a level at a
 * time, LISTS_AT_ONCE folders of a level at once; in breadth-first order, folder by folder.
 */
export async function listObjectsDeep(client: SupabaseClient, prefix: string): Promise<StoredObject[]> {
  const found: StoredObject[] = [];
  let level = [prefix.replace(/\/+$/, '')];
  while (level.length > 0) {
    const listed: Array<Awaited<ReturnType<typeof listFolder>>> = new Array(level.length);
    await forEachAtMost(level, LISTS_AT_ONCE, async (folder, i) => {
      listed[i] = await listFolder(client, folder);
    });
    const next: string[] = [];
    level.forEach((folder, i) => {
      for (const entry of listed[i]!) {
        const path = folder ? `${folder}/${entry.name}` : entry.name;
        if (entry.id === null) next.push(path);
        else {
          const meta = (entry.metadata ?? {}) as { size?: number; contentLength?: number };
          found.push({ path, size: meta.size ?? meta.contentLength ?? null, updated_at: entry.updated_at ?? null });
        }
      }
    });
    level = next;
  }
  return found;
}

/** The Storage API removes at most this many paths per call. */
export const STORAGE_REMOVE_BATCH = 1000;

/** Removes objects by path, STORAGE_REMOVE_BATCH a call; answers how many Storage deleted. */
export async function removeObjects(client: SupabaseClient, paths: string[]): Promise<number> {
  let removed = 0;
  for (let i = 0; i < paths.length; i += STORAGE_REMOVE_BATCH) {
    const { data, error } = await client.storage.from(VIDEO_BUCKET).remove(paths.slice(i, i + STORAGE_REMOVE_BATCH));
    if (error) throw storageError(error, 'storage refused the delete');
    removed += data?.length ?? 0;
  }
  return removed;
}

/** Storage answers 400 with the real status as a string `statusCode` (403, 404, …) in the body. */
export function storageError(error: unknown, fallback: string): CliError {
  if (error instanceof CliError) return error;
  const e = (error ?? {}) as { message?: string; statusCode?: string | number; status?: number; originalError?: unknown };
  const status = String(e.statusCode ?? e.status ?? '');
  const message = e.message || fallback;
  if (status === '403' || status === '404') return notFoundError(`not found, or not yours (${message})`, 'check the id with `session video ls <module>`', 'not_found');
  if (status === '401') return new CliError(message, { code: 'token_rejected', hint: 'run `session login`', exitCode: ExitCode.auth });
  return new CliError(`${fallback}: ${message}`, { code: 'storage_error', hint: 'run again with --debug for details', exitCode: ExitCode.failure, cause: error });
}

export function videoEntries(rows: VideoRow[]): VideoEntry[] {
  return [...rows].sort((a, b) => a.order_index - b.order_index).map((row, i) => videoEntry(row, i));
}

/** A fixed field order for JSON, whatever order the server sent. */
function videoEntry(row: VideoRow, index: number): VideoEntry {
  return {
    id: row.id,
    user_id: row.user_id,
    module_id: row.module_id,
    key: row.key ?? null,
    position: index + 1,
    order_index: row.order_index,
    file_name: row.file_name,
    file_size: Number(row.file_size),
    mime_type: row.mime_type,
    sha256: row.sha256,
    status: row.status,
    file_url: row.file_url,
    duration_ms: row.duration_ms ?? null,
    width: row.width ?? null,
    height: row.height ?? null,
    video_codec: row.video_codec ?? null,
    audio_codec: row.audio_codec ?? null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Every object path the caller's rows point to (paged: Supabase caps responses at 1,000 rows). */
export async function ownFileUrls(api: Api): Promise<Set<string>> {
  const urls = new Set<string>();
  const page = 1000;
  for (let from = 0; ; from += page) {
    const { data, error } = await api.client
      .from('videos')
      .select('id,file_url')
      .eq('user_id', api.identity.user.id)
      .order('id', { ascending: true })
      .range(from, from + page - 1);
    if (error) throw fromPostgrestError(error);
    const rows = (data ?? []) as Array<{ file_url: string }>;
    for (const row of rows) urls.add(row.file_url);
    if (rows.length < page) return urls;
  }
}

/** The caller's uploads still `uploading` and untouched since `before` (ISO time). */
export async function staleUploads(api: Api, before: string): Promise<VideoRow[]> {
  const { data, error } = await api.client
    .from('videos')
    .select(VIDEO_COLUMNS)
    .eq('user_id', api.identity.user.id)
    .eq('status', 'uploading')
    .lt('created_at', before)
    .lt('updated_at', before)
    .order('created_at', { ascending: true })
    .limit(1000);
  if (error) throw fromPostgrestError(error);
  return (data ?? []) as unknown as VideoRow[];
}
