import type { IO } from '../base/io.js';
import { networkError } from '../base/errors.js';

/** fetch that logs method, URL, status and time under --debug; secrets are masked by io.debug. */
export function debugFetch(io: Pick<IO, 'debug'>): typeof fetch {
  return async (input, init) => {
    const started = performance.now();
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const url = input instanceof Request ? input.url : String(input);
    try {
      const res = await fetch(input, init);
      io.debug(`${method} ${url} → ${res.status} (${Math.round(performance.now() - started)} ms)`);
      return res;
    } catch (err) {
      io.debug(`${method} ${url} → ${(err as Error).message}`);
      throw networkError(url, err);
    }
  };
}
