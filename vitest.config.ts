import { defineConfig } from 'vitest/config';

// Unit and meta tests run in Node over lib/ (pure code); end-to-end tests have their own runner (tests/e2e).
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/meta/**/*.test.ts', 'tests/dom/**/*.test.tsx'],
    environment: 'node',
  },
});
