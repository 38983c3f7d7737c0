// Password sign-ins are limited per account (and, more loosely, per client address): bad attempts on one
// account lock out that account, not everyone else signing in from 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_FACTOR } from '../../src/local/auth/rate-limit.js';
import { startTestBackend, type CreatedUser, type TestBackend } from '../support/backend.js';

let backend: TestBackend;
let victim: CreatedUser;
let bystander: CreatedUser;
const LIMIT = 3;

beforeAll(async () => {
  backend = await startTestBackend({ rateLimits: { signIn: LIMIT } });
  victim = await backend.createUser();
  bystander = await backend.createUser();
});
afterAll(async () => {
  await backend?.close();
});

const signIn = (email: string, password: string) => backend.client().auth.signInWithPassword({ email, password });

describe('sign-in rate limit', () => {
  it('bad attempts on one account lock that account only', async () => {
    for (let i = 0; i < LIMIT; i += 1) expect((await signIn(victim.email, 'wrong password')).error?.code).toBe('invalid_credentials');
    const locked = await signIn(victim.email, victim.password);
    expect(locked.error?.status).toBe(429);
    expect(locked.error?.code).toBe('over_request_rate_limit');
    // The same account spelled in other case is the same account.
    expect((await signIn(victim.email.toUpperCase(), victim.password)).error?.status).toBe(429);
    // Everyone else on 127.0.0.1 still signs in.
    const other = await signIn(bystander.email, bystander.password);
    expect(other.error).toBeNull();
    expect(other.data.session?.access_token).toBeTruthy();
  });

  it('one client address is stopped after CLIENT_FACTOR times the limit over all accounts', async () => {
    const fresh = await startTestBackend({ rateLimits: { signIn: 1 } });
    try {
      const answers: Array<number | undefined> = [];
      for (let i = 0; i <= CLIENT_FACTOR; i += 1) {
        const { error } = await fresh.client().auth.signInWithPassword({ email: `nobody-${i}@example.com`, password: 'guess' });
        answers.push(error?.status);
      }
      expect(answers.slice(0, CLIENT_FACTOR).every((s) => s === 400)).toBe(true);
      expect(answers[CLIENT_FACTOR]).toBe(429);
    } finally {
      await fresh.close();
    }
  });
});
