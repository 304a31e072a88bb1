// The dispatcher's read view of the service network: the station spatial index (rebuilt when the station
// registry version changes), depots, and customers' fixed points. Reads are cheap: one GET of the version
// per call, the index itself is rebuilt only after an import or edit.
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { createStationIndex, type StationIndex } from '../core/station-index.ts';
import { greatCircleKm, etaMinutes, type EtaModel } from '../core/eta.ts';
import type { Assignment, Customer, Depot, PartsCategory } from '../core/registry.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { PartsDepotNeed } from '../core/rescue-case.ts';

export interface NetworkViewDeps {
  redis: Pick<Redis, 'mget'>;
  prefix: string;
  registry: Pick<RegistryStore, 'list' | 'get' | 'assignments'>;
  etaModel: EtaModel;
}

export function createNetworkView(deps: NetworkViewDeps) {
  const keys = redisKeys(deps.prefix);
  let stationVersion = -1;
  let depotVersion = -1;
  let index: StationIndex = createStationIndex([], deps.etaModel);
  let depots: Depot[] = [];
  let refreshing: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    const [sv, dv] = (await deps.redis.mget(keys.registryVersion('station'), keys.registryVersion('depot'))).map((v) => Number(v ?? 0));
    if (sv !== stationVersion) {
      const stations = await deps.registry.list('station');
      index = createStationIndex(stations, deps.etaModel);
      stationVersion = sv!;
    }
    if (dv !== depotVersion) {
      depots = (await deps.registry.list('depot')).filter((d) => d.active);
      depotVersion = dv!;
    }
  }

  /** The current station index (checks the registry version first). */
  async function stations(): Promise<StationIndex> {
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    await refreshing;
    return index;
  }

  /** Nearest active depot stocking each category. */
  async function partsDepots(point: { lat: number; lon: number }, categories: readonly PartsCategory[]): Promise<PartsDepotNeed[]> {
    await stations();
    return categories.map((category) => {
      let best: { depot: Depot; km: number } | undefined;
      for (const depot of depots) {
        if (!depot.partsCategories.includes(category)) continue;
        const km = greatCircleKm(point.lat, point.lon, depot.lat, depot.lon);
        if (!best || km < best.km) best = { depot, km };
      }
      if (!best) return { category };
      return {
        category,
        depotId: best.depot.id,
        distanceKm: Math.round(best.km * 10) / 10,
        etaMin: Math.round(etaMinutes({ ...best.depot, mobilisationMin: 0 }, point, deps.etaModel)),
      };
    });
  }

  async function customer(customerId: string): Promise<Customer | undefined> {
    return deps.registry.get('customer', customerId);
  }

  async function assignments(customerId: string): Promise<Assignment[]> {
    return deps.registry.assignments(customerId);
  }

  return { stations, partsDepots, customer, assignments };
}

export type NetworkView = ReturnType<typeof createNetworkView>;
