// `session local start` as a user runs it, detached: the seed users get this data directory's own
// passwords (the published ones no longer sign in), `local status` prints them, --cors-origin reaches
// the detached backend, and backend.log holds no key, secret or database password.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale, repoRoot } from './login-support.js';

const launcher = join(repoRoot, 'bin', 'session.js');
let root: string;
let dataDir: string;
let port: number;
let status: Record<string, string>;

function cli(args: string[]) {
  return execa('node', [launcher, ...args], {
    env: { PATH: process.env.PATH, HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'home', '.config'), NO_COLOR: '1' },
    extendEnv: false,
    reject: false,
    cwd: root,
    stdin: 'ignore',
  });
}

async function freePortPair(): Promise<number> {
  for (;;) {
    const candidate = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (candidate < 65000) return candidate;
  }
}

async function signIn(email: string, password: string) {
  return fetch(`${status.api_url}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: status.anon_key!, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
}

beforeAll(async () => {
  buildIfStale();
  root = await mkdtemp(join(tmpdir(), 'session-local-hardening-'));
  dataDir = join(root, 'local');
  port = await freePortPair();
  const started = await cli(['local', 'start', '--data-dir', dataDir, '--port', String(port), '--cors-origin', 'http://app.example.test:8080']);
  expect(started.exitCode, started.stderr).toBe(0);
  const res = await cli(['local', 'status', '--data-dir', dataDir, '--json']);
  expect(res.exitCode, res.stderr).toBe(0);
  status = JSON.parse(res.stdout);
}, 240_000);

afterAll(async () => {
  if (dataDir) await cli(['local', 'stop', '--data-dir', dataDir]);
  if (root) await rm(root, { recursive: true, force: true });
}, 60_000);

describe('local start', () => {
  it('gives the seed users per-directory passwords that `local status` prints; the published ones fail', async () => {
    expect(status.demo_email).toBe('demo@example.com');
    expect(status.operator_email).toBe('operator@example.com');
    expect(status.demo_password).toMatch(/^[\w-]{16}$/);
    expect(status.operator_password).not.toBe(status.demo_password);
    for (const [email, published] of [['demo@example.com', 'demo-password'], ['operator@example.com', 'operator-password']] as const) {
      const res = await signIn(email, published);
      expect(res.status, email).toBe(400);
      expect(await res.json()).toMatchObject({ error_code: 'invalid_credentials' });
    }
    const demo = await signIn('demo@example.com', status.demo_password!);
    expect(demo.status).toBe(200);
    const operator = await signIn('operator@example.com', status.operator_password!);
    expect(operator.status).toBe(200);

    const table = await cli(['local', 'status', '--data-dir', dataDir]);
    expect(table.stdout).toContain(`demo@example.com / ${status.demo_password}`);
  });

  it('the --cors-origin list reaches the detached backend; other origins stay refused', async () => {
    const allowed = await fetch(`${status.api_url}/auth/v1/settings`, { headers: { apikey: status.anon_key!, origin: 'http://app.example.test:8080' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example.test:8080');
    const other = await fetch(`${status.api_url}/auth/v1/settings`, { headers: { apikey: status.anon_key!, origin: 'http://evil.example.test' } });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('backend.log holds no service key, secret key, JWT secret or database password', async () => {
    // A failing request goes through the server log too.
    await fetch(`${status.api_url}/rest/v1/sessions?select=id::text%20from%20pg_user`, { headers: { apikey: status.service_role_key! } });
    const log = readFileSync(join(dataDir, 'backend.log'), 'utf8');
    expect(log).toContain('Local backend running at');
    const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
    const dbPassword = decodeURIComponent(new URL(status.db_url!).password);
    for (const secret of [status.service_role_key, status.secret_key, dbPassword, secrets.jwt_secret, secrets.superuser_password, status.demo_password]) {
      expect(secret!.length).toBeGreaterThan(8);
      expect(log).not.toContain(secret);
    }
  });

  it('refuses --cors-origin "*" and non-origins with exit 2 and one line', async () => {
    for (const value of ['*', 'http://app.example.test/path', 'app.example.test']) {
      const res = await cli(['local', 'start', '--data-dir', join(root, 'other'), '--port', String(port), '--cors-origin', value]);
      expect(res.exitCode, value).toBe(2);
      expect(res.stderr, value).toMatch(/--cors-origin/);
    }
  });
});
