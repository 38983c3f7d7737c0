// `session import` of a catalogue whose rows do not fit the one `import_session` request
// (ROWS_REQUEST_MAX_BYTES, 48 MiB): the built CLI run as a user would, against the local backend.
//
// The cheapest honest catalogue past 48 MiB: one small real video named 80,000 times (every row
// carries its file's name, size and sha256, but the file is checked, hashed and probed once), with
// keys and a file name near their 255-character limits, so each row is ~650 bytes. The manifest is
// ~40 MiB of JSON (under the 64 MiB manifest limit); reading, planning and refusing it take seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';
import { writeVideo } from '../support/media.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.SESSION_TEST_BIN ?? path.join(root, 'bin', 'session.js');

let backend: TestBackend;
let work: string;
let ada: SignedInUser;

beforeAll(async () => {
  backend = await startTestBackend();
  work = await mkdtemp(path.join(tmpdir(), 'import-size-'));
  ada = await backend.signedInUser();
}, 120_000);

afterAll(async () => {
  await backend?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await backend.db.pool.query<{ n: number }>(sql, params);
  return rows[0]!.n;
}

describe('a catalogue too large for one row request', () => {
  it('is refused with exit 2, the size and the limit, and a hint, by a dry run as by the import; nothing is written', async () => {
    const MODULES = 80;
    const VIDEOS = 1000;
    const FILE_SIZE = 2000;
    const fileName = `${'clip-'.repeat(48)}.mp4`; // 244 characters
    const sha256 = await writeVideo(path.join(work, fileName), FILE_SIZE);
    // Keys are unique within a module; every module lists the same 1,000.
    const keys = Array.from({ length: VIDEOS }, (_, i) => `${String(i).padStart(6, '0')}-${'k'.repeat(248)}`);
    const videos = `[${keys.map((key) => JSON.stringify({ key, file: fileName })).join(',')}]`;
    const modules = Array.from({ length: MODULES }, (_, i) => `{"key":"m${i}","name":"Module ${i}","videos":${videos}}`);
    const manifest = path.join(work, 'catalogue.json');
    await writeFile(manifest, `{"version":1,"key":"catalogue","name":"Catalogue","modules":[${modules.join(',')}]}`);

    // The video rows alone, as the request carries them (the session, modules and counts add a few KiB).
    const videoBytes = MODULES * keys.reduce((n, key) => n + Buffer.byteLength(JSON.stringify({ key, file_name: fileName, file_size: FILE_SIZE, sha256, mime_type: 'video/mp4' })) + 1, 0);
    expect(videoBytes).toBeGreaterThan(48 * 2 ** 20);

    for (const args of [['--dry-run'], []]) {
      const r = await execa('node', [bin, 'import', manifest, ...args], {
        cwd: work,
        reject: false,
        extendEnv: false,
        timeout: 110_000,
        maxBuffer: 256 * 2 ** 20,
        env: {
          PATH: process.env.PATH ?? '',
          SUPABASE_URL: backend.url,
          SUPABASE_ANON_KEY: backend.anonKey,
          SESSION_ACCESS_TOKEN: ada.session.access_token,
          XDG_CONFIG_HOME: path.join(work, 'config'),
          XDG_STATE_HOME: path.join(work, 'state'),
          NO_COLOR: '1',
          CI: 'true',
        },
      });
      const stderr = String(r.stderr);
      expect(r.exitCode, stderr.slice(-2000)).toBe(2);
      const lines = stderr.trim().split('\n');
      const errors = lines.filter((l) => l.startsWith('error:'));
      expect(errors).toHaveLength(1);
      const stated = /^error: the rows of this import take (\d+\.\d) MiB in one request; the limit is 48 MiB$/.exec(errors[0]!);
      expect(stated, errors[0]).not.toBeNull();
      expect(Math.abs(Number(stated![1]) - videoBytes / 2 ** 20)).toBeLessThanOrEqual(0.1);
      expect(lines.filter((l) => l.startsWith('hint:'))).toEqual(['hint: split the manifest (one file per session, or fewer modules each) and import each; nothing was written']);
      // The refusal comes before the row phase: no line claims rows are being written.
      expect(stderr).not.toContain('Writing rows');

      expect(await count('select count(*)::int as n from public.sessions where user_id = $1', [ada.id])).toBe(0);
      expect(await count('select count(*)::int as n from public.modules where user_id = $1', [ada.id])).toBe(0);
      expect(await count('select count(*)::int as n from public.videos where user_id = $1', [ada.id])).toBe(0);
    }
    expect(await count('select count(*)::int as n from storage.objects')).toBe(0);
  }, 120_000);
});
