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
    reporters: ['default'],
  },
});
