/**
 * Video metadata read from a file's container before upload (docs/media.md): duration, frame
 * size, codecs and frame rate, through mediabunny over a file handle that reads only the byte
 * ranges asked for, so a 1 GiB MP4 with its `moov` box at the end costs a seek, not a read.
 * mediabunny is imported on first use: `--help` and commands that never read media do not load it.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';

/** What a video's container says about it; the first five are stored on the `videos` row. */
export interface VideoMetadata {
  duration_ms: number;
  width: number;
  height: number;
  /** `h264`, `hevc`, `vp8`, `vp9`, `av1`…; null when the container names a codec the reader does not know. */
  video_codec: string | null;
  /** `aac`, `opus`, `vorbis`, `mp3`…; null when the file has no audio track. */
  audio_codec: string | null;
  /** Frames per second, averaged over the first packets; null when it cannot be told. */
  frame_rate: number | null;
  /** The container as the reader names it (`MP4`, `QuickTime File Format`, `WebM`, `Matroska`). */
  container: string;
}

/**
 * The outcome of reading a file's container: metadata; or accepted without metadata (a
 * container the reader does not parse, such as AVI: `note` says so); or refused, with the
 * reason in parentheses of `not a playable video (…)`.
 */
export type MediaProbe =
  | { ok: true; media: VideoMetadata; note: null }
  | { ok: true; media: null; note: string }
  | { ok: false; reason: string };

