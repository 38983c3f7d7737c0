// Request limits over a sliding 5-minute window, as GoTrue applies them to sign-ins, refreshes and
// verifications: per client address, and for sign-ins per account as well.
import { AuthError } from './errors.js';

const WINDOW_MS = 5 * 60 * 1000;

export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly limit: number) {}

  /** Counts one request from `key`; throws GoTrue's 429 once the window is full. */
  take(key: string, now = Date.now()): void {
    const since = now - WINDOW_MS;
    const recent = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      throw new AuthError(429, 'over_request_rate_limit', 'Request rate limit reached');
    }
    recent.push(now);
    this.hits.set(key, recent);
  }
}

/** How many times the per-account limit one client address may use up over all accounts. */
export const CLIENT_FACTOR = 10;

/**
 * Password sign-ins and sign-ups: `limit` per account (so bad attempts on one address lock out that
 * account only, not everyone on 127.0.0.1) and CLIENT_FACTOR times that per client address (so one
 * client cannot try a password on every account). Both are counted on every attempt.
 */
export class SignInLimiter {
  private readonly perAccount: RateLimiter;
  private readonly perClient: RateLimiter;

  constructor(limit: number) {
    this.perAccount = new RateLimiter(limit);
    this.perClient = new RateLimiter(limit * CLIENT_FACTOR);
  }

  take(account: string, client: string, now = Date.now()): void {
    this.perClient.take(client, now);
    this.perAccount.take(account, now);
  }
}
