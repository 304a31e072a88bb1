// Per-test-file namespaces on the shared test services, their Redis teardown, and condition waiting.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { RedisMode } from '../../infra/config.ts';
import type { Redis } from '../../infra/redis.ts';
import { testAccounts } from './accounts.ts';

export interface TestServices {
  /** `cluster` when the run is `npm run test:cluster` (test/harness/cluster-setup.ts), else `standalone`. */
  readonly redisMode: RedisMode;
  readonly redisUrl: string;
  readonly mqttUrl: string;
  readonly influxUrl: string;
  /** Unique per test file: use as REDIS_PREFIX / BullMQ prefix, MQTT topic root suffix and Influx database. */
  readonly namespace: string;
  readonly redisPrefix: string;
  readonly topicRoot: string;
  readonly influxDb: string;
  readonly accounts: typeof testAccounts;
  /** Environment for spawning one of our processes against this namespace. */
  env(extra?: Record<string, string>): Record<string, string>;
}

export function testServices(label: string): TestServices {
  const namespace = `${label.replace(/[^a-z0-9]/gi, '').slice(0, 20).toLowerCase()}${randomBytes(3).toString('hex')}`;
  const redisUrl = inject('redisUrl');
  const redisMode = inject('redisMode') ?? 'standalone';
  const mqttUrl = inject('mqttUrl');
  const influxUrl = inject('influxUrl');
  // REDIS_PREFIX as the processes' config reads it; their keys' prefix is a {hash tag} on a cluster (infra/config.ts).
  const rawPrefix = `t-${namespace}`;
  const redisPrefix = redisMode === 'cluster' ? `{${rawPrefix}}` : rawPrefix;
  const topicRoot = `t/${namespace}/fleet/v1`;
  const influxDb = `t_${namespace}`;
  return {
    redisMode, redisUrl, mqttUrl, influxUrl, namespace, redisPrefix, topicRoot, influxDb, accounts: testAccounts,
    env: (extra = {}) => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      REDIS_MODE: redisMode,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: rawPrefix,
      MQTT_URL: mqttUrl,
      MQTT_TOPIC_ROOT: topicRoot,
      INFLUX_URL: influxUrl,
      INFLUX_DB: influxDb,
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'test-jwt-secret-at-least-32-characters-long',
      ...extra,
    }),
  };
}

/** Polls `condition` until it returns a truthy value (which is returned) or the timeout passes. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const intervalMs = opts.intervalMs ?? 25;
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started > timeoutMs) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}${reason}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Deletes every Redis key of the test file's namespace (in chunks): the teardown of a file that wrote to Redis. */
export async function clearNamespace(redis: Pick<Redis, 'keys' | 'del'>, services: Pick<TestServices, 'redisPrefix'>): Promise<void> {
  const keys = await redis.keys(`${services.redisPrefix}:*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
}
