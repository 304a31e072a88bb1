import { defineConfig } from 'vitest/config';
import { RUN_OPTIONS } from './vitest.config.ts';

// `npm run test:cluster`: the ingest acceptance, the dispatch acceptance and the API suites, plus the cluster's own
// tests (test/cluster/), against a real 3-master + 3-replica Redis Cluster (test/harness/cluster-setup.ts). The
// tests are the standalone run's files, unchanged: they take REDIS_MODE and REDIS_URL from the harness.
export const CLUSTER_TESTS = [
  'test/cluster/**/*.test.ts',
  'test/infra/redis-mode.test.ts',
  'test/ingest/ingest-stream.test.ts',
  'test/ingest/apply-state.test.ts',
  'test/dispatcher/dispatch-flow.test.ts',
  'test/api/**/*.test.ts',
  // The other processes that touch Redis: the JT/T 808 gateway end to end and the maintenance scheduler.
  'test/gateway/gateway-pipeline.test.ts',
  'test/gateway/terminal-routes.test.ts',
  'test/maintenance/scheduler-exactly-once.test.ts',
  'test/maintenance/appointments.test.ts',
];

export default defineConfig({
  test: {
    ...RUN_OPTIONS,
    include: CLUSTER_TESTS,
    // The failover test SIGKILLs a master of the shared cluster: only on its own (CLUSTER_FAILOVER=1).
    exclude: process.env.CLUSTER_FAILOVER === '1' ? [] : ['test/cluster/failover.test.ts'],
    globalSetup: ['test/harness/cluster-setup.ts'],
  },
});
