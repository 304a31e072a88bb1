// `npm run test:cluster`: the same services as global-setup.ts, with a real Redis Cluster (3 masters + 3 replicas on
// free loopback ports, infra/local-services.ts startRedisCluster) in place of the standalone Redis. Tests read
// `redisMode` / `redisUrl` from the harness context (test/harness/context.ts) and so run unchanged in both modes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startInflux, startMosquitto, startRedisCluster, type LocalRedisCluster, type LocalService } from '../../infra/local-services.ts';
import { testAccounts } from './accounts.ts';

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-rescue-cluster-test-'));
  const services: Array<LocalService | LocalRedisCluster> = [];
  try {
    const started = await Promise.allSettled([
      startRedisCluster({ dir: join(dir, 'redis-cluster') }),
      startMosquitto({ dir: join(dir, 'mosquitto'), accounts: testAccounts }),
      startInflux({ dir: join(dir, 'influx') }),
    ]);
    for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [cluster, mosquitto, influx] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      LocalRedisCluster, Awaited<ReturnType<typeof startMosquitto>>, LocalService,
    ];
    project.provide('redisMode', 'cluster');
    project.provide('redisUrl', cluster.url);
    project.provide('redisNodePids', cluster.nodes.map((n) => `${n.port}:${n.child.pid ?? 0}`).join(','));
    project.provide('mqttUrl', mosquitto.url);
    project.provide('influxUrl', influx.url);
    project.provide('mosquittoPasswordFile', mosquitto.passwordFile);
    project.provide('mosquittoPid', mosquitto.child.pid ?? 0);
    project.provide('servicesDir', dir);
  } catch (err) {
    await Promise.all(services.map((s) => s.stop()));
    throw err;
  }
  return async () => {
    await Promise.all(services.map((s) => s.stop()));
    if (!process.env.KEEP_TEST_SERVICES_DIR) rmSync(dir, { recursive: true, force: true });
  };
}
