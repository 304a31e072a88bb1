// VIN → customer lookups for the ingest hot path: a cache over the registry hash, dropped whenever the
// registry's vehicle version counter moves (one GET per batch), so a newly imported truck is accepted at once.
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import type { Vehicle } from '../core/registry.ts';

export function createVehicleDirectory(deps: { redis: Pick<Redis, 'get' | 'hmget'>; prefix: string; maxEntries?: number }) {
  const keys = redisKeys(deps.prefix);
  const maxEntries = deps.maxEntries ?? 1_000_000;
  let version: string | null | undefined;
  const cache = new Map<string, string | null>();

  /** customerId per VIN; null for a VIN that is not in the registry. */
  async function customersOf(vins: Iterable<string>): Promise<Map<string, string | null>> {
    const current = await deps.redis.get(keys.registryVersion('vehicle'));
    if (current !== version) {
      cache.clear();
      version = current;
    }
    const result = new Map<string, string | null>();
    const missing: string[] = [];
    for (const vin of vins) {
      const cached = cache.get(vin);
      if (cached !== undefined) result.set(vin, cached);
      else if (!result.has(vin)) missing.push(vin);
    }
    if (missing.length > 0) {
      const rows = await deps.redis.hmget(keys.registry('vehicle'), ...missing);
      if (cache.size + missing.length > maxEntries) cache.clear();
      missing.forEach((vin, i) => {
        let customerId: string | null = null;
        const json = rows[i];
        if (json) {
          try {
            customerId = (JSON.parse(json) as Vehicle).customerId ?? null;
          } catch {
            customerId = null;
          }
        }
        cache.set(vin, customerId);
        result.set(vin, customerId);
      });
    }
    return result;
  }

  return { customersOf };
}

export type VehicleDirectory = ReturnType<typeof createVehicleDirectory>;
