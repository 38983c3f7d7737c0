// The project's own API (migrations, seed) through supabase-js against the local backend: the calls
// the CLI makes, with the codes Supabase would answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySeed } from '../../src/local/postgres.js';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';

let backend: TestBackend;
let author: SignedInUser;
let other: SignedInUser;

beforeAll(async () => {
  backend = await startTestBackend({ rateLimits: { signIn: 1000 } });
  await applySeed(backend.db.postgresUrl);
  author = await backend.signedInUser();
  other = await backend.signedInUser();
});
afterAll(async () => {
  await backend?.close();
});

describe('seed', () => {
  it('the seeded demo user signs in with its password and sees its session', async () => {
    const { client } = await backend.signIn('demo@example.com', 'demo-password');
    const { data, error } = await client.rpc('list_sessions');
    expect(error).toBeNull();
    expect(data.sessions.map((s: { name: string }) => s.name)).toContain('Getting started');
  });
});

describe('sessions and modules', () => {
  it('creates a session, appends modules by RPC and lists them', async () => {
    const created = await author.client.from('sessions').insert({ name: 'Conformance' }).select().single();
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: 'Conformance', user_id: author.id, session_type: 'Linear Flow', key: null });
    const sessionId = created.data.id as string;

    const first = await author.client.rpc('add_module', { p_session_id: sessionId, p_name: 'One' });
    expect(first.error).toBeNull();
    expect(first.data).toMatchObject({ session_id: sessionId, name: 'One', order_index: 0 });
    const second = await author.client.rpc('add_module', { p_session_id: sessionId, p_name: 'Zero', p_order_index: 0 });
    expect(second.data).toMatchObject({ name: 'Zero', order_index: 0 });

    const modules = await author.client.from('modules').select('name, order_index').eq('session_id', sessionId).order('order_index');
    expect(modules.data).toEqual([
      { name: 'Zero', order_index: 0 },
      { name: 'One', order_index: 1 },
    ]);

    const counted = await author.client.from('sessions').select('name, modules(count)').eq('id', sessionId).single();
    expect(counted.data).toEqual({ name: 'Conformance', modules: [{ count: 2 }] });

    const listed = await author.client.rpc('list_sessions', { p_limit: 10 });
    expect(listed.error).toBeNull();
    expect(listed.data.sessions).toEqual([expect.objectContaining({ id: sessionId, name: 'Conformance', module_count: 2, video_count: 0 })]);
    expect(listed.data).toHaveProperty('next_cursor');

    const tree = await author.client.rpc('session_tree', { p_session_id: sessionId });
    expect(tree.data.modules.map((m: { name: string }) => m.name)).toEqual(['Zero', 'One']);
  });

  it('another user sees none of it, and cannot add to it', async () => {
    const created = await author.client.from('sessions').insert({ name: 'Private' }).select('id').single();
    const sessionId = created.data!.id as string;
    const seen = await other.client.from('sessions').select('id').eq('id', sessionId);
    expect(seen.data).toEqual([]);
    const listed = await other.client.rpc('list_sessions');
    expect(listed.data.sessions).toEqual([]);
    const added = await other.client.rpc('add_module', { p_session_id: sessionId, p_name: 'intruder' });
    expect(added.error).not.toBeNull();
    expect(added.status).toBeGreaterThanOrEqual(400);
  });

  it('a blank name violates the CHECK constraint: 400 23514', async () => {
    const { status, error } = await author.client.from('sessions').insert({ name: '   ' });
    expect(status).toBe(400);
    expect(error?.code).toBe('23514');
  });

  it('only operators may list everyone’s sessions: 403 42501 otherwise', async () => {
    const denied = await author.client.rpc('list_sessions', { p_everyone: true });
    expect(denied.status).toBe(403);
    expect(denied.error?.code).toBe('42501');
    const operator = await backend.signedInUser({ operator: true });
    const everyone = await operator.client.rpc('list_sessions', { p_everyone: true, p_limit: 100 });
    expect(everyone.error).toBeNull();
    expect(everyone.data.sessions.length).toBeGreaterThan(0);
  });

  it('calling add_module with an unknown argument is 404 PGRST202', async () => {
    const { status, error } = await author.client.rpc('add_module', { p_session: 'x', p_name: 'y' });
    expect(status).toBe(404);
    expect(error).toMatchObject({
      code: 'PGRST202',
      message: 'Could not find the function public.add_module(p_name, p_session) in the schema cache',
    });
  });

  it('anon cannot read sessions (no grant): 401 42501', async () => {
    const { status, error } = await backend.client().from('sessions').select('*');
    expect(status).toBe(401);
    expect(error?.code).toBe('42501');
  });

  it('an unfiltered delete is refused (400 21000)', async () => {
    const { status, error } = await author.client.from('sessions').delete();
    expect(status).toBe(400);
    expect(error?.code).toBe('21000');
  });
});
