// An ephemeral PostgreSQL for the benchmarks: the platform objects and every migration, applied as
// `session local start` applies them. Used by bench/*.server.ts and bench/rls.mjs (bundled by esbuild).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { applyMigrations, applyPlatform, databaseUrl, setRolePasswords, startPostgres } from '../../src/local/postgres.js';

export interface BenchPostgres {
  port: number;
  /** supabase_admin on the database `postgres`. */
  adminUrl: string;
  /** Password of postgres, authenticator, supabase_auth_admin and supabase_storage_admin. */
  rolePassword: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts PostgreSQL in `<workDir>/pg` (removed on stop), then applies the platform objects and the migrations of `repoRoot`. */
export async function startMigratedPostgres(workDir: string, repoRoot: string): Promise<BenchPostgres> {
  const superuserPassword = randomBytes(12).toString('hex');
  const rolePassword = randomBytes(12).toString('hex');
  const port = await freePort();
  const postgres = await startPostgres({ dataDir: join(workDir, 'pg'), port, superuserPassword, ephemeral: true });
  const adminUrl = postgres.superuserUrl('postgres');
  await applyPlatform(adminUrl, join(repoRoot, 'src/local/platform'));
  await setRolePasswords(adminUrl, {
    postgres: rolePassword,
    authenticator: rolePassword,
    supabase_auth_admin: rolePassword,
    supabase_storage_admin: rolePassword,
  });
  await applyMigrations(
    databaseUrl({ port, user: 'postgres', password: rolePassword, database: 'postgres' }),
    join(repoRoot, 'supabase/migrations'),
  );
  return { port, adminUrl, rolePassword, stop: () => postgres.stop() };
}
