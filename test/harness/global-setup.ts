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

/** What a test run's Redis is: its mode, its URL (a seed list for a cluster), extra context, and how to stop it. */
export interface TestRedis {
  readonly mode: RedisMode;
  readonly url: string;
  readonly provide?: (project: TestProject) => void;
  stop(): Promise<void>;
}

/**
 * Starts Redis (by `startRedisFor`), Mosquitto and InfluxDB in a fresh temporary directory, provides their
 * addresses to the tests, and answers the teardown. Shared by the standalone run and `npm run test:cluster`.
 */
export async function startTestServices(project: TestProject, dirPrefix: string, startRedisFor: (dir: string) => Promise<TestRedis>) {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const services: Array<{ stop(): Promise<void> }> = [];
  try {
    // allSettled: when one service fails to start, the others are still stopped below.
    const started = await Promise.allSettled([
      startRedisFor(join(dir, 'redis')),
      startMosquitto({ dir: join(dir, 'mosquitto'), accounts: testAccounts }),
      startInflux({ dir: join(dir, 'influx') }),
    ]);
    for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [redis, mosquitto, influx] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      TestRedis, Awaited<ReturnType<typeof startMosquitto>>, LocalService,
    ];
    project.provide('redisMode', redis.mode);
    project.provide('redisUrl', redis.url);
    redis.provide?.(project);
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

export default async function setup(project: TestProject) {
  return startTestServices(project, 'fleet-rescue-test-', async (dir) => {
    const redis = await startRedis({ dir });
    return { mode: 'standalone', url: redis.url, stop: () => redis.stop() };
  });
}
