// A page on another origin of 127.0.0.1 (another port), opened in a real browser (Debian's Chromium
// through playwright-core), tries the theft from the review: read the backend's settings, sign in with
// a known password, list every session, download a video. It gets nothing. The device page itself
// still works on the backend's own origin, and shows a client's name with hidden characters escaped.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProgram, skipWithout } from '../support/programs.js';
import { startTestBackend, type CreatedUser, type SignedInUser, type TestBackend } from '../support/backend.js';
import { createUploadingVideo } from '../conformance/storage-support.js';

// Skipped (with a line from the global setup) when Chromium is missing; a failure under CI.
const CHROMIUM = findProgram('chromium') ?? '/usr/bin/chromium';
const skip = skipWithout('chromium');

let backend: TestBackend;
let operator: CreatedUser;
let author: SignedInUser;
let signedUrl: string;
let browser: BrowserContext;
let profileDir: string;
let attacker: Server;
let attackerUrl: string;

/** The attacker's page: every step of the theft, each result written to window.theft. */
function attackerPage(settings: { api: string; anonKey: string; email: string; password: string; token: string; signedUrl: string }): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>cat pictures</title></head><body>
<script src="${settings.api}/device/config.js"></script>
<script>
(async () => {
  const s = ${JSON.stringify(settings)};
  const theft = { config: null, page: null, signIn: null, sessions: null, download: null, stolenToken: null };
  const attempt = async (fn) => { try { return await fn(); } catch (e) { return 'blocked: ' + e.name; } };
  theft.config = window.SESSION_DEVICE_CONFIG ? JSON.stringify(window.SESSION_DEVICE_CONFIG) : null;
  theft.page = await attempt(async () => (await fetch(s.api + '/device/')).text());
  theft.signIn = await attempt(async () => {
    const res = await fetch(s.api + '/auth/v1/token?grant_type=password', {
      method: 'POST', headers: { apikey: s.anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ email: s.email, password: s.password }) });
    return res.status + ' ' + await res.text();
  });
  // A simple request (no preflight) still reaches no service.
  theft.simpleSignIn = await attempt(async () => {
    const res = await fetch(s.api + '/auth/v1/token?grant_type=password&apikey=' + s.anonKey, {
      method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ email: s.email, password: s.password }) });
    return res.status + ' ' + await res.text();
  });
  theft.sessions = await attempt(async () => {
    const res = await fetch(s.api + '/rest/v1/rpc/list_sessions', {
      method: 'POST', headers: { apikey: s.anonKey, authorization: 'Bearer ' + s.token, 'content-type': 'application/json' },
      body: JSON.stringify({ p_everyone: true }) });
    return res.status + ' ' + await res.text();
  });
  theft.download = await attempt(async () => {
    const res = await fetch(s.signedUrl);
    return res.status + ' ' + (await res.arrayBuffer()).byteLength;
  });
  window.theft = theft;
})();
</script></body></html>`;
}

beforeAll(async () => {
  if (skip) return;
  backend = await startTestBackend({ rateLimits: { signIn: 1000 } });
  // An operator whose password the attacker knows (what the published seed password was).
  operator = await backend.createUser({ email: 'operator@example.com', password: 'operator-password', operator: true });
  author = await backend.signedInUser();
  const created = await author.client.from('sessions').insert({ name: 'Secret course' }).select('id').single();
  expect(created.error).toBeNull();
  const video = await createUploadingVideo(author.client, author.id);
  const up = await author.client.storage.from('videos').upload(video.path, new Uint8Array(2048).fill(7), { contentType: 'video/mp4' });
  expect(up.error).toBeNull();
  const signed = await author.client.storage.from('videos').createSignedUrl(video.path, 600);
  signedUrl = signed.data!.signedUrl;
  const opSession = await backend.signIn(operator.email, operator.password);

  const html = attackerPage({
    api: backend.url,
    anonKey: backend.anonKey,
    email: operator.email,
    password: 'operator-password',
    token: opSession.session.access_token,
    signedUrl,
  });
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', () => resolve()));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;

  profileDir = await mkdtemp(join(tmpdir(), 'session-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
  await backend?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

describe.skipIf(skip)('a page on another origin of 127.0.0.1', () => {
  it('gets no settings, no sign-in, no sessions and no video bytes', async () => {
    const page = await browser.newPage();
    await page.goto(attackerUrl);
    await page.waitForFunction(() => (window as unknown as { theft?: unknown }).theft !== undefined, undefined, { timeout: 30_000 });
    const theft = (await page.evaluate(() => (window as unknown as { theft: Record<string, string | null> }).theft)) as Record<string, string | null>;
    expect(theft.config).toBeNull();
    for (const step of ['page', 'signIn', 'simpleSignIn', 'sessions', 'download'] as const) {
      expect(theft[step], step).toMatch(/^blocked: TypeError$/);
    }
    const everything = JSON.stringify(theft);
    for (const secret of [backend.anonKey, 'Secret course', 'access_token']) expect(everything).not.toContain(secret);
    // The operator's password sign-ins never reached Auth: no session was created for them.
    const { rows } = await backend.db.pool.query('select count(*)::int as n from auth.sessions where user_id = $1', [operator.id]);
    expect(rows[0].n).toBe(1);
    await page.close();
  });
});

describe.skipIf(skip)('the device page on its own origin', () => {
  it('shows a client name with bidi and zero-width characters escaped', async () => {
    const start = await fetch(`${backend.url}/functions/v1/device-auth/code`, {
      method: 'POST',
      headers: { apikey: backend.anonKey, authorization: `Bearer ${backend.anonKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'session CLI on \u202Egnp.exe\u200B laptop' }),
    });
    expect(start.status).toBe(200);
    const { user_code: userCode } = (await start.json()) as { user_code: string };
    const page = await browser.newPage();
    await page.goto(`${backend.url}/device/?code=${userCode}`);
    await page.getByLabel('Email').fill(author.email);
    await page.getByLabel('Password').fill(author.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.locator('#confirm-code').textContent()).toBe(userCode);
    expect(await page.locator('#confirm-client').textContent()).toBe('session CLI on <U+202E>gnp.exe<U+200B> laptop');
    await page.close();
  });
});
