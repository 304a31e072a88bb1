// VIN → customer lookups for the ingest hot path, filled lazily from the registry hash. The map is a view of
// the shared registry cache (infra/registry-cache.ts): a vehicle write bumps the vehicle version counter, the
// next batch gets a fresh, empty map, so a newly imported or re-assigned truck is seen at once.
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import type { Vehicle } from '../core/registry.ts';
import type { RegistryCache } from '../infra/registry-cache.ts';

export function createVehicleDirectory(deps: { redis: Pick<Redis, 'hmget'>; cache: RegistryCache; prefix: string; maxEntries?: number }) {
  const keys = redisKeys(deps.prefix);
  const maxEntries = deps.maxEntries ?? 1_000_000;
  const entries = deps.cache.view(['vehicle'], async () => new Map<string, string | null>());

  /** customerId per VIN; null for a VIN that is not in the registry. */
  async function customersOf(vins: Iterable<string>): Promise<Map<string, string | null>> {
    const cache = await entries.current();
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
