// Loads an edge function written for Supabase's Deno runtime into this Node process.
//
// The seam: a function's index.ts is plain Deno code — it calls `Deno.serve(handler)` (directly or
// behind a `globalThis.Deno?.serve` check) and reads settings with `Deno.env.get`; it may also
// `export default handler`. Here the file is bundled with esbuild (TypeScript, `.ts` imports, bare
// npm imports resolved from node_modules, `npm:` specifiers mapped to them) into CommonJS and
// evaluated with a private `Deno` object: its `serve` captures the handler instead of listening,
// and its `env` holds this backend's values. Nothing is installed on globalThis, so several
// backends in one process (tests) each give their functions their own environment.
import { createRequire } from 'node:module';
import { stat } from 'node:fs/promises';
import path from 'node:path';

export type FunctionHandler = (req: Request) => Response | Promise<Response>;

export interface DenoShim {
  env: {
    get(name: string): string | undefined;
    set(name: string, value: string): void;
    delete(name: string): void;
    has(name: string): boolean;
    toObject(): Record<string, string>;
  };
  serve(...args: unknown[]): { finished: Promise<void>; shutdown(): Promise<void>; ref(): void; unref(): void };
}

interface Loaded {
  handler: FunctionHandler;
  /** Input files and their mtimes at build time: any change rebuilds. */
  inputs: Array<[string, number]>;
}

type EsbuildModule = typeof import('esbuild');

let esbuildModule: Promise<EsbuildModule> | null = null;

/** esbuild is a build-time tool; loaded only when a function is first called. */
async function loadEsbuild(): Promise<EsbuildModule> {
  // A variable specifier keeps bundlers from pulling esbuild into dist/.
  const specifier = 'esbuild';
  esbuildModule ??= (import(specifier) as Promise<EsbuildModule>).catch((err: unknown) => {
    esbuildModule = null;
    throw new Error(`running edge functions locally needs the esbuild package (${err instanceof Error ? err.message : String(err)})`);
  });
  return esbuildModule;
}

export class FunctionLoader {
  private readonly cache = new Map<string, Promise<Loaded>>();

  constructor(private readonly env: () => Record<string, string>) {}

  /** The handler of the function whose entry file is `entry`, rebuilt when a source file changed. */
  async handler(entry: string): Promise<FunctionHandler> {
    const cached = this.cache.get(entry);
    if (cached) {
      try {
        const loaded = await cached;
        if (await unchanged(loaded.inputs)) return loaded.handler;
      } catch {
        // the last build failed: try again
      }
    }
    const building = this.build(entry);
    this.cache.set(entry, building);
    return (await building).handler;
  }

  private async build(entry: string): Promise<Loaded> {
    const esbuild = await loadEsbuild();
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      metafile: true,
      logLevel: 'silent',
      sourcemap: 'inline',
      define: { 'globalThis.Deno': '__denoShim' },
      plugins: [
        {
          name: 'deno-specifiers',
          setup(build) {
            // npm:@scope/pkg@1.2.3/sub → @scope/pkg/sub, resolved from node_modules.
            build.onResolve({ filter: /^npm:/ }, async (args) => {
              const spec = args.path.slice(4);
              const match = /^(@[^/]+\/[^@/]+|[^@/]+)(?:@[^/]+)?(\/.*)?$/.exec(spec);
              const bare = match ? `${match[1]}${match[2] ?? ''}` : spec;
              return build.resolve(bare, { kind: args.kind, resolveDir: args.resolveDir });
            });
            build.onResolve({ filter: /^(jsr:|https?:)/ }, (args) => ({
              errors: [{ text: `${args.path}: only relative, bare npm and npm: imports run in the local backend` }],
            }));
          },
        },
      ],
    });
    const code = result.outputFiles?.[0]?.text ?? '';
    const inputs = await Promise.all(
      Object.keys(result.metafile?.inputs ?? {})
        .filter((file) => !file.includes('node_modules'))
        .map(async (file): Promise<[string, number]> => {
          const abs = path.resolve(file);
          return [abs, (await stat(abs)).mtimeMs];
        }),
    );
    return { handler: this.evaluate(entry, code), inputs };
  }

  private evaluate(entry: string, code: string): FunctionHandler {
    let served: FunctionHandler | null = null;
    const env = this.env;
    const overrides = new Map<string, string | null>();
    const current = (): Record<string, string> => {
      const values = { ...env() };
      for (const [k, v] of overrides) {
        if (v === null) delete values[k];
        else values[k] = v;
      }
      return values;
    };
    const shim: DenoShim = {
      env: {
        get: (name) => current()[name],
        set: (name, value) => void overrides.set(name, value),
        delete: (name) => void overrides.set(name, null),
        has: (name) => name in current(),
        toObject: () => current(),
      },
      serve(...args: unknown[]) {
        const handler = args.find((a): a is FunctionHandler => typeof a === 'function') ??
          (args.find((a) => a !== null && typeof a === 'object' && typeof (a as { handler?: unknown }).handler === 'function') as
            | { handler: FunctionHandler }
            | undefined)?.handler;
        if (handler) served = handler;
        return { finished: new Promise<void>(() => undefined), shutdown: async () => undefined, ref() {}, unref() {} };
      },
    };
    const module = { exports: {} as Record<string, unknown> };
    const run = new Function('Deno', '__denoShim', 'module', 'exports', 'require', '__filename', '__dirname', code) as (
      ...args: unknown[]
    ) => void;
    run(shim, shim, module, module.exports, createRequire(entry), entry, path.dirname(entry));
    const exported = module.exports.default;
    const handler =
      served ??
      (typeof exported === 'function'
        ? (exported as FunctionHandler)
        : exported !== null && typeof exported === 'object' && typeof (exported as { fetch?: unknown }).fetch === 'function'
          ? (req: Request) => (exported as { fetch: FunctionHandler }).fetch(req)
          : null);
    if (!handler) throw new Error(`${entry} neither calls Deno.serve(handler) nor exports a default handler`);
    return handler;
  }
}

async function unchanged(inputs: Array<[string, number]>): Promise<boolean> {
  for (const [file, mtime] of inputs) {
    try {
      if ((await stat(file)).mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}
