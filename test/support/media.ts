import { createHash, randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';

/**
 * Video files for tests. `writeVideo` makes playable ones of any size from real tiny videos;
 * `videoHeader` is the leading bytes of a container, enough for signature checks (file-type).
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
 * Writes a playable video of exactly `size` bytes and returns its sha256: one of the tiny real
 * videos in test/fixtures/media (`tiny.<kind>`, one 16x16 frame), grown with random bytes where
 * no reader looks (the end of its `mdat` box; a Matroska `Void` element at the end of the
 * Segment), so the upload checks accept it and every generated file has its own hash. Large
 * files are written in 4 MiB random blocks.
 */
export async function writeVideo(path: string, size: number, kind: VideoKind = 'mp4'): Promise<string> {
  const base = await readFile(new URL(`../fixtures/media/tiny.${kind}`, import.meta.url));
  const matroska = kind === 'webm' || kind === 'mkv';
  const voidHeader = 9; // Void element id (1 byte) and an 8-byte size
  const min = base.length + (matroska ? voidHeader : 0);
  if (size < min) throw new Error(`a ${kind} file needs at least ${min} bytes`);
  const head = Buffer.from(base);
  let pad = size - base.length;
  if (matroska) {
    // The Segment's size is the 8-byte vint ffmpeg writes (0x01 + 7 bytes) after the EBML header.
    const segmentAt = head.indexOf(Buffer.from([0x18, 0x53, 0x80, 0x67]));
    if (segmentAt < 0 || head[segmentAt + 4] !== 0x01) throw new Error(`tiny.${kind}: unexpected Segment header`);
    const sizeAt = segmentAt + 5;
    head.writeUIntBE(head.readUIntBE(sizeAt + 1, 6) + pad, sizeAt + 1, 6);
    pad -= voidHeader;
    const element = Buffer.alloc(voidHeader);
    element[0] = 0xec;
    element[1] = 0x01;
    element.writeUIntBE(pad, 3, 6);
    return writeWithPadding(path, [head, element], pad);
  }
  // ISO-BMFF with moov first: the last box is mdat; grow it (a 64-bit size past 4 GiB is not needed here).
  let offset = 0;
  let mdatAt = -1;
  while (offset + 8 <= head.length) {
    if (head.toString('latin1', offset + 4, offset + 8) === 'mdat') mdatAt = offset;
    offset += head.readUInt32BE(offset);
  }
  if (mdatAt < 0 || mdatAt + head.readUInt32BE(mdatAt) !== head.length) throw new Error(`tiny.${kind}: mdat is not the last box`);
  head.writeUInt32BE(head.readUInt32BE(mdatAt) + pad, mdatAt);
  return writeWithPadding(path, [head], pad);
}

async function writeWithPadding(path: string, parts: Buffer[], pad: number): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'w');
  try {
    for (const part of parts) {
      await file.write(part);
      hash.update(part);
    }
    let left = pad;
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
