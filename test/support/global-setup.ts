// vitest globalSetup: one embedded PostgreSQL for the whole run, with two template databases
// (`session_platform`: platform objects only; `session_template`: platform + migrations).
// Test files clone them through test/support/db.ts freshDatabase().
import { mkdtempSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import {
  applyMigrations,
  applyPlatform,
  createDatabase,
  databaseUrl,
  setRolePasswords,
  startPostgres,
} from '../../src/local/postgres.js';
import { buildIfStale } from '../e2e/login-support.js';
import { checkSystemPrograms } from './programs.js';

/** Connection facts shared with every test file through inject('postgres'). */
export interface ProvidedPostgres {
  port: number;
  /** Password of supabase_admin. */
  superuserPassword: string;
  /** Password of every other login role (postgres, authenticator, supabase_auth_admin, supabase_storage_admin). */
  rolePassword: string;
  /** Database with the platform objects and every migration applied. */
  template: string;
  /** Database with the platform objects only. */
  platformTemplate: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Missing zsh, fish or Chromium: one line each (or, under CI, a failure) before anything runs.
  checkSystemPrograms();
  // Build once, before any test file runs the CLI, so no file rebuilds dist/ under another's feet.
  buildIfStale();
  const parent = mkdtempSync(join(tmpdir(), 'session-test-pg-'));
  chmodSync(parent, 0o755);
  const superuserPassword = randomBytes(12).toString('hex');
  const rolePassword = randomBytes(12).toString('hex');
  const port = await freePort();
  const pg = await startPostgres({ dataDir: join(parent, 'data'), port, superuserPassword, ephemeral: true });
  try {
    const adminUrl = pg.superuserUrl('postgres');
    await applyPlatform(adminUrl);
    await setRolePasswords(adminUrl, {
      postgres: rolePassword,
      authenticator: rolePassword,
      supabase_auth_admin: rolePassword,
      supabase_storage_admin: rolePassword,
    });
    for (const [name, migrate] of [['session_platform', false], ['session_template', true]] as const) {
      await createDatabase(adminUrl, name);
      await applyPlatform(pg.superuserUrl(name));
      if (migrate) await applyMigrations(databaseUrl({ port, user: 'postgres', password: rolePassword, database: name }));
    }
  } catch (err) {
    await pg.stop();
    throw err;
  }
  project.provide('postgres', {
    port,
    superuserPassword,
    rolePassword,
    template: 'session_template',
    platformTemplate: 'session_platform',
  });
  return async () => {
    await pg.stop();
  };
}
