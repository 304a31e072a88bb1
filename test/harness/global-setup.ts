// Starts real redis-server, mosquitto and influxd on free loopback ports in a temporary directory,
// hands their URLs to the tests (inject()) and tears them down afterwards. Never the standard ports,
// never shared state with a running demo.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { RedisMode } from '../../infra/config.ts';
import { startInflux, startMosquitto, startRedis, type LocalService } from '../../infra/local-services.ts';
import { testAccounts } from './accounts.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisMode: RedisMode;
    redisUrl: string;
    /** Cluster runs only: `port:pid` of every node, for the failover test. */
    redisNodePids: string;
    mqttUrl: string;
    influxUrl: string;
    mosquittoPasswordFile: string;
    mosquittoPid: number;
    servicesDir: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-rescue-test-'));
  const services: LocalService[] = [];
  try {
    // allSettled: when one service fails to start, the others are still stopped below.
    const started = await Promise.allSettled([
      startRedis({ dir: join(dir, 'redis') }),
      startMosquitto({ dir: join(dir, 'mosquitto'), accounts: testAccounts }),
      startInflux({ dir: join(dir, 'influx') }),
    ]);
    for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [redis, mosquitto, influx] = started.map((r) => (r as PromiseFulfilledResult<LocalService>).value) as [
      LocalService, Awaited<ReturnType<typeof startMosquitto>>, LocalService,
    ];
    project.provide('redisMode', 'standalone');
    project.provide('redisUrl', redis.url);
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
