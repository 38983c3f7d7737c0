// The server side of bench/import.mjs, run in its own process (bundled by esbuild from this file):
// an ephemeral PostgreSQL with the platform objects and every migration, the local backend in front
// of it, and signed-in users on demand. Prints one JSON line with the URL and anon key, then answers
// `user` lines on stdin with a JSON line {id, accessToken}; exits when stdin closes.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createClient } from '@supabase/supabase-js';
import ws from 'ws';
import { startBackend } from '../src/local/server.js';
import { startMigratedPostgres } from './lib/postgres.js';

interface Config {
  workDir: string;
  repoRoot: string;
  /** The statement timeout of `authenticated` (Supabase's, 8s, unless the bench is told otherwise). */
  statementTimeout?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;

async function main(): Promise<void> {
  const postgres = await startMigratedPostgres(config.workDir, config.repoRoot);
  if (config.statementTimeout) {
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    await admin.query(`alter role authenticated set statement_timeout = '${config.statementTimeout.replace(/[^0-9a-z]/gi, '')}'`);
    await admin.end();
  }

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
  const options = { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: ws as never } };
  const admin = createClient(backend.url, backend.serviceRoleKey, options);

  process.stdout.write(`${JSON.stringify({ url: backend.url, anonKey: backend.anonKey })}\n`);

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() !== 'user') return;
    void (async () => {
      const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
      const password = randomBytes(12).toString('hex');
      const created = await admin.auth.admin.createUser({ email, password, email_confirm: true });
      if (created.error) throw created.error;
      const { data, error } = await createClient(backend.url, backend.anonKey, options).auth.signInWithPassword({ email, password });
      if (error || !data.session) throw error ?? new Error('no session');
      process.stdout.write(`${JSON.stringify({ id: data.user.id, accessToken: data.session.access_token })}\n`);
    })().catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
  });
  lines.on('close', () => {
    void (async () => {
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
