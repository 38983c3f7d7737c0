// Supabase's own tools against our migrations: the real CLI applies them (`supabase db push`)
// to a database holding only the platform objects, then `supabase db advisors` (splinter's lints)
// must report nothing at WARN or above. A table in public without RLS must make it fail.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { listMigrations, packageRoot, splitStatements } from '../../src/local/postgres.js';
import { freshDatabase, type FreshDatabase } from '../support/db.js';

const run = promisify(execFile);
const cli = join(packageRoot(), 'node_modules', '.bin', 'supabase');

let db: FreshDatabase;
let workdir: string;
let url: string;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function supabase(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(cli, [...args, '--workdir', workdir], {
      cwd: workdir,
      timeout: 120_000,
      env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', NO_COLOR: '1', CI: '1' },
      maxBuffer: 20 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  db = await freshDatabase({ from: 'platform' });
  workdir = mkdtempSync(join(tmpdir(), 'session-advisors-'));
  cpSync(join(packageRoot(), 'supabase', 'config.toml'), join(workdir, 'supabase', 'config.toml'));
  cpSync(join(packageRoot(), 'supabase', 'migrations'), join(workdir, 'supabase', 'migrations'), { recursive: true });
  url = `${db.postgresUrl}?sslmode=disable`;
}, 120_000);
afterAll(async () => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
  await db?.cleanup();
});

describe('supabase CLI', () => {
  it('db push applies and records every migration', async () => {
    const res = await supabase(['db', 'push', '--db-url', url, '--yes']);
    expect(res.stderr + res.stdout).not.toMatch(/ERROR/);
    expect(res.code).toBe(0);
    const { rows } = await db.pool.query('select version, name, statements from supabase_migrations.schema_migrations order by version');
    const files = listMigrations();
    expect(rows.map((r) => `${r.version}_${r.name}`)).toEqual(files.map((f) => `${f.version}_${f.name}`));
  }, 180_000);

  it('records the same statements as applyMigrations', async () => {
    const { rows } = await db.pool.query('select version, statements from supabase_migrations.schema_migrations order by version');
    const { readFileSync } = await import('node:fs');
    for (const [i, file] of listMigrations().entries()) {
      expect({ version: rows[i].version, statements: rows[i].statements }).toEqual({ version: file.version, statements: splitStatements(readFileSync(file.path, 'utf8')) });
    }
  });

  it('db advisors finds nothing at WARN or above', async () => {
    const res = await supabase(['db', 'advisors', '--db-url', url, '--type', 'all', '--level', 'info', '--fail-on', 'warn']);
    if (process.env.SHOW_ADVISORS) console.error(res.code, res.stdout, res.stderr);
    expect(res.stdout).not.toMatch(/\bWARN\b|\bERROR\b/);
    expect(res.code).toBe(0);
  }, 180_000);

  it('fails on a table in public without RLS (negative control)', async () => {
    const client = new pg.Client({ connectionString: db.postgresUrl });
    await client.connect();
    await client.query('create table public.throwaway_without_rls (id bigint primary key, email text)');
    try {
      const res = await supabase(['db', 'advisors', '--db-url', url, '--type', 'security', '--fail-on', 'warn']);
      expect(res.code).not.toBe(0);
      expect(res.stdout + res.stderr).toMatch(/rls_disabled_in_public|RLS Disabled in Public/);
      expect(res.stdout + res.stderr).toContain('throwaway_without_rls');
    } finally {
      await client.query('drop table public.throwaway_without_rls');
      await client.end();
    }
  }, 180_000);
});
