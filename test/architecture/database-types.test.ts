// src/core/database.types.ts is generated from the schema the migrations build; this test
// regenerates it from the run's migrated database and fails when the committed file differs.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDatabaseTypes, TYPES_FILE } from '../../scripts/database-types.mjs';
import { freshDatabase, type FreshDatabase } from '../support/db.js';

const ROOT = resolve(import.meta.dirname, '../..');

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.cleanup();
});

describe('database types', () => {
  it('match the migrated schema (run `npm run gen:types` after adding a migration)', async () => {
    const generated = await generateDatabaseTypes(db.superuserUrl);
    expect(generated).toContain('list_sessions');
    expect(readFileSync(resolve(ROOT, TYPES_FILE), 'utf8')).toBe(generated);
  });

  it('notice a schema change', async () => {
    await db.pool.query('alter table public.sessions add column notes text');
    expect(await generateDatabaseTypes(db.superuserUrl)).not.toBe(readFileSync(resolve(ROOT, TYPES_FILE), 'utf8'));
  });
});
