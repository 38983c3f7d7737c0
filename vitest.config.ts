import { defineConfig } from 'vitest/config';

// One PostgreSQL for the whole run (test/support/global-setup.ts); each file clones a template database.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    // Generous: e2e tests move tens of MiB on a 2-core machine other work shares; a hang still ends.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for a state (a page rendered, a row written), not for a deadline: 1 s is
    // too short for a browser on a loaded 2-core machine.
    expect: { poll: { timeout: 30_000, interval: 50 } },
    reporters: ['default'],
  },
});
