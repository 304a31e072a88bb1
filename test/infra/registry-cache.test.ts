// The one registry cache (infra/registry-cache.ts) against a real Redis and the real registry store: a view is
// built once however many callers wait, reused while the kinds it depends on are unchanged, and rebuilt after
// a write to one of them by any process (here: a second store on its own connection).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import type { Station } from '../../core/registry.ts';
import { createRegistryCache } from '../../infra/registry-cache.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { clearNamespace, testServices } from '../harness/context.ts';

const services = testServices('registrycache');
let redis: Redis;
let other: Redis;

const station = (id: string): Station => ({
  id, name: `Station ${id}`, lat: 31.8, lon: 117.2, region: '340100', hours: '24h', capabilities: ['heavy-duty'],
  vans: 1, rating: 4, partsCategories: [], active: true,
});

beforeAll(() => {
  redis = createRedis(services, 'fail-fast');
  other = createRedis(services, 'fail-fast');
});
afterAll(async () => {
  await clearNamespace(redis, services);
  redis.disconnect();
  other.disconnect();
});

describe('registry cache', () => {
  it('builds once for concurrent callers, reuses while unchanged, rebuilds after a write elsewhere', async () => {
    const registry = createRegistryStore({ redis, prefix: services.redisPrefix });
    const elsewhere = createRegistryStore({ redis: other, prefix: services.redisPrefix });
    await registry.putMany('station', [station('A')]);
    const cache = createRegistryCache({ redis, keys: redisKeys(services.redisPrefix) });
    let builds = 0;
    const ids = cache.view(['station'], async () => {
      builds++;
      return (await registry.list('station')).map((s) => s.id).sort();
    });
    const first = await Promise.all(Array.from({ length: 10 }, () => ids.current()));
    expect(first.every((v) => v.join() === 'A')).toBe(true);
    expect(builds).toBe(1);
    expect(await ids.current()).toEqual(['A']);
    expect(builds).toBe(1);

    await elsewhere.putMany('station', [station('B')]);
    expect(await ids.current()).toEqual(['A', 'B']);
    expect(builds).toBe(2);

    // A write to a kind the view does not depend on leaves it alone.
    await elsewhere.putMany('depot', [{ id: 'D1', name: 'Depot', lat: 31, lon: 117, region: '340100', partsCategories: [], active: true }]);
    await ids.current();
    expect(builds).toBe(2);
  });

  it('answers `at` from versions the caller read itself, and a failed build is retried by the next read', async () => {
    const cache = createRegistryCache({ redis, keys: redisKeys(services.redisPrefix) });
    let fail = true;
    const view = cache.view(['advisor'], async () => {
      if (fail) throw new Error('registry unavailable');
      return 'built';
    });
    await expect(view.current()).rejects.toThrow('registry unavailable');
    fail = false;
    const versions = await redis.mget(...view.versionKeys);
    expect(await view.at(versions)).toBe('built');
  });
});
