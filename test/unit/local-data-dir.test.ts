// The local backend's data directory holds the JWT secret and private videos: it must be the backend user's
// own and closed to others (src/local/instance.ts).
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { instanceStatus, loadOrCreateSecrets, preparePrivateDir } from '../../src/local/instance.js';

const isRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(join(tmpdir(), 'session-data-dir-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the data directory', () => {
  it('is created 0700, with the secrets 0600', () => {
    const dir = join(scratch, 'fresh', 'local');
    loadOrCreateSecrets(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  it('loses read and write for group and others when it predates us (search permission stays)', () => {
    const dir = join(scratch, 'wide');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    preparePrivateDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o711);
  });

  it.runIf(isRoot)('is refused when it belongs to another user, before its secrets or state are read', async () => {
    const dir = join(scratch, 'planted');
    mkdirSync(dir, { mode: 0o777 });
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ jwt_secret: 'x'.repeat(64), superuser_password: 'p', role_password: 'p' }));
    chownSync(dir, 65534, 65534);
    expect(() => loadOrCreateSecrets(dir)).toThrow(/belongs to another user/);
    expect(() => preparePrivateDir(dir)).toThrow(/belongs to another user/);
    await expect(instanceStatus(dir)).rejects.toThrow(/belongs to another user/);
  });

  it('is refused when it is not a directory', () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    expect(() => preparePrivateDir(file)).toThrow();
  });

  it('a missing one has no status and no error', async () => {
    expect(await instanceStatus(join(scratch, 'missing'))).toEqual({ running: false, state: null, keys: null, seedLogins: [] });
  });
});
