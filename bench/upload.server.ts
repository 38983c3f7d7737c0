// The server side of bench/upload.mjs, run in its own process (bundled by esbuild from this file).
// Starts an ephemeral PostgreSQL with the platform objects and migrations, then:
//   backend       the real local backend (startBackend): gateway, JWT, RLS rehearsal on POST and every PATCH
//   service       the same storage service on a bare node:http server that records per-request phases
//   no-patch-rls  the same storage service without the per-PATCH rehearsal (POST still rehearses)
//   node-stream   the storage service feeding @tus/server's web-stream body path (the library default),
//                 for comparison with the direct node-stream path the service uses
//   bare-tus      @tus/server + @tus/file-store with no hooks at all
// and a stats endpoint: /cpu (this process's CPU time, so the client can split the time), /timings/<variant>
// (per-request phases), /profile/start and /profile/stop/<name> (a CPU profile of just the uploads).
// Prints one JSON line with the URLs and keys, then runs until stdin closes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import pg from 'pg';
import { applyCors, rejectApiKey, resolveGatewayAuth } from '../src/local/gateway.js';
import { deriveApiKeys } from '../src/local/keys.js';
import { startBackend } from '../src/local/server.js';
import type { BackendContext, BackendService } from '../src/local/service-contract.js';
import { CallerSql } from '../src/local/sql.js';
import { createStorageService, STORAGE_PREFIX } from '../src/local/storage/index.js';
import type { ResumableOptions } from '../src/local/storage/tus-server.js';
import { startMigratedPostgres } from './lib/postgres.js';

interface Config {
  workDir: string;
  repoRoot: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;

/** Per-request phases of the upload requests (POST with data, PATCH), per server, for /timings. */
interface Phases {
  arrive: number;
  consume?: number;
  end?: number;
  finish?: number;
  bytes: number;
}
const timings = new Map<string, Phases[]>();

/** Records when a request arrives, when its body starts being read, when it ends, and when the response is sent. */
function timed(name: string, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const list: Phases[] = [];
  timings.set(name, list);
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'PATCH' || req.method === 'POST') {
      const phases: Phases = { arrive: performance.now(), bytes: Number(req.headers['content-length'] ?? 0) };
      list.push(phases);
      // Listening for 'data' would start the flow; note instead when the handler first does.
      const on = req.on;
      req.on = function (this: IncomingMessage, event: string | symbol, listener: (...a: unknown[]) => void) {
        if (event === 'data' && phases.consume === undefined) phases.consume = performance.now();
        return on.call(this, event, listener);
      } as typeof req.on;
      req.once('end', () => (phases.end = performance.now()));
      res.once('finish', () => (phases.finish = performance.now()));
    }
    handler(req, res);
  };
}

