import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/**
 * Two kinds of connection, following BullMQ's advice: producers and request handlers fail fast
 * (a bounded number of retries per command), workers and blocking readers wait for Redis forever.
 */
export function createRedis(url: string, kind: 'fail-fast' | 'worker', extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableReadyCheck: true,
    maxRetriesPerRequest: kind === 'worker' ? null : 3,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    ...extra,
  });
}

type Corkable = NodeJS.WritableStream & { cork(): void; uncork(): void; write: (...args: never[]) => boolean };

/**
 * Coalesces the commands written to Redis during one turn of the event loop into one socket write: the
 * connection's socket is corked at the first write of a turn and uncorked at the end of the turn
 * (setImmediate), so the commands of many concurrent requests leave in one system call. This is what
 * ioredis's `enableAutoPipelining` is for, without the Pipeline object it builds per turn (measured on
 * bench:api: a socket write per command was a quarter of the API's CPU, auto-pipelining's objects 6 %).
 * Applied again to the new socket after every reconnect.
 */
export function coalesceWrites(redis: Redis): void {
  const patched = new WeakSet<object>();
  const patch = () => {
    const stream = (redis as unknown as { stream?: Corkable }).stream;
    if (!stream || patched.has(stream) || typeof stream.cork !== 'function') return;
    patched.add(stream);
    const write = stream.write;
    let corked = false;
    const uncork = () => {
      corked = false;
      stream.uncork();
    };
    stream.write = function coalescedWrite(this: Corkable, ...args: never[]) {
      if (!corked) {
        corked = true;
        stream.cork();
        setImmediate(uncork);
      }
      return write.apply(this, args);
    } as Corkable['write'];
  };
  redis.on('connect', patch);
  patch();
}

export class RedisPersistenceError extends Error {
  override readonly name = 'RedisPersistenceError';
}

/**
 * Redis is the system of record for the registry and for rescue cases: it must keep what it acknowledged
 * (AOF) and must never silently drop keys under memory pressure (noeviction). We set both and then verify,
 * refusing to run against a Redis that does not hold them (e.g. a managed Redis that forbids CONFIG SET).
 */
export async function ensureRedisDurability(redis: Redis): Promise<void> {
  try {
    await redis.config('SET', 'appendonly', 'yes');
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
  } catch {
    // Managed Redis may forbid CONFIG SET; the check below decides.
  }
  const aof = (await redis.config('GET', 'appendonly')) as string[];
  const policy = (await redis.config('GET', 'maxmemory-policy')) as string[];
  if (aof[1] !== 'yes') throw new RedisPersistenceError('Redis must run with appendonly yes (AOF persistence)');
  if (policy[1] !== 'noeviction') {
    throw new RedisPersistenceError(`Redis must run with maxmemory-policy noeviction (is ${policy[1]})`);
  }
}
