// Database-side hardening: names never take control characters (and older rows are cleaned by the
// migration), check_video names nothing of another author's session, and no API role may TRUNCATE the
// storage tables.
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, migrationsDir } from '../../src/local/postgres.js';
import { asRole, asUser, createUser, freshDatabase, sqlState, type FreshDatabase, type TestUser } from '../support/db.js';
import { addModule, createSession, sha256Of } from './fixtures.js';

const NAMES_MIGRATION = '20261206100000_names_no_control_chars.sql';
const CONTROLS: Array<[string, string]> = [
  ['ESC', '\u001b'],
  ['BEL', '\u0007'],
  ['newline', '\n'],
  ['tab', '\t'],
  ['DEL', '\u007f'],
  ['C1 CSI', '\u009b'],
  ['C1 NEL', '\u0085'],
];

let db: FreshDatabase;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  db = await freshDatabase();
  alice = await createUser(db.pool);
  bob = await createUser(db.pool);
});
afterAll(async () => {
  await db?.cleanup();
});

describe('names with control characters', () => {
  it.each(CONTROLS)('a session, module or video name with %s is refused (23514)', async (_label, ch) => {
    const name = `esc${ch}]0;title`;
    expect(await sqlState(createSession(db, alice, { name }))).toBe('23514');
    const session = await createSession(db, alice);
    expect(await sqlState(addModule(db, alice, session.id, name))).toBe('23514');
    const module = await addModule(db, alice, session.id, 'Module');
    const renamed = asUser(db.api, alice, (c) => c.query('update public.modules set name = $1 where id = $2', [name, module.id]));
    expect(await sqlState(renamed)).toBe('23514');
    const video = asUser(db.api, alice, (c) =>
      c.query('select * from public.begin_video($1, $2, 100, $3, $4)', [module.id, `clip${ch}.mp4`, sha256Of(randomUUID()), 'video/mp4']),
    );
    expect(await sqlState(video)).toBe('23514');
  });

  it('names with other characters (accents, emoji, right-to-left text) are kept', async () => {
    const session = await createSession(db, alice, { name: 'Café — 学习 🎬 שלום' });
    expect(session.name).toBe('Café — 学习 🎬 שלום');
  });

  it('the migration cleans rows written before it (U+FFFD for each control character), then validates', async () => {
    const fresh = await freshDatabase({ from: 'platform' });
    const before = await mkdtemp(join(tmpdir(), 'migrations-before-'));
    try {
      for (const file of (await readdir(migrationsDir())).filter((f) => f.endsWith('.sql') && f < NAMES_MIGRATION)) {
        await cp(join(migrationsDir(), file), join(before, file));
      }
      await applyMigrations(fresh.postgresUrl, before);
      const carol = await createUser(fresh.pool);
      const session = await createSession(fresh, carol, { name: 'old\u001b]0;x\u0007name' });
      const module = await addModule(fresh, carol, session.id, 'tab\there');
      await applyMigrations(fresh.postgresUrl);
      const { rows } = await fresh.pool.query(
        `select (select name from public.sessions where id = $1) as s, (select name from public.modules where id = $2) as m,
                (select bool_and(convalidated) from pg_catalog.pg_constraint where conname like '%no_control_chars') as validated`,
        [session.id, module.id],
      );
      expect(rows[0]).toEqual({ s: 'old\ufffd]0;x\ufffdname', m: 'tab\ufffdhere', validated: true });
      // The cleaned rows take further writes (a NOT VALID constraint would refuse them).
      await asUser(fresh.api, carol, (c) => c.query('select public.move_module($1, 0)', [module.id]));
    } finally {
      await rm(before, { recursive: true, force: true });
      await fresh.cleanup();
    }
  });
});

describe("check_video and another author's module", () => {
  it("the error names no part of the other author's session", async () => {
    const session = await createSession(db, alice);
    const module = await addModule(db, alice, session.id, 'Private');
    const id = randomUUID();
    let message = '';
    try {
      await asUser(db.api, bob, (c) =>
        c.query(
          `insert into public.videos (id, module_id, file_name, file_size, mime_type, sha256, file_url, order_index)
           values ($1, $2, 'x.mp4', 10, 'video/mp4', $3, $4, 0)`,
          [id, module.id, sha256Of(id), `${bob.id}/${randomUUID()}/${module.id}/${id}/x.mp4`],
        ),
      );
    } catch (err) {
      const e = err as { message: string; detail?: string; code: string };
      message = `${e.code} ${e.message} ${e.detail ?? ''}`;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain(session.id);
    expect(message).toMatch(/^23503 /);
  });
});

describe('storage tables', () => {
  it.each(['anon', 'authenticated'] as const)('%s holds no TRUNCATE on storage.objects or storage.buckets', async (role) => {
    const { rows } = await db.pool.query(
      `select has_table_privilege($1, 'storage.objects', 'TRUNCATE') as objects, has_table_privilege($1, 'storage.buckets', 'TRUNCATE') as buckets`,
      [role],
    );
    expect(rows[0]).toEqual({ objects: false, buckets: false });
    const code = await sqlState(asRole(db.api, role, { sub: alice.id }, (c) => c.query('truncate storage.objects'), { rollback: true }));
    expect(code).toBe('42501');
  });
});
