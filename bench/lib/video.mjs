// Playable test videos for benchmarks: since uploads read each file's container
// (src/core/media.ts), a file that only starts like an MP4 is refused. This one is
// test/fixtures/media/tiny.mp4 (one 16x16 H.264 frame, moov first) with its mdat box grown by
// random bytes, so each has its own sha256 and any size from 967 bytes up (below 4 GiB).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const TINY = readFileSync(new URL('../../test/fixtures/media/tiny.mp4', import.meta.url));
const MDAT_AT = (() => {
  let offset = 0;
  while (offset + 8 <= TINY.length) {
    if (TINY.toString('latin1', offset + 4, offset + 8) === 'mdat') return offset;
    offset += TINY.readUInt32BE(offset);
  }
  throw new Error('tiny.mp4 has no mdat box');
})();

/** The leading bytes of a playable MP4 of `size` bytes; append `size - head.length` bytes of anything after them. */
export function playableMp4Head(size) {
  if (size < TINY.length) throw new Error(`a playable MP4 needs at least ${TINY.length} bytes`);
  if (size > 0xffffffff) throw new Error('past 4 GiB the mdat box needs a 64-bit size');
  const head = Buffer.from(TINY);
  head.writeUInt32BE(TINY.readUInt32BE(MDAT_AT) + size - TINY.length, MDAT_AT);
  return head;
}

/** A whole playable MP4 of `size` bytes, random past its head (small sizes only: it is one buffer). */
export function playableMp4(size) {
  const head = playableMp4Head(size);
  return Buffer.concat([head, randomBytes(size - head.length)]);
}
