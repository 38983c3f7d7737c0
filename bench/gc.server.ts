// The server side of bench/gc.mjs, run in its own process (bundled by esbuild from this file): an
// ephemeral PostgreSQL with the platform objects and every migration, the local backend in front of
// it. Prints one JSON line with the URL and anon key, then answers each `abandoned <n>` line with a
// JSON line {accessToken, uploads: [{videoId, uploadUrl}]}: a fresh user with n uploads begun two
// days ago and never finished (an `uploading` row each and a tus upload of it the server holds).
// Exits when stdin closes.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import ws from 'ws';
import { startBackend } from '../src/local/server.js';
import { startMigratedPostgres } from './lib/postgres.js';

const config = JSON.parse(process.argv[2] ?? '{}') as { workDir: string; repoRoot: string };
const FILE_SIZE = 1000;

async function main(): Promise<void> {
  const postgres = await startMigratedPostgres(config.workDir, config.repoRoot);
  const dataDir = join(config.workDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const backend = await startBackend({
    databaseUrl: postgres.adminUrl,
    authenticatorPassword: postgres.rolePassword,
    port: 0,
    jwtSecret: randomBytes(32).toString('hex'),
    dataDir,
    projectRoot: config.repoRoot,
  });
  const db = new pg.Client({ connectionString: postgres.adminUrl });
  await db.connect();
  const options = { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: ws as never } };
  const admin = createClient(backend.url, backend.serviceRoleKey, options);

  const abandoned = async (n: number): Promise<{ accessToken: string; uploads: Array<{ videoId: string; uploadUrl: string }> }> => {
    const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
    const password = randomBytes(12).toString('hex');
    const created = await admin.auth.admin.createUser({ email, password, email_confirm: true });
    if (created.error) throw created.error;
    const client = createClient(backend.url, backend.anonKey, options);
    const { data, error } = await client.auth.signInWithPassword({ email, password });
    if (error || !data.session) throw error ?? new Error('no session');
    const accessToken = data.session.access_token;
    const session = await client.from('sessions').insert({ name: 'GC bench' }).select('id').single();
    if (session.error) throw session.error;
    const module = await client.rpc('add_module', { p_session_id: session.data.id, p_name: 'Abandoned' });
    if (module.error) throw module.error;
    const moduleId = (module.data as { id: string }).id;

    const uploads: Array<{ videoId: string; uploadUrl: string }> = [];
    for (let i = 0; i < n; i++) {
      const sha = createHash('sha256').update(`abandoned ${i}`).digest('hex');
      const begun = await client.rpc('begin_video', { p_module_id: moduleId, p_file_name: `clip-${i}.mp4`, p_file_size: FILE_SIZE, p_sha256: sha, p_mime_type: 'video/mp4' });
      if (begun.error) throw begun.error;
      const row = begun.data as { id: string; file_url: string };
      const meta = { bucketName: 'videos', objectName: row.file_url, contentType: 'video/mp4', cacheControl: '3600' };
      const res = await fetch(`${backend.url}/storage/v1/upload/resumable`, {
        method: 'POST',
        headers: {
          'Tus-Resumable': '1.0.0',
          'Upload-Length': String(FILE_SIZE),
          'Upload-Metadata': Object.entries(meta).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(','),
          apikey: backend.anonKey,
          authorization: `Bearer ${accessToken}`,
        },
      });
      const location = res.headers.get('location');
      if (res.status !== 201 || !location) throw new Error(`tus POST answered ${res.status}: ${await res.text()}`);
      uploads.push({ videoId: row.id, uploadUrl: new URL(location, backend.url).toString() });
    }
    // Two days ago, as gc.test.ts does it: updated_at kept as set.
    await db.query('begin');
    await db.query('set local session_replication_role = replica');
    await db.query("update public.videos set created_at = now() - interval '2 days', updated_at = now() - interval '2 days' where module_id = $1", [moduleId]);
    await db.query('commit');
    return { accessToken, uploads };
  };

  process.stdout.write(`${JSON.stringify({ url: backend.url, anonKey: backend.anonKey })}\n`);

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, count] = line.trim().split(/\s+/);
    if (command !== 'abandoned') return;
    abandoned(Number(count))
      .then((answer) => process.stdout.write(`${JSON.stringify(answer)}\n`))
      .catch((err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      });
  });
  lines.on('close', () => {
    void (async () => {
      await db.end().catch(() => undefined);
      await backend.close().catch(() => undefined);
      await postgres.stop().catch(() => undefined);
      process.exit(0);
    })();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
