// `local start` warns when a data directory's database ran other migration SQL than the files hold:
// applyMigrations records each file's checksum, migrationDrift compares them with the files.
import { cpSync, mkdtempSync, rmSync, unlinkSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, listMigrations, migrationDrift, migrationsDir } from '../../src/local/postgres.js';
import { freshDatabase, type FreshDatabase } from '../support/db.js';

let db: FreshDatabase;
let dir: string;

beforeAll(async () => {
  db = await freshDatabase({ from: 'platform' });
  dir = mkdtempSync(join(tmpdir(), 'session-migrations-'));
  cpSync(migrationsDir(), dir, { recursive: true });
});
afterAll(async () => {
  await db?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('migration drift', () => {
  it('records a checksum per applied file and finds no drift while the files are unchanged', async () => {
    const applied = await applyMigrations(db.postgresUrl, dir);
    expect(applied).toEqual(listMigrations(dir).map((m) => m.version));
    const { rows } = await db.pool.query<{ n: number }>('select count(*)::int as n from supabase_migrations.local_checksums where sha256 ~ $1', ['^[0-9a-f]{64}$']);
    expect(rows[0]!.n).toBe(applied.length);
    expect(await migrationDrift(db.postgresUrl, dir)).toEqual([]);
  });

  it('names a file changed after it was applied, and one that is gone', async () => {
    const [first, second] = listMigrations(dir);
    appendFileSync(first!.path, '\n-- edited after it was applied\n');
    unlinkSync(second!.path);
    expect(await migrationDrift(db.postgresUrl, dir)).toEqual([
      { version: first!.version, name: first!.name, problem: 'changed' },
      { version: second!.version, name: second!.name, problem: 'missing' },
    ]);
  });

  it('compares migrations applied before checksums were kept by their statements', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'session-migrations-'));
    try {
      cpSync(migrationsDir(), fresh, { recursive: true });
      const client = new pg.Client({ connectionString: db.superuserUrl });
      await client.connect();
      try {
        await client.query('delete from supabase_migrations.local_checksums');
      } finally {
        await client.end();
      }
      expect(await migrationDrift(db.postgresUrl, fresh)).toEqual([]);
      const last = listMigrations(fresh).at(-1)!;
      appendFileSync(last.path, '\nselect 1;\n');
      expect(await migrationDrift(db.postgresUrl, fresh)).toEqual([{ version: last.version, name: last.name, problem: 'changed' }]);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
