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
import { applyMigrations, applyPlatform, databaseUrl, setRolePasswords, startPostgres } from '../src/local/postgres.js';
import { startBackend } from '../src/local/server.js';

interface Config {
  workDir: string;
  repoRoot: string;
  port: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;

async function main(): Promise<void> {
  const superuserPassword = randomBytes(12).toString('hex');
  const rolePassword = randomBytes(12).toString('hex');
  const postgres = await startPostgres({ dataDir: join(config.workDir, 'pg'), port: config.port, superuserPassword, ephemeral: true });
  const adminUrl = postgres.superuserUrl('postgres');
  await applyPlatform(adminUrl, join(config.repoRoot, 'src/local/platform'));
  await setRolePasswords(adminUrl, { postgres: rolePassword, authenticator: rolePassword, supabase_auth_admin: rolePassword, supabase_storage_admin: rolePassword });
  await applyMigrations(databaseUrl({ port: config.port, user: 'postgres', password: rolePassword, database: 'postgres' }), join(config.repoRoot, 'supabase/migrations'));

  const dataDir = join(config.workDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const backend = await startBackend({
    databaseUrl: adminUrl,
    authenticatorPassword: rolePassword,
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
