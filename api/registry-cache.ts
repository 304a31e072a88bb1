// In-process copy of the small, read-mostly parts of the registry (customers with their assignments,
// stations, advisors), keyed by the per-kind version counters that every write bumps. A hot route reads
// the counters in the same round trip as its other data and gets everything else from memory; a write
// anywhere (any API instance, the CLI) changes a counter and the next read reloads that kind.
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../core/keys.ts';
import type { Advisor, Assignment, Customer, Station } from '../core/registry.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

export interface RegistryVersions {
  customer: string | null;
  station: string | null;
  advisor: string | null;
}

export interface CustomerEntry {
  customer: Customer;
  assignments: Assignment[];
}

export function createRegistryCache(deps: { redis: Redis; keys: RedisKeys; registry: Pick<RegistryStore, 'list' | 'assignments'> }) {
  const { keys, registry } = deps;
  let customers: { version: string | null; byId: Map<string, CustomerEntry> } | undefined;
  let stations: { version: string | null; byId: Map<string, Station> } | undefined;
  let advisors: { version: string | null; byId: Map<string, Advisor> } | undefined;
  const loading = new Map<string, Promise<unknown>>();

  function once<T>(name: string, load: () => Promise<T>): Promise<T> {
    let p = loading.get(name) as Promise<T> | undefined;
    if (!p) {
      p = load().finally(() => loading.delete(name));
      loading.set(name, p);
    }
    return p;
  }

  async function customersAt(version: string | null) {
    if (customers?.version === version) return customers.byId;
    return once(`customer:${version}`, async () => {
      const list = await registry.list('customer');
      const byId = new Map<string, CustomerEntry>();
      const all = await Promise.all(list.map((c) => registry.assignments(c.id)));
      list.forEach((customer, i) => byId.set(customer.id, { customer, assignments: all[i]! }));
      customers = { version, byId };
      return byId;
    });
  }

  async function stationsAt(version: string | null) {
    if (stations?.version === version) return stations.byId;
    return once(`station:${version}`, async () => {
      const byId = new Map((await registry.list('station')).map((s) => [s.id, s]));
      stations = { version, byId };
      return byId;
    });
  }

  async function advisorsAt(version: string | null) {
    if (advisors?.version === version) return advisors.byId;
    return once(`advisor:${version}`, async () => {
      const byId = new Map((await registry.list('advisor')).map((a) => [a.id, a]));
      advisors = { version, byId };
      return byId;
    });
  }

  return {
    /** Commands to add to a pipeline; their results, in order, are the versions `at` expects. */
    versionKeys: [keys.registryVersion('customer'), keys.registryVersion('station'), keys.registryVersion('advisor')] as const,
    async at(versions: RegistryVersions) {
      const [c, s, a] = await Promise.all([customersAt(versions.customer), stationsAt(versions.station), advisorsAt(versions.advisor)]);
      return { customers: c, stations: s, advisors: a };
    },
  };
}

export type RegistryCache = ReturnType<typeof createRegistryCache>;
