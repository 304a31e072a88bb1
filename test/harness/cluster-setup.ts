// `npm run test:cluster`: the same services as global-setup.ts, with a real Redis Cluster (3 masters + 3 replicas on
// free loopback ports, infra/local-services.ts startRedisCluster) in place of the standalone Redis. Tests read
// `redisMode` / `redisUrl` from the harness context (test/harness/context.ts) and so run unchanged in both modes.
import type { TestProject } from 'vitest/node';
import { startRedisCluster } from '../../infra/local-services.ts';
import { startTestServices } from './global-setup.ts';

export default async function setup(project: TestProject) {
  return startTestServices(project, 'fleet-rescue-cluster-test-', async (dir) => {
    const cluster = await startRedisCluster({ dir });
    return {
      mode: 'cluster', url: cluster.url, stop: () => cluster.stop(),
      provide: (p) => p.provide('redisNodePids', cluster.nodes.map((n) => `${n.port}:${n.child.pid ?? 0}`).join(',')),
    };
  });
}
