import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * Small files that video signature checks (file-type) accept: an ISO-BMFF `ftyp` box
 * (MP4, MOV, M4V) or a Matroska EBML header (WebM, MKV), padded with random bytes to the
 * size asked for, so every generated file has its own sha256.
 */
export type VideoKind = 'mp4' | 'mov' | 'm4v' | 'webm' | 'mkv';

const BRANDS: Record<'mp4' | 'mov' | 'm4v', { major: string; compatible: string[] }> = {
  mp4: { major: 'isom', compatible: ['isom', 'iso2', 'avc1', 'mp41'] },
  mov: { major: 'qt  ', compatible: ['qt  '] },
  m4v: { major: 'M4V ', compatible: ['M4V ', 'M4A ', 'mp42', 'isom'] },
};

function box(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, payload]);
}

function ftyp(kind: 'mp4' | 'mov' | 'm4v'): Buffer {
  const { major, compatible } = BRANDS[kind];
  const minor = Buffer.alloc(4);
  minor.writeUInt32BE(0x200, 0);
  return box('ftyp', Buffer.concat([Buffer.from(major, 'latin1'), minor, ...compatible.map((b) => Buffer.from(b, 'latin1'))]));
}

function ebmlElement(id: number[], payload: Buffer): Buffer {
  // Sizes below 127 fit in a one-byte EBML variable-length integer.
  if (payload.length > 126) throw new Error('payload too long for this helper');
  return Buffer.concat([Buffer.from(id), Buffer.from([0x80 | payload.length]), payload]);
}

function ebmlHeader(docType: 'webm' | 'matroska'): Buffer {
  const body = Buffer.concat([
    ebmlElement([0x42, 0x86], Buffer.from([1])), // EBMLVersion
    ebmlElement([0x42, 0xf7], Buffer.from([1])), // EBMLReadVersion
    ebmlElement([0x42, 0xf2], Buffer.from([4])), // EBMLMaxIDLength
    ebmlElement([0x42, 0xf3], Buffer.from([8])), // EBMLMaxSizeLength
    ebmlElement([0x42, 0x82], Buffer.from(docType, 'latin1')), // DocType
    ebmlElement([0x42, 0x87], Buffer.from([4])), // DocTypeVersion
    ebmlElement([0x42, 0x85], Buffer.from([2])), // DocTypeReadVersion
  ]);
  const header = ebmlElement([0x1a, 0x45, 0xdf, 0xa3], body);
  // A Segment of unknown size: everything after it is its (random) content.
  const segment = Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  return Buffer.concat([header, segment]);
}

/** The leading bytes of a file of this kind. */
export function videoHeader(kind: VideoKind): Buffer {
  if (kind === 'webm') return ebmlHeader('webm');
  if (kind === 'mkv') return ebmlHeader('matroska');
  return ftyp(kind);
}

/**
 * Writes a valid-looking video of exactly `size` bytes (at least the header's size)
 * and returns its sha256. Large files are written in 4 MiB random blocks.
 */
export async function writeVideo(path: string, size: number, kind: VideoKind = 'mp4'): Promise<string> {
  let head = videoHeader(kind);
  if (kind === 'mp4' || kind === 'mov' || kind === 'm4v') {
    // An `mdat` box header whose size covers the rest of the file (or "to end of file" when too big).
    const rest = size - head.length;
    if (rest >= 8) {
      const mdat = Buffer.alloc(8);
      mdat.writeUInt32BE(rest <= 0xffffffff ? rest : 0, 0);
      mdat.write('mdat', 4, 'latin1');
      head = Buffer.concat([head, mdat]);
    }
  }
  if (size < head.length) throw new Error(`a ${kind} file needs at least ${head.length} bytes`);
  const hash = createHash('sha256');
  const file = await open(path, 'w');
  try {
    await file.write(head);
    hash.update(head);
    let left = size - head.length;
    const block = 4 * 1024 * 1024;
    while (left > 0) {
      const n = Math.min(block, left);
      const bytes = randomBytes(n);
      await file.write(bytes);
      hash.update(bytes);
      left -= n;
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/** Writes a file with the given text (for refusals: a `.txt`, or text renamed to `.mp4`). */
export async function writeText(path: string, text = 'not a video\n'): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.write(text);
  } finally {
    await file.close();
  }
}

export function sha256(bytes: Buffer | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