/** Byte-range reads over an open file, counted (the bench and tests check how little is read). */
export class FileRangeReader {
  bytesRead = 0;
  reads = 0;

  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FileRangeReader> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      return new FileRangeReader(handle, size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Bytes [start, end), cut short at the end of the file. */
  async read(start: number, end: number): Promise<Uint8Array> {
    const length = Math.max(0, Math.min(end, this.size) - start);
    const buffer = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.bytesRead += filled;
    this.reads += 1;
    return filled === length ? buffer : buffer.subarray(0, filled);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Containers read for metadata; others (AVI) are accepted without it. */
export type ContainerFamily = 'isobmff' | 'matroska' | 'avi' | string;

const READABLE_FAMILIES = new Set(['isobmff', 'matroska']);

// Bounds the database checks too (supabase/migrations/20261206300000_video_metadata.sql).
const MAX_DURATION_MS = 7 * 24 * 3600 * 1000;
const MAX_DIMENSION = 16384;

/** Frame rate is averaged over this many packets (their headers only; an MP4's index already holds them). */
const FRAME_RATE_PACKETS = 30;

/** Short codec names people know (mediabunny says `avc` for H.264). */
const CODEC_NAMES: Record<string, string> = { avc: 'h264', hevc: 'hevc' };

/**
 * Reads a video file's container metadata. `family` is the container family the file's
 * signature showed (checks.ts); families the reader does not parse are accepted without
 * metadata. Never throws for a bad file: a refusal is a value. `reader` lets callers count bytes.
 */
export async function readVideoMetadata(absPath: string, family: ContainerFamily, reader?: FileRangeReader): Promise<MediaProbe> {
  if (!READABLE_FAMILIES.has(family)) {
    return { ok: true, media: null, note: `duration and frame size are not read from ${family === 'avi' ? 'AVI' : family} files` };
  }
  let own: FileRangeReader;
  try {
    own = reader ?? (await FileRangeReader.open(absPath));
  } catch (err) {
    return { ok: false, reason: `cannot read it: ${(err as NodeJS.ErrnoException).code ?? firstLine(err)}` };
  }
  try {
    const extent = family === 'isobmff' ? await checkBoxes(own) : await checkSegment(own);
    if (extent) return { ok: false, reason: extent };
    return await probeTracks(own);
  } finally {
    if (!reader) await own.close();
  }
}

/**
 * Container reads of one run (an import: its plan, its file checks and its upload queue), each
 * distinct file read once. A file is known by path, size and mtime: one that changes during the
 * run is read again. Refusals are kept too (the same file gives the same answer).
 */
export class MediaReads {
  private readonly probes = new Map<string, Promise<MediaProbe>>();

  /** `readVideoMetadata`, answered from this run's earlier read of the same file when there is one. `file`: its stat, when the caller has it. */
  async read(absPath: string, family: ContainerFamily, file?: { size: number; mtimeMs: number }): Promise<MediaProbe> {
    if (!READABLE_FAMILIES.has(family)) return readVideoMetadata(absPath, family);
    let info = file;
    if (!info) {
      try {
        info = await stat(absPath);
      } catch {
        return readVideoMetadata(absPath, family); // says why it cannot be read
      }
    }
    const key = JSON.stringify([absPath, family, info.size, info.mtimeMs]);
    let probe = this.probes.get(key);
    if (!probe) {
      probe = readVideoMetadata(absPath, family);
      this.probes.set(key, probe);
    }
    return probe;
  }
}

/** The one line `checkFile` prints for a refused container. */
export function unplayable(reason: string): string {
  return `not a playable video (${reason})`;
}

async function probeTracks(reader: FileRangeReader): Promise<MediaProbe> {
  const { Input, CustomSource, MP4, QTFF, MATROSKA, WEBM } = await import('./media-reader.js');
  const input = new Input({
    formats: [MP4, QTFF, MATROSKA, WEBM],
    source: new CustomSource({ getSize: () => reader.size, read: (start, end) => reader.read(start, end), prefetchProfile: 'fileSystem' }),
  });
  try {
    let container: string;
    try {
      container = (await input.getFormat()).name;
    } catch {
      return { ok: false, reason: 'unrecognised container' };
    }
    const video = await input.getPrimaryVideoTrack();
    if (!video) return { ok: false, reason: 'no video track' };
    const audio = await input.getPrimaryAudioTrack();
    const seconds = await input.computeDuration();
    const duration_ms = Math.round(seconds * 1000);
    if (!Number.isFinite(seconds) || duration_ms <= 0) return { ok: false, reason: 'zero duration' };
    if (duration_ms > MAX_DURATION_MS) return { ok: false, reason: `a duration of ${Math.round(seconds / 3600)} hours is not plausible` };
    const width = video.displayWidth;
    const height = video.displayHeight;
    if (!(width > 0 && height > 0) || width > MAX_DIMENSION || height > MAX_DIMENSION) return { ok: false, reason: `a frame size of ${width}×${height} is not plausible` };
    let frame_rate: number | null = null;
    try {
      const stats = await video.computePacketStats(FRAME_RATE_PACKETS);
      if (Number.isFinite(stats.averagePacketRate) && stats.averagePacketRate > 0) frame_rate = Math.round(stats.averagePacketRate * 1000) / 1000;
    } catch {
      // Frame rate is informational: a container whose packets cannot be listed still plays.
    }
    return {
      ok: true,
      note: null,
      media: {
        duration_ms,
        width,
        height,
        video_codec: codecName(video.codec),
        audio_codec: audio ? (codecName(audio.codec) ?? 'unknown') : null,
        frame_rate,
        container,
      },
    };
  } catch (err) {
    return { ok: false, reason: `unreadable container: ${firstLine(err)}` };
  } finally {
    input.dispose();
  }
}

function codecName(codec: string | null): string | null {
  return codec === null ? null : (CODEC_NAMES[codec] ?? codec);
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n', 1)[0] ?? '').replace(/\.$/, '') || 'unknown error';
}

/**
 * ISO-BMFF (MP4, MOV, M4V): walks the top-level boxes by their headers (16 bytes each) and
 * refuses a box that runs past the end of the file (a cut-off copy) or a file with no `moov`
 * (the index: without it nothing plays).
 */
async function checkBoxes(reader: FileRangeReader): Promise<string | null> {
  let offset = 0;
  let moov = false;
  for (let boxes = 0; offset < reader.size && boxes < 100_000; boxes++) {
    if (reader.size - offset < 8) break; // trailing padding shorter than a box header
    const head = Buffer.from(await reader.read(offset, Math.min(offset + 16, reader.size)));
    let size = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (!/^[\x20-\x7e]{4}$/.test(type)) return offset === 0 ? 'unrecognised container' : `unreadable data at byte ${offset}`;
    if (size === 1) {
      if (head.length < 16) return `${type} box runs past the end of the file`;
      size = Number(head.readBigUInt64BE(8));
    } else if (size === 0) {
      size = reader.size - offset; // "to the end of the file"
    }
    if (size < 8) return `${type} box has an invalid size`;
    if (offset + size > reader.size) return type !== 'moov' && !moov ? 'moov box missing' : `${type} box runs past the end of the file`;
    if (type === 'moov') moov = true;
    offset += size;
  }
  return moov ? null : 'moov box missing';
}

/**
 * Matroska and WebM: the Segment (everything after the EBML header) states its size; a
 * file shorter than that was cut off. An unknown size (live recordings) is left to the reader.
 */
async function checkSegment(reader: FileRangeReader): Promise<string | null> {
  const head = Buffer.from(await reader.read(0, Math.min(reader.size, 64)));
  const header = readElement(head, 0);
  if (!header || header.id !== 0x1a45dfa3 || header.size === null) return 'unrecognised container';
  const segmentAt = header.dataStart + header.size;
  const seg = Buffer.from(await reader.read(segmentAt, Math.min(reader.size, segmentAt + 16)));
  const segment = readElement(seg, 0);
  if (!segment || segment.id !== 0x18538067) return 'Segment missing';
  if (segment.size !== null && segmentAt + segment.dataStart + segment.size > reader.size) return 'Segment runs past the end of the file';
  return null;
}

/** An EBML element's id, its data size (null: unknown) and where its data starts. */
function readElement(buf: Buffer, at: number): { id: number; size: number | null; dataStart: number } | null {
  const idLength = vintLength(buf[at]);
  if (idLength === 0 || idLength > 4 || at + idLength > buf.length) return null;
  let id = 0;
  for (let i = 0; i < idLength; i++) id = id * 256 + buf[at + i]!;
  const sizeAt = at + idLength;
  const sizeLength = vintLength(buf[sizeAt]);
  if (sizeLength === 0 || sizeAt + sizeLength > buf.length) return null;
  let size = buf[sizeAt]! & (0xff >> sizeLength);
  let allOnes = size === 0xff >> sizeLength;
  for (let i = 1; i < sizeLength; i++) {
    size = size * 256 + buf[sizeAt + i]!;
    allOnes &&= buf[sizeAt + i] === 0xff;
  }
  return { id, size: allOnes ? null : size, dataStart: sizeAt + sizeLength };
}

function vintLength(first: number | undefined): number {
  if (first === undefined || first === 0) return 0;
  let length = 1;
  while ((first & (0x80 >> (length - 1))) === 0) length++;
  return length;
}


/** `1920×1080`, or null when either side is unknown. */
export function formatFrameSize(width: number | null | undefined, height: number | null | undefined): string | null {
  return width && height ? `${width}×${height}` : null;
}
