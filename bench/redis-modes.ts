// The benchmarks' Redis in either mode (so their figures in both modes come from the same run): a private
// standalone redis-server, or a private local cluster (3 masters + 3 replicas on loopback, as the cluster tests
// use), and what the benchmarks read from every master (INFO commandstats, INFO cpu).
import { join } from 'node:path';
import type { RedisMode } from '../infra/config.ts';
import { startRedis, startRedisCluster } from '../infra/local-services.ts';
import { keySlot, redisNodes, type Redis } from '../infra/redis.ts';

export type BenchMode = RedisMode;

/** `--mode standalone|cluster|both` (default both): the modes to run, in that order. */
export function modesArg(): BenchMode[] {
  const i = process.argv.indexOf('--mode');
  const value = i < 0 ? 'both' : process.argv[i + 1];
  if (value === 'both') return ['standalone', 'cluster'];
  if (value === 'standalone' || value === 'cluster') return [value];
  throw new Error(`--mode needs standalone, cluster or both (got ${value ?? 'nothing'})`);
}

export interface BenchRedis {
  readonly mode: BenchMode;
  /** REDIS_MODE and REDIS_URL for a process, the RedisTarget for createRedis. */
  readonly target: { redisMode: BenchMode; redisUrl: string };
  stop(): Promise<void>;
}

export async function startBenchRedis(mode: BenchMode, dir: string): Promise<BenchRedis> {
  if (mode === 'standalone') {
    const server = await startRedis({ dir: join(dir, 'redis') });
    return { mode, target: { redisMode: mode, redisUrl: server.url }, stop: () => server.stop() };
  }
  const cluster = await startRedisCluster({ dir: join(dir, 'redis-cluster') });
  return { mode, target: { redisMode: mode, redisUrl: cluster.url }, stop: () => cluster.stop() };
}

/** calls and µs per Redis command from `INFO commandstats`, summed over every master. */
export async function commandStats(redis: Redis): Promise<Record<string, { calls: number; usec: number }>> {
  const out: Record<string, { calls: number; usec: number }> = {};
  for (const node of redisNodes(redis)) {
    for (const m of (await node.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      const entry = (out[m[1]!] ??= { calls: 0, usec: 0 });
      entry.calls += Number(m[2]);
      entry.usec += Number(m[3]);
    }
  }
  return out;
}

/** Per master (by port): CPU seconds used so far (user + system of its main thread, INFO cpu) and commands run. */
export async function masterUsage(redis: Redis): Promise<Map<number, { cpuS: number; calls: number }>> {
  const out = new Map<number, { cpuS: number; calls: number }>();
  for (const node of redisNodes(redis)) {
    const info = await node.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
    let calls = 0;
    for (const m of (await node.info('commandstats')).matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) calls += Number(m[1]);
    out.set(Number(node.options.port), { cpuS: field('used_cpu_user_main_thread') + field('used_cpu_sys_main_thread') || field('used_cpu_user') + field('used_cpu_sys'), calls });
  }
  return out;
}

/** What each master did between two `masterUsage` readings over `seconds`: CPU share of one core, commands/s. */
export function usageBetween(
  before: Map<number, { cpuS: number; calls: number }>, after: Map<number, { cpuS: number; calls: number }>, seconds: number,
): Array<{ port: number; cpuShare: number; callsPerS: number }> {
  return [...after].map(([port, a]) => {
    const b = before.get(port) ?? { cpuS: 0, calls: 0 };
    return { port, cpuShare: (a.cpuS - b.cpuS) / seconds, callsPerS: (a.calls - b.calls) / seconds };
  });
}

/** The port of the master serving `key`'s slot (on a standalone Redis, its only node). */
export async function masterOf(redis: Redis, key: string): Promise<number> {
  const nodes = redisNodes(redis);
  if (nodes.length === 1) return Number(nodes[0]!.options.port);
  const slot = keySlot(key);
  const ranges = await redis.cluster('SLOTS');
  const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
  if (!master) throw new Error(`no master serves slot ${slot} of ${key}`);
  return Number(master[1]);
}
