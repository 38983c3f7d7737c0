// `session local start` on a data directory whose database ran other migration SQL than the
// files now hold: it starts, and warns with the command that rebuilds the database.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, type CliEnv } from './login-support.js';

let dataDir: string;
let home: string;
let env: CliEnv;
let port: number;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The CLI of this checkout (dist/ is built by the run's global setup): the backend needs supabase/ and the platform SQL beside it. */
function runCli(args: string[], cliEnv: CliEnv) {
  return execa('node', [join(repoRoot, 'bin', 'session.js'), ...args], { env: cliEnv as Record<string, string>, extendEnv: false, reject: false, cwd: home, stdin: 'ignore' });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'session-drift-'));
  home = await mkdtemp(join(tmpdir(), 'session-home-'));
  env = { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' };
  port = await freePort();
}, 300_000);

afterAll(async () => {
  if (dataDir) {
    await runCli(['local', 'stop', '--data-dir', dataDir], env);
    await rm(dataDir, { recursive: true, force: true });
  }
  if (home) await rm(home, { recursive: true, force: true });
});

describe('local start and migration drift', () => {
  it('warns, with the reset command, when an applied migration no longer matches its file', async () => {
    const first = await runCli(['local', 'start', '--data-dir', dataDir, '--port', String(port)], env);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(/migration/);

    // As if 20260101000200_content_tables.sql had been edited after this database applied it.
    const { db_url } = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as { db_url: string };
    const client = new pg.Client({ connectionString: db_url });
    await client.connect();
    try {
      const { rowCount } = await client.query(`update supabase_migrations.local_checksums set sha256 = 'edited' where version = '20260101000200'`);
      expect(rowCount).toBe(1);
    } finally {
      await client.end();
    }
    expect((await runCli(['local', 'stop', '--data-dir', dataDir], env)).exitCode).toBe(0);

    const second = await runCli(['local', 'start', '--data-dir', dataDir, '--port', String(port)], env);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain('warning: migration 20260101000200_content_tables.sql changed after it was applied');
    expect(second.stderr).toContain(`run \`session local reset --data-dir ${dataDir}\` to rebuild it`);
  }, 300_000);
});
