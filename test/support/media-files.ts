import { open, readFile } from 'node:fs/promises';

/** The real videos under test/fixtures/media (made once with ffmpeg; see the README there). */
export const MEDIA_FIXTURES = new URL('../fixtures/media/', import.meta.url);

export function fixturePath(name: string): string {
  return new URL(name, MEDIA_FIXTURES).pathname;
}

/**
 * Copies an MP4/MOV and grows its `mdat` box by `padBytes` zero bytes at the box's end, where
 * no sample offset points, so the copy plays as the original and is `padBytes` larger. The
 * padding is a hole in a sparse file: a 1 GiB copy takes no disk space and is written at once.
 */
export async function padMdat(source: string, dest: string, padBytes: number): Promise<{ size: number; moovAt: number }> {
  const bytes = await readFile(source);
  let offset = 0;
  let mdat: { at: number; size: number } | null = null;
  let moovAt = -1;
  while (offset + 8 <= bytes.length) {
    const size = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (size < 8) throw new Error(`${source}: box ${type} at ${offset} has a size this helper does not handle`);
    if (type === 'mdat') mdat = { at: offset, size };
    if (type === 'moov') moovAt = offset;
    offset += size;
  }
  if (!mdat) throw new Error(`${source}: no mdat box`);
  const grown = mdat.size + padBytes;
  if (grown > 0xffffffff) throw new Error('padding past 4 GiB needs a 64-bit box size');
  const end = mdat.at + mdat.size;
  const head = Buffer.from(bytes.subarray(0, end));
  head.writeUInt32BE(grown, mdat.at);
  const tail = bytes.subarray(end);
  const file = await open(dest, 'w');
  try {
    await file.write(head, 0, head.length, 0);
    if (tail.length > 0) await file.write(tail, 0, tail.length, end + padBytes);
    else await file.truncate(end + padBytes);
  } finally {
    await file.close();
  }
  return { size: bytes.length + padBytes, moovAt: moovAt > mdat.at ? moovAt + padBytes : moovAt };
}
