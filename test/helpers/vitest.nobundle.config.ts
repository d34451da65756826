import { defineConfig } from 'vitest/config';

// Temporary: the same settings as vitest.config.ts without the bundle-building globalSetup.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
