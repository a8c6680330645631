import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The e2e tests spawn the bundled action; the fakes are real servers on 127.0.0.1.
    pool: 'forks',
  },
});
