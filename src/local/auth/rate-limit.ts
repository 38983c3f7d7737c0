// Per-address request limits over a sliding 5-minute window, as GoTrue applies them to sign-ins,
// refreshes and verifications.
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
