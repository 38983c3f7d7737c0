// Reads a setting of the running function: Deno.env on Supabase's edge runtime, process.env when the
// same handler runs inside the local backend (Node). Both see SUPABASE_URL, SUPABASE_ANON_KEY and
// SUPABASE_SERVICE_ROLE_KEY, which Supabase injects into every function.

interface DenoLike {
  env: { get(name: string): string | undefined };
}

export function readEnv(name: string): string | undefined {
  const deno = (globalThis as { Deno?: DenoLike }).Deno;
  if (deno) return deno.env.get(name);
  const proc = (globalThis as { process?: { env: Record<string, string | undefined> } }).process;
  return proc?.env[name];
}

export function requireEnv(name: string): string {
  const value = readEnv(name);
  if (!value) throw new Error(`the function needs ${name} in its environment`);
  return value;
}

/** A whole number from the environment, clamped to [min, max]; the fallback when unset or not a number. */
export function numberEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = readEnv(name);
  const value = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.round(value)));
}
