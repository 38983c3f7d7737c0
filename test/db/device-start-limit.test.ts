// device_auth_note_start (migrations 20261206100200 and 20261207100500): the anon rate limit on
// starting a device login answers as before, and reads no more of device_auth.starts than its
// limits, however many starts a flood has recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asServiceRole, freshDatabase, type FreshDatabase } from '../support/db.js';

let db: FreshDatabase;
let relations: number[];

beforeAll(async () => {
  db = await freshDatabase();
  const { rows } = await db.pool.query<{ oid: number }>(
    `select 'device_auth.starts'::regclass::oid::int as oid
     union all select indexrelid::int from pg_index where indrelid = 'device_auth.starts'::regclass`,
  );
  relations = rows.map((r) => r.oid);
});
afterAll(async () => {
  await db?.cleanup();
});

interface Answer {
  allowed: boolean;
  retry_after?: number;
}

/** One call as the service role, with the rows of device_auth.starts and its indexes it read. */
async function noteStart(client: string, limit: number, total: number): Promise<{ answer: Answer; read: number }> {
  return asServiceRole(db.api, async (c) => {
    const answer = (await c.query('select public.device_auth_note_start($1, $2, $3, 600) as r', [client, limit, total])).rows[0].r as Answer;
    const { rows } = await c.query<{ n: number }>(
      `select coalesce(sum(pg_stat_get_xact_tuples_returned(r) + pg_stat_get_xact_tuples_fetched(r)), 0)::int as n from unnest($1::oid[]) r`,
      [relations],
    );
    return { answer, read: rows[0]!.n };
  });
}

describe('device_auth_note_start', () => {
  it('allows p_limit starts per client, then refuses with the wait until its oldest start leaves the window', async () => {
    await db.pool.query('delete from device_auth.starts');
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i += 1) answers.push((await noteStart('198.51.100.1', 3, 100)).answer);
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false]);
    expect(answers[3]!.retry_after).toBeGreaterThan(0);
    expect(answers[3]!.retry_after).toBeLessThanOrEqual(600);
    expect((await noteStart('198.51.100.2', 3, 100)).answer).toEqual({ allowed: true });
  });

  it('refuses every client past the total limit', async () => {
    await db.pool.query('delete from device_auth.starts');
    await db.pool.query(`insert into device_auth.starts (client) select 'flood-' || i from generate_series(1, 5) i`);
    expect((await noteStart('198.51.100.3', 3, 6)).answer).toEqual({ allowed: true });
    const refused = (await noteStart('198.51.100.4', 3, 6)).answer;
    expect(refused.allowed).toBe(false);
    expect(refused.retry_after).toBe(600);
  });

  it('reads no more starts than its limits after a flood of 5,000', async () => {
    await db.pool.query('delete from device_auth.starts');
    await db.pool.query(`insert into device_auth.starts (client) select 'flood-' || (i % 50) from generate_series(1, 5000) i`);
    const { answer, read } = await noteStart('198.51.100.5', 20, 300);
    expect(answer.allowed).toBe(false);
    // 300 for the total, 20 for the client, a few index entries: not the 5,000 of the window.
    expect(read).toBeLessThan(1000);
  });
});
