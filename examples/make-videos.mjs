#!/usr/bin/env node
// Writes the tiny stand-in videos of examples/intro-to-sql: just enough of an MP4 (an `ftyp`
// box, then an `mdat` box holding a line of text) or a WebM (an EBML header) for the upload
// checks to accept them, a few hundred bytes each. Deterministic: re-running changes nothing.
//
//   node examples/make-videos.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), 'intro-to-sql');

function box(type, payload) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, payload]);
}

function mp4(text) {
  const ftyp = box('ftyp', Buffer.concat([Buffer.from('isom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2avc1mp41', 'latin1')]));
  return Buffer.concat([ftyp, box('mdat', Buffer.from(`${text}\n`.repeat(4)))]);
}

function webm(text) {
  const el = (id, payload) => Buffer.concat([Buffer.from(id), Buffer.from([0x80 | payload.length]), payload]);
  const header = el([0x1a, 0x45, 0xdf, 0xa3], Buffer.concat([
    el([0x42, 0x86], Buffer.from([1])), el([0x42, 0xf7], Buffer.from([1])), el([0x42, 0xf2], Buffer.from([4])),
    el([0x42, 0xf3], Buffer.from([8])), el([0x42, 0x82], Buffer.from('webm')), el([0x42, 0x87], Buffer.from([4])),
    el([0x42, 0x85], Buffer.from([2])),
  ]));
  const segment = Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  return Buffer.concat([header, segment, Buffer.from(`${text}\n`.repeat(4))]);
}

const files = {
  '01-welcome/welcome.mp4': mp4('Welcome to Intro to SQL'),
  '02-select/select-basics.mp4': mp4('SELECT: columns and rows'),
  '02-select/where.mp4': mp4('WHERE: filtering rows'),
  '03-joins/inner-join.mp4': mp4('INNER JOIN: matching rows'),
  '03-joins/outer-join.webm': webm('OUTER JOIN: keeping unmatched rows'),
};
for (const [name, bytes] of Object.entries(files)) {
  const path = join(root, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}
