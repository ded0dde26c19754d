import { defineConfig } from 'vitest/config';

// Tests talk to the local servers started by scripts/test-servers.sh (endpoints in .run/env).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/support/run-tmpdir.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
