// The dispatcher's read view of the service network: the station spatial index (rebuilt when the station
// registry version changes), depots, and customers' fixed points. Reads are cheap: one GET of the version
// per call, the index itself is rebuilt only after an import or edit.
import { createStationIndex, type StationIndex } from '../core/station-index.ts';
import { greatCircleKm, etaMinutes, type EtaModel } from '../core/eta.ts';
import type { Assignment, Customer, Depot, PartsCategory } from '../core/registry.ts';
import type { RegistryCache } from '../infra/registry-cache.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { PartsDepotNeed } from '../core/rescue-case.ts';

export interface NetworkViewDeps {
  /** The process's one registry cache (infra/registry-cache.ts). */
  cache: RegistryCache;
  registry: Pick<RegistryStore, 'list' | 'get' | 'assignments'>;
  etaModel: EtaModel;
}

export function createNetworkView(deps: NetworkViewDeps) {
  const stationIndex = deps.cache.view(['station'], async () => createStationIndex(await deps.registry.list('station'), deps.etaModel));
  const activeDepots = deps.cache.view(['depot'], async () => (await deps.registry.list('depot')).filter((d) => d.active));

  /** The current station index (checks the registry version first). */
  function stations(): Promise<StationIndex> {
    return stationIndex.current();
  }

  /** Nearest active depot stocking each category. */
  async function partsDepots(point: { lat: number; lon: number }, categories: readonly PartsCategory[]): Promise<PartsDepotNeed[]> {
    const depots = await activeDepots.current();
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