function summarize(list: Phases[]) {
  const patches = list.filter((p) => p.bytes > 0 && p.consume !== undefined && p.end !== undefined && p.finish !== undefined);
  const sum = { requests: patches.length, beforeBodyMs: 0, bodyMs: 0, afterBodyMs: 0, clientGapMs: 0 };
  let previousFinish: number | undefined;
  for (const p of patches) {
    sum.beforeBodyMs += p.consume! - p.arrive;
    sum.bodyMs += p.end! - p.consume!;
    sum.afterBodyMs += p.finish! - p.end!;
    if (previousFinish !== undefined && p.arrive - previousFinish < 1000) sum.clientGapMs += p.arrive - previousFinish;
    previousFinish = p.finish;
  }
  const per = (ms: number) => Number((ms / Math.max(1, patches.length)).toFixed(2));
  return {
    requests: patches.length,
    perRequestMs: { beforeBody: per(sum.beforeBodyMs), body: per(sum.bodyMs), afterBody: per(sum.afterBodyMs), clientGap: per(sum.clientGapMs) },
  };
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

async function main(): Promise<void> {
  const postgres = await startMigratedPostgres(config.workDir, config.repoRoot);
  const { adminUrl, rolePassword } = postgres;

  const jwtSecret = randomBytes(32).toString('hex');
  const dataDir = join(config.workDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const backend = await startBackend({
    databaseUrl: adminUrl,
    authenticatorPassword: rolePassword,
    port: 0,
    jwtSecret,
    dataDir,
    projectRoot: config.repoRoot,
  });

  // The variants share the database and keys, each with its own storage directory.
  const keys = await deriveApiKeys(jwtSecret);
  const admin = new pg.Pool({ connectionString: adminUrl, max: 5 });
  const sql = await CallerSql.connect(adminUrl, { authenticatorPassword: rolePassword });
  const context = (name: string): BackendContext =>
    ({
      url: () => '',
      jwtSecret,
      keys,
      dataDir: join(config.workDir, `data-${name}`),
      projectRoot: config.repoRoot,
      databaseUrl: adminUrl,
      admin,
      sql,
      log: (line: string) => process.stderr.write(`${line}\n`),
    }) as unknown as BackendContext;

  const mount = async (name: string, resumable: ResumableOptions): Promise<string> => {
    const service: BackendService = await createStorageService({ resumable })(context(name));
    return listen(timed(name, (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (applyCors(req, res)) return;
      const path = url.pathname.slice(STORAGE_PREFIX.length);
      void (async () => {
        const auth = await resolveGatewayAuth(req, url, keys, jwtSecret);
        if (service.requiresApiKey(path, req.method ?? 'GET') && (await rejectApiKey(res, auth, keys, jwtSecret))) return;
        await service.handle({ req, res, method: req.method ?? 'GET', path, url, auth });
      })();
    }));
  };

  const bareDir = join(config.workDir, 'bare-tus');
  const bare = new Server({ path: '/files', datastore: new FileStore({ directory: bareDir }) });

  const variants = {
    backend: `${backend.url}${STORAGE_PREFIX}/upload/resumable`,
    'no-patch-rls': `${await mount('no-patch-rls', { skipPatchRehearsal: true })}${STORAGE_PREFIX}/upload/resumable`,
    'node-stream': `${await mount('node-stream', { webStreamBody: true })}${STORAGE_PREFIX}/upload/resumable`,
    service: `${await mount('service', {})}${STORAGE_PREFIX}/upload/resumable`,
    'bare-tus': `${await listen(timed('bare-tus', (req, res) => void bare.handle(req, res)))}/files`,
  };
  // Garbage collection by kind, for /gc: the server's upload path should produce little garbage.
  const gc = { minorMs: 0, majorMs: 0, count: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gc.majorMs += entry.duration;
      else gc.minorMs += entry.duration;
      gc.count++;
    }
  }).observe({ entryTypes: ['gc'] });
  const inspector = new Session();
  inspector.connect();
  const stats = await listen((req, res) => {
    if (req.url === '/profile/start') {
      void inspector
        .post('Profiler.enable')
        .then(() => inspector.post('Profiler.setSamplingInterval', { interval: 200 }))
        .then(() => inspector.post('Profiler.start'))
        .then(() => res.end('{}'));
    } else if (req.url?.startsWith('/profile/stop/')) {
      const file = join(config.workDir, 'profile', `${decodeURIComponent(req.url.slice('/profile/stop/'.length))}.cpuprofile`);
      void inspector
        .post('Profiler.stop')
        .then(async ({ profile }) => {
          await mkdir(join(config.workDir, 'profile'), { recursive: true });
          await writeFile(file, JSON.stringify(profile));
          res.end(JSON.stringify({ file }));
        });
    } else if (req.url === '/gc') {
      res.end(JSON.stringify({ minorMs: Math.round(gc.minorMs), majorMs: Math.round(gc.majorMs), count: gc.count }));
      gc.minorMs = gc.majorMs = gc.count = 0;
    } else if (req.url === '/cpu') {
      const cpu = process.cpuUsage();
      res.end(JSON.stringify({ user: cpu.user, system: cpu.system }));
    } else if (req.url?.startsWith('/timings/')) {
      const list = timings.get(decodeURIComponent(req.url.slice('/timings/'.length))) ?? [];
      res.end(JSON.stringify(summarize(list)));
      list.length = 0;
    } else if (req.url === '/clean-bare') {
      void rm(bareDir, { recursive: true, force: true }).then(() => mkdir(bareDir, { recursive: true })).then(() => res.end('{}'));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });

  process.stdout.write(
    `${JSON.stringify({ url: backend.url, anonKey: backend.anonKey, serviceRoleKey: backend.serviceRoleKey, jwtSecret, variants, stats })}\n`,
  );

  const shutdown = async () => {
    await backend.close().catch(() => undefined);
    await sql.close().catch(() => undefined);
    await admin.end().catch(() => undefined);
    await postgres.stop().catch(() => undefined);
    process.exit(0);
  };
  process.stdin.on('end', () => void shutdown());
  process.stdin.resume();
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
