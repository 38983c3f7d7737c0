// The verification page in a real browser (Debian's Chromium through playwright-core): a person
// signs in, sees the code and the client's name, and approves with a click; `session login`
// running beside it finishes signed in as that person. A prefilled code is never acted on alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProgram, skipWithout } from '../support/programs.js';
import { startTestBackend, type CreatedUser, type TestBackend } from '../support/backend.js';
import { ensureBuilt, removeSnapshot, runCli, userEnv, waitForCode } from './login-support.js';

// Skipped (with a line from the global setup) when Chromium is missing; a failure under CI.
const CHROMIUM = findProgram('chromium') ?? '/usr/bin/chromium';
const skip = skipWithout('chromium');

let backend: TestBackend;
let grace: CreatedUser;
let browser: BrowserContext;
let profileDir: string;

beforeAll(async () => {
  if (skip) return;
  // Poll every second instead of five.
  [backend] = await Promise.all([startTestBackend({ functionEnv: { DEVICE_AUTH_INTERVAL: '1' } }), ensureBuilt()]);
  grace = await backend.createUser();
  profileDir = await mkdtemp(join(tmpdir(), 'session-chromium-'));
  // A fresh profile directory each run (playwright takes it as the persistent context's userDataDir).
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await backend?.close();
  await removeSnapshot();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

async function codeStatus(userCode: string): Promise<string> {
  const { rows } = await backend.db.pool.query('select status from device_auth.codes where user_code = $1', [userCode.replace('-', '')]);
  return rows[0]?.status as string;
}

async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Email').fill(grace.email);
  await page.getByLabel('Password').fill(grace.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

describe.skipIf(skip)('device verification page', () => {
  it('approves the code of a waiting `session login` with a click', async () => {
    const env = await userEnv(backend);
    const child = runCli(['login', '--no-browser'], env);
    const { userCode, url } = await waitForCode(child);

    const page = await browser.newPage();
    await page.goto(url);
    await signIn(page);

    // The code came in the URL: the page shows what would be approved, and waits for the click.
    await expect.poll(() => page.locator('#confirm-code').textContent()).toBe(userCode);
    expect(await page.locator('#confirm-client').textContent()).toMatch(/^session CLI on /);
    expect(await page.locator('#confirm-email').textContent()).toBe(grace.email);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await codeStatus(userCode)).toBe('pending');

    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator('#done-text').textContent()).toMatch(/^Approved/);

    const res = await child;
    expect(res.exitCode, res.stderr).toBe(0);
    const who = await runCli(['whoami', '--json'], env);
    expect(JSON.parse(who.stdout)).toEqual({ id: grace.id, email: grace.email });
    await page.close();
  });

  it('a code typed by hand can be denied, and the CLI stops with exit 3', async () => {
    const env = await userEnv(backend);
    const child = runCli(['login', '--no-browser'], env);
    const { userCode } = await waitForCode(child);

    const page = await browser.newPage();
    await page.goto(`${backend.url}/device`);
    await signIn(page);
    await page.getByLabel('Code').fill(userCode.toLowerCase().replace('-', ''));
    expect(await page.getByLabel('Code').inputValue()).toBe(userCode);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('#confirm-code').textContent()).toBe(userCode);
    await page.getByRole('button', { name: 'Deny' }).click();
    await expect.poll(() => page.locator('#done-text').textContent()).toMatch(/^Denied/);

    const res = await child;
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toMatch(/denied/);
    await page.close();
  });

  it('a wrong password or an unknown code is shown, not acted on', async () => {
    const page = await browser.newPage();
    await page.goto(`${backend.url}/device/?code=BCDF-GHJK`);
    await page.getByLabel('Email').fill(grace.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.locator('#status').textContent()).toBe('Wrong email or password.');
    await signIn(page);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/no login is waiting for this code/);
    expect(await page.locator('#confirm').isHidden()).toBe(true);
    await page.close();
  });
});
