// CallerSql starts each transaction with the role's own timeouts (ALTER ROLE ... SET, which only apply at
// login), anon's and authenticated's statement_timeout capped by the backend's bound.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallerSql, type SqlCaller } from '../../src/local/sql.js';
import { freshDatabase, type FreshDatabase } from '../support/db.js';

let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  const name = pg.escapeIdentifier(db.name);
  await db.pool.query(`alter role authenticated in database ${name} set statement_timeout = '150ms'`);
  await db.pool.query(`alter role anon in database ${name} set statement_timeout = '1min'`);
  await db.pool.query(`alter role anon in database ${name} set lock_timeout = '2s'`);
  await db.pool.query(`alter role service_role in database ${name} set statement_timeout = '1min'`);
});
afterAll(async () => {
  await db?.cleanup();
});

const as = (role: string): SqlCaller => ({ role, claims: { role } });
const request = { method: 'GET', path: '/test', headers: {}, client: '127.0.0.1' };

async function shown(sql: CallerSql, role: string, setting: string): Promise<string> {
  return sql.run(as(role), request, { readOnly: true }, async (client) => {
    const { rows } = await client.query<{ value: string }>('select pg_catalog.current_setting($1) as value', [setting]);
    return rows[0]!.value;
  });
}

describe('per-role settings of a caller transaction', () => {
  it('a role timeout below the bound stays, one above is capped, service_role keeps its own', async () => {
    const sql = await CallerSql.connect(db.superuserUrl, { authenticatorPassword: db.rolePassword, statementTimeoutMs: 500 });
    try {
      expect(await shown(sql, 'authenticated', 'statement_timeout')).toBe('150ms');
      expect(await shown(sql, 'anon', 'statement_timeout')).toBe('500ms');
      expect(await shown(sql, 'anon', 'lock_timeout')).toBe('2s');
      expect(await shown(sql, 'service_role', 'statement_timeout')).toBe('1min');
    } finally {
      await sql.close();
    }
  });

  it('without a role timeout the bound applies', async () => {
    await db.pool.query(`alter role authenticated in database ${pg.escapeIdentifier(db.name)} reset statement_timeout`);
    const sql = await CallerSql.connect(db.superuserUrl, { authenticatorPassword: db.rolePassword });
    try {
      expect(await shown(sql, 'authenticated', 'statement_timeout')).toBe('8s');
    } finally {
      await sql.close();
    }
  });
});
