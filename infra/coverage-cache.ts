// Redis cache of coverage answers. The key hashes the request together with the registry versions it
// depends on (stations; customers, which assignments bump; vehicles, which size the window), so a change
// to any of them makes older answers unreachable at once; they then expire by TTL. Identical requests
// in flight in this process share one computation.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';

export interface CoverageCacheOptions {
  /** Lifetime of an answer whose range ended more than `freshMs` ago. */
  readonly ttlS: number;
  /** Lifetime of an answer whose range reaches into the last `freshMs` (data may still arrive). */
  readonly recentTtlS: number;
  readonly freshMs: number;
}

export function createCoverageCache(deps: { redis: Redis; prefix: string }, opts: CoverageCacheOptions) {
  const keys = redisKeys(deps.prefix);
  const inFlight = new Map<string, Promise<unknown>>();
  const { recentTtlS, freshMs } = opts;

  async function keyOf(parts: Record<string, unknown>): Promise<string> {
    const versions = await deps.redis.mget(keys.registryVersion('station'), keys.registryVersion('customer'), keys.registryVersion('vehicle'));
    const hash = createHash('sha256').update(JSON.stringify({ parts, versions })).digest('base64url').slice(0, 32);
    return keys.coverageCache(hash);
  }

  /** The cached answer for `parts`, or `compute()`'s, stored for the next caller. */
  async function getOrCompute<T>(parts: Record<string, unknown> & { toMs?: number }, compute: () => Promise<T>): Promise<{ value: T; cached: boolean }> {
    const key = await keyOf(parts);
    const hit = await deps.redis.get(key);
    if (hit !== null) return { value: JSON.parse(hit) as T, cached: true };
    let pending = inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = (async () => {
        const value = await compute();
        const recent = typeof parts.toMs === 'number' && parts.toMs > Date.now() - freshMs;
        await deps.redis.set(key, JSON.stringify(value), 'EX', recent ? recentTtlS : opts.ttlS);
        return value;
      })().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return { value: await pending, cached: false };
  }

  return { getOrCompute, keyOf };
}

export type CoverageCache = ReturnType<typeof createCoverageCache>;
