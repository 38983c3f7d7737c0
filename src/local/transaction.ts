// The local backend's transaction wrapper: BEGIN (with its options), the work, COMMIT; any error
// rolls back and is rethrown unchanged.
import type pg from 'pg';

/** On a connection the caller holds and ends itself (a pg.Client). */
export async function inTransaction<T>(client: pg.ClientBase, work: () => Promise<T>, begin = 'begin'): Promise<T> {
  return transact(client, work, begin, () => undefined);
}

/** On a connection of `pool`, returned afterwards; one whose rollback failed is discarded, not reused. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = 'begin'): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // A connection the server ends mid-request (pg_terminate_backend, a restart) fails the query; without a
  // listener, pg's 'error' event on a checked-out client would also bring the whole backend down.
  const onLost = (): void => {
    broken = true;
  };
  client.on('error', onLost);
  try {
    return await transact(client, () => work(client), begin, () => {
      broken = true;
    });
  } finally {
    client.off('error', onLost);
    client.release(broken);
  }
}

async function transact<T>(client: pg.ClientBase, work: () => Promise<T>, begin: string, rollbackFailed: () => void): Promise<T> {
  try {
    await client.query(begin);
    const result = await work();
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(rollbackFailed);
    throw err;
  }
}
