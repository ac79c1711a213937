import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 30_000,
          // The V8 setting the binary runs with (scripts/build.mjs), so the memory tests measure
          // what an operator gets.
          execArgv: ['--max-semi-space-size=1'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          // Real smbd, the real binary and real certificates: slower, and serial so two suites
          // never fight over ports or the state directory.
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
