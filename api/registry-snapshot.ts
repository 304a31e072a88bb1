// The small, read-mostly parts of the registry that hot routes need whole (customers with their assignments,
// stations, advisors), as maps in memory. Each kind is one view of the shared registry cache
// (infra/registry-cache.ts): a route reads the version counters in the same round trip as its other data.
import type { Advisor, Assignment, Customer, Station } from '../core/registry.ts';
import type { RegistryCache } from '../infra/registry-cache.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

export interface CustomerEntry {
  customer: Customer;
  assignments: Assignment[];
}

export interface RegistrySnapshotMaps {
  customers: ReadonlyMap<string, CustomerEntry>;
  stations: ReadonlyMap<string, Station>;
  advisors: ReadonlyMap<string, Advisor>;
}

export function createRegistrySnapshot(cache: RegistryCache, registry: Pick<RegistryStore, 'list' | 'assignments'>) {
  const customers = cache.view(['customer'], async () => {
    const list = await registry.list('customer');
    const all = await Promise.all(list.map((c) => registry.assignments(c.id)));
    return new Map(list.map((customer, i) => [customer.id, { customer, assignments: all[i]! }]));
  });
  const stations = cache.view(['station'], async () => new Map((await registry.list('station')).map((s) => [s.id, s])));
  const advisors = cache.view(['advisor'], async () => new Map((await registry.list('advisor')).map((a) => [a.id, a])));
  return {
    /** Counters to read with the route's other data; their values, in order, are what `at` expects. */
    versionKeys: [...customers.versionKeys, ...stations.versionKeys, ...advisors.versionKeys] as const,
    async at(versions: ReadonlyArray<string | null | undefined>): Promise<RegistrySnapshotMaps> {
      const [c, s, a] = await Promise.all([customers.at([versions[0]]), stations.at([versions[1]]), advisors.at([versions[2]])]);
      return { customers: c, stations: s, advisors: a };
    },
  };
}

export type RegistrySnapshot = ReturnType<typeof createRegistrySnapshot>;
