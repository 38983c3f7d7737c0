#!/usr/bin/env node
// Metadata reading of a 1 GiB MP4 with its moov box at the end and at the start: bytes read and
// wall time per file, through the same reader the upload checks use (src/core/media.ts).
//
//   node bench/media.mjs [--size-mib 1024] [--runs 20] [--minutes 20] [--dir /var/tmp] [--out bench/results/media.json]
//
// Each 1 GiB file is a real video whose mdat box is grown by a sparse hole (no sample offset
// points into it), so it takes no disk space and plays as the original. The sources:
// - `fixture`: test/fixtures/media/lecture.mp4 and faststart.mp4 (2 s; a tiny index);
// - `ffmpeg`: when ffmpeg is on PATH, a --minutes long H.264 + AAC video made here (64x36 grey frames,
//   30 fps; its index is as large as any video of that length and frame rate has), written
//   both ways (`-movflags +faststart`). Skipped with a note when ffmpeg is missing.
// Each figure is the median of --runs reads, each with a fresh file handle (the page cache is
// warm after the first: the figures are the reader's cost, not the disk's). Goal: < 2 MiB read
// and < 50 ms per file.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { loadavg, tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { importBundled, repoRoot } from './lib/server.mjs';

const { values: args } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '20' },
    minutes: { type: 'string', default: '20' },
    dir: { type: 'string', default: tmpdir() },
    out: { type: 'string' },
  },
});
const MiB = 1024 * 1024;
const size = Number(args['size-mib']) * MiB;
const runs = Number(args.runs);

const media = await importBundled('src/core/media.ts', 'media');
const files = await importBundled('test/support/media-files.ts', 'media-files');
const work = await mkdtemp(join(args.dir, 'bench-media-'));

function hasFfmpeg() {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A --minutes long video made with ffmpeg, moov at the end and at the start. */
function makeLong(minutes) {
  const seconds = String(minutes * 60);
  const out = { end: join(work, 'long-end.mp4'), start: join(work, 'long-start.mp4') };
  const common = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=gray:size=64x36:rate=30:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '40', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '32k', '-shortest'];
  execFileSync('ffmpeg', [...common, out.end]);
  execFileSync('ffmpeg', [...common, '-movflags', '+faststart', out.start]);
  return out;
}

async function measure(path) {
  const times = [];
  let bytes = 0;
  let reads = 0;
  let result = null;
  for (let i = 0; i < runs + 1; i++) {
    const reader = await media.FileRangeReader.open(path);
    const started = process.hrtime.bigint();
    const probe = await media.readVideoMetadata(path, 'isobmff', reader);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await reader.close();
    if (!probe.ok) throw new Error(`${path}: ${probe.reason}`);
    result = probe.media;
    // The first run loads mediabunny: reported apart, not in the median.
    if (i === 0) {
      bytes = reader.bytesRead;
      reads = reader.reads;
      times.first = ms;
      continue;
    }
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { bytes_read: bytes, reads, median_ms: Number(times[Math.floor(times.length / 2)].toFixed(2)), first_ms: Number(times.first.toFixed(2)), duration_ms: result.duration_ms, frame: `${result.width}x${result.height}` };
}

const sources = [
  { name: 'fixture (2 s)', end: join(repoRoot, 'test/fixtures/media/lecture.mp4'), start: join(repoRoot, 'test/fixtures/media/faststart.mp4') },
];
if (hasFfmpeg()) {
  const started = performance.now();
  sources.push({ name: `ffmpeg (${args.minutes} min, 30 fps, AAC)`, ...makeLong(Number(args.minutes)) });
  console.error(`made the ${args.minutes}-minute video in ${Math.round(performance.now() - started)} ms`);
} else {
  console.error('ffmpeg not found: only the 2-second fixture is measured (apt-get install ffmpeg for a long video)');
}

const rows = [];
try {
  for (const source of sources) {
    for (const where of ['end', 'start']) {
      const big = join(work, `big-${where}-${rows.length}.mp4`);
      const { size: bigSize, moovAt } = await files.padMdat(source[where], big, size);
      const figures = await measure(big);
      rows.push({ source: source.name, moov: where, file_bytes: bigSize, moov_at: moovAt, ...figures });
      await rm(big, { force: true });
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const load = loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`node ${process.version}, ${cpus().length} CPUs, load average ${load}, ${runs} runs per file`);
console.log('| source | moov | file | read | reads | median | first run |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.source} | at the ${r.moov} | ${(r.file_bytes / MiB).toFixed(0)} MiB | ${(r.bytes_read / 1024).toFixed(0)} KiB | ${r.reads} | ${r.median_ms} ms | ${r.first_ms} ms |`);
}
const worst = rows.reduce((w, r) => ({ bytes: Math.max(w.bytes, r.bytes_read), ms: Math.max(w.ms, r.median_ms) }), { bytes: 0, ms: 0 });
console.log(`goal < 2 MiB and < 50 ms: ${worst.bytes < 2 * MiB && worst.ms < 50 ? 'met' : 'NOT met'} (worst ${(worst.bytes / 1024).toFixed(0)} KiB, ${worst.ms} ms)`);
if (args.out) {
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, `${JSON.stringify({ node: process.version, load_average: load, runs, rows }, null, 2)}\n`);
}
