import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no services (`npm run test:unit`); `integration` needs the keychain,
// the registry and PostgreSQL and runs under test/tools/with-services.sh (`npm run test:integration`).
// `npx vitest run` (what `npm test` runs, under the wrapper) runs both.
const shared = { pool: 'forks' as const, testTimeout: 60_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { ...shared, name: 'integration', include: ['test/integration/**/*.test.ts'] } },
    ],
  },
});
