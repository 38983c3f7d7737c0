// The smallest edge function: proves the seam between Supabase's Deno runtime and the local backend.
// On Supabase the module serves itself; the local backend captures the same handler (see
// src/local/functions/loader.ts). GET /functions/v1/hello?name=Ada → {"message": "Hello Ada!", ...}
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(handler: (req: Request) => Response | Promise<Response>): unknown;
};

export default async function hello(req: Request): Promise<Response> {
  const url = new URL(req.url);
  let name = url.searchParams.get('name');
  if (req.method === 'POST') {
    const body = (await req.json().catch(() => ({}))) as { name?: unknown };
    if (typeof body.name === 'string') name = body.name;
  }
  return new Response(
    JSON.stringify({
      message: `Hello ${name ?? 'world'}!`,
      method: req.method,
      path: url.pathname,
      has_supabase_url: Boolean(Deno.env.get('SUPABASE_URL')),
    }),
    { headers: { 'Content-Type': 'application/json' } },
  );
}

Deno.serve(hello);
