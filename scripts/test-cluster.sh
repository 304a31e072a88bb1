#!/bin/sh
# `npm run test:cluster`: the ingest, dispatch and API suites and the cluster's own tests against a real local
# Redis Cluster (3 masters + 3 replicas, started by test/harness/cluster-setup.ts), then — when no test files are
# named — the failover acceptance on its own cluster (it SIGKILLs a master, so it cannot share one).
# With arguments (`npm run test:cluster -- test/api/fleet.test.ts`) only the first run, with those arguments;
# CLUSTER_FAILOVER=0 skips the failover run.
set -eu
cd "$(dirname "$0")/.."
sh scripts/bootstrap.sh
node_modules/.bin/vitest run --config vitest.cluster.config.ts "$@"
if [ $# -eq 0 ] && [ "${CLUSTER_FAILOVER:-1}" != 0 ]; then
  CLUSTER_FAILOVER=1 node_modules/.bin/vitest run --config vitest.cluster.config.ts test/cluster/failover.test.ts
fi
