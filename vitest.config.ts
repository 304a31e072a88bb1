import { configDefaults, defineConfig } from 'vitest/config';
import type { InlineConfig } from 'vitest/node';

// Two projects. `unit`: in-process tests that need no backing service and start no process (pure core, config) — no
// global setup, `npm run test:unit`. `services`: everything else — tests against the real Redis, Mosquitto and InfluxDB
// the harness starts (test/harness/global-setup.ts) and tests that start our processes. `npm test` runs both. A new test file lands in `services`
// unless it is listed here.
const UNIT_TESTS = [
  'test/accounts/accounts-rules.test.ts',
  'test/coverage/coverage-core.test.ts',
  'test/coverage/coverage-sites.test.ts',
  'test/coverage/fixed-point-suggestions.test.ts',
  'test/dispatcher/core.test.ts',
  'test/dispatcher/geo-knn.test.ts',
  'test/foundation/compose.test.ts',
  'test/foundation/case-access.test.ts',
  'test/foundation/config.test.ts',
  'test/foundation/tsconfig-scope.test.ts',
  'test/foundation/no-tracker-references.test.ts',
  'test/foundation/layers.test.ts',
  'test/foundation/queue-contracts.test.ts',
  'test/foundation/vin-topics.test.ts',
  'test/gateway/jt808-codec.test.ts',
  'test/ingest/live-state.test.ts',
  'test/ingest/payload-validation.test.ts',
  'test/ingest/position-fast-path.test.ts',
  'test/simulators/scenario.test.ts',
  'test/simulators/truck-model.test.ts',
];

/** How every run of the suite runs (this config and vitest.cluster.config.ts): a process per file, real services. */
export const RUN_OPTIONS = {
  pool: 'forks',
  testTimeout: 60_000,
  hookTimeout: 120_000,
  teardownTimeout: 60_000,
  reporters: ['default'],
} satisfies InlineConfig;

export default defineConfig({
  test: {
    ...RUN_OPTIONS,
    projects: [
      // Worker threads instead of a process per file: nothing here needs its own process, and on two busy cores
      // the project takes about two thirds of the time (27 s instead of 39 s at load 6; CPU time is the same).
      { extends: true, test: { name: 'unit', include: UNIT_TESTS, pool: 'threads' } },
      {
        extends: true,
        test: {
          name: 'services',
          include: ['test/**/*.test.ts'],
          // test/cluster/ needs the Redis Cluster of npm run test:cluster (vitest.cluster.config.ts).
          exclude: [...configDefaults.exclude, ...UNIT_TESTS, 'test/cluster/**'],
          globalSetup: ['test/harness/global-setup.ts'],
        },
      },
    ],
  },
});
