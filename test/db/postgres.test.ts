// src/local/postgres.ts lifecycle: start, restart on an existing data directory, stop from
// another handle, and the root-user guards.
import { mkdtempSync, mkdirSync, rmSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  applyPlatform,
  assertBinariesInstalled,
  isInitialised,
  prepareDataDirParents,
  runningPid,
  startPostgres,
  stopPostgresInDataDir,
} from '../../src/local/postgres.js';
import { freePort } from '../support/global-setup.js';

const isRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(join(tmpdir(), 'session-pg-life-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('postgres lifecycle', () => {
  it('finds the embedded binaries and their shared libraries', () => {
    expect(() => assertBinariesInstalled()).not.toThrow();
  });

  it.runIf(isRoot)('makes the parents of a data directory searchable for the postgres OS user', () => {
    const parent = join(scratch, 'private-parent');
    mkdirSync(parent, { mode: 0o700 });
    chmodSync(parent, 0o700);
    prepareDataDirParents(join(parent, 'data'));
    expect(statSync(parent).mode & 0o011).toBe(0o011);
    // Search only: nobody else may list what the data directory holds (secrets, private videos).
    expect(statSync(parent).mode & 0o044).toBe(0);
  });

  it.runIf(isRoot)("refuses a data directory under root's home", () => {
    expect(() => prepareDataDirParents('/root/.session/local/data')).toThrow(/cannot enter \/root/);
  });

  it('starts, stops from another handle, and restarts on the same data directory', async () => {
    const dataDir = join(scratch, 'cluster', 'data');
    const port = await freePort();
    const first = await startPostgres({ dataDir, port, superuserPassword: 'pw-1' });
    try {
      expect(isInitialised(dataDir)).toBe(true);
      expect(runningPid(dataDir)).toBeGreaterThan(0);
      await applyPlatform(first.superuserUrl());
      expect(await stopPostgresInDataDir(dataDir)).toBe(true);
      expect(runningPid(dataDir)).toBeNull();
      expect(await stopPostgresInDataDir(dataDir)).toBe(false);
    } finally {
      await first.stop().catch(() => undefined);
    }
    const second = await startPostgres({ dataDir, port, superuserPassword: 'ignored once initialised' });
    try {
      const client = new pg.Client({ connectionString: second.superuserUrl().replace('ignored%20once%20initialised', 'pw-1') });
      await client.connect();
      const { rows } = await client.query(`select current_user, (select count(*)::int from pg_roles where rolname = 'authenticator') as n, current_setting('listen_addresses') as l`);
      await client.end();
      expect(rows[0]).toEqual({ current_user: 'supabase_admin', n: 1, l: '127.0.0.1' });
    } finally {
      await second.stop();
    }
    expect(runningPid(dataDir)).toBeNull();
    expect(isInitialised(dataDir)).toBe(true);
  }, 60_000);

  it('reports a port already in use as a start failure with PostgreSQL\'s log', async () => {
    const port = await freePort();
    const a = await startPostgres({ dataDir: join(scratch, 'a'), port, superuserPassword: 'x', ephemeral: true });
    try {
      await expect(startPostgres({ dataDir: join(scratch, 'b'), port, superuserPassword: 'x', ephemeral: true })).rejects.toThrow(/did not start/);
    } finally {
      await a.stop();
    }
  }, 60_000);
});
