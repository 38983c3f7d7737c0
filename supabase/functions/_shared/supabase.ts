// supabase-js clients for functions: an admin client (service-role key) for RPCs and Auth admin
// calls, an anon client for what a public caller may do, and the signed-in user behind a request.
import { createClient, type SupabaseClient, type User } from '@supabase/supabase-js';
import { requireEnv } from './env.ts';
import { bearerToken } from './http.ts';

// Functions never use Realtime; a stand-in transport keeps supabase-js from looking for a
// WebSocket on runtimes without one (Node 20 inside the local backend).
class NoRealtime {
  constructor() {
    throw new Error('Realtime is not used by functions');
  }
}

function clientFor(key: string): SupabaseClient {
  const ws = (globalThis as { WebSocket?: unknown }).WebSocket ?? NoRealtime;
  return createClient(requireEnv('SUPABASE_URL'), key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: ws as never },
  });
}

/** Service role: bypasses RLS. Only for what the function has already authorised. */
export function adminClient(): SupabaseClient {
  return clientFor(requireEnv('SUPABASE_SERVICE_ROLE_KEY'));
}

export function anonClient(): SupabaseClient {
  return clientFor(requireEnv('SUPABASE_ANON_KEY'));
}

/**
 * The user whose access token the request carries, checked by Supabase Auth itself
 * (`GET /auth/v1/user`), so a revoked session or a forged token is refused; null when none.
 */
export async function requestUser(req: Request): Promise<User | null> {
  const token = bearerToken(req);
  if (!token) return null;
  const { data, error } = await anonClient().auth.getUser(token);
  if (error || !data.user) return null;
  return data.user;
}
