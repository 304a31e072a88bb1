// Read use cases of the service network behind the API's station and advisor routes: the stations nearest to a
// point by the deployment's one ETA model, the customers a station serves, the trucks an advisor looks after.
import { advisorInScope, stationInScope, type Caller } from '../core/auth.ts';
import { servingFor } from '../core/assignment-rules.ts';
import type { EtaModel } from '../core/eta.ts';
import { NotFoundError } from '../core/errors.ts';
import { isOpenAt } from '../core/opening-hours.ts';
import type { Capability, Station, Vehicle } from '../core/registry.ts';
import type { StationIndex } from '../core/station-index.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

export interface NearestQuery {
  readonly lat: number;
  readonly lon: number;
  readonly limit: number;
  readonly maxKm: number;
  readonly capability?: Capability;
  /** Only stations open now; otherwise every station, each with whether it is open. */
  readonly openNow?: boolean;
}

export interface AdvisedVehicle {
  vin: string;
  customerId: string;
  plate?: string;
  homeRegion?: string;
  basis: 'prefecture' | 'province' | 'lead-advisor';
}

export function createNetworkQueries(deps: {
  registry: Pick<RegistryStore, 'get' | 'getMany' | 'assignments' | 'customersOfStation' | 'customersOfAdvisor' | 'vehiclesOfCustomer'>;
  /** The station index, current with the station registry (the one registry cache). */
  stationIndex: { current(): Promise<StationIndex> };
  /** The one ETA model of the deployment (ROAD_CIRCUITY): dispatch, coverage and this answer agree. */
  etaModel: EtaModel;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());

  /** Active stations the caller may see, nearest first by estimated drive time of their rescue van. */
  async function nearestStations(caller: Caller, q: NearestQuery) {
    const at = now();
    const index = await deps.stationIndex.current();
    const eligible = (s: Station) =>
      s.active && stationInScope(caller, s.id) && (!q.capability || s.capabilities.includes(q.capability)) && (!q.openNow || isOpenAt(s.hours, at));
    // Exact least-ETA search (core/geo-knn.ts). The filter runs per station rather than through the index's
    // compiled eligibility, which always applies opening hours: this answer lists closed stations too
    // unless `openNow` is asked for.
    const ranked = index.leastEta({ lat: q.lat, lon: q.lon, limit: q.limit, maxDistanceKm: q.maxKm, filter: eligible }, deps.etaModel);
    return ranked.slice(0, q.limit).map((r) => ({
      station: r.station,
      distanceKm: Math.round(r.distanceKm * 100) / 100,
      etaMin: Math.round(r.etaMin * 10) / 10,
      openNow: isOpenAt(r.station.hours, at),
    }));
  }

  /** A page of the customers a station serves as fixed point, with the regions where it does (404 for a station the caller may not see). */
  async function customersOfStation(caller: Caller, stationId: string, page: { offset: number; limit: number }) {
    if (!stationInScope(caller, stationId) || !(await deps.registry.get('station', stationId))) throw new NotFoundError('station', stationId);
    const customerIds = (await deps.registry.customersOfStation(stationId)).sort();
    const slice = customerIds.slice(page.offset, page.offset + page.limit);
    const customers = await deps.registry.getMany('customer', slice);
    const items = await Promise.all(
      slice.map(async (customerId, i) => {
        const c = customers[i];
        const regions = (await deps.registry.assignments(customerId)).filter((a) => a.stationId === stationId).map((a) => a.region);
        return {
          id: customerId,
          name: c?.name ?? customerId,
          ...(c?.contactName ? { contactName: c.contactName } : {}),
          ...(c?.contactPhone ? { contactPhone: c.contactPhone } : {}),
          regions,
        };
      }),
    );
    return { items, total: customerIds.length };
  }

  /** The trucks an advisor looks after: by each truck's home region, with the lead advisor as fallback (404 for an advisor the caller may not see). */
  async function vehiclesOfAdvisor(caller: Caller, advisorId: string): Promise<{ customers: number; vehicles: AdvisedVehicle[] }> {
    if (!advisorInScope(caller, advisorId, new Set()) || !(await deps.registry.get('advisor', advisorId))) throw new NotFoundError('advisor', advisorId);
    const customerIds = (await deps.registry.customersOfAdvisor(advisorId)).sort();
    const result: AdvisedVehicle[] = [];
    for (const customerId of customerIds) {
      const [customer, assignments, vins] = await Promise.all([
        deps.registry.get('customer', customerId),
        deps.registry.assignments(customerId),
        deps.registry.vehiclesOfCustomer(customerId),
      ]);
      const vehicles = (await deps.registry.getMany('vehicle', vins.sort())).filter((v): v is Vehicle => v !== undefined && v.active);
      for (const v of vehicles) {
        const serving = servingFor(assignments, v.homeRegion, customer?.leadAdvisorId);
        if (serving.advisorId !== advisorId || serving.basis === 'none') continue;
        result.push({
          vin: v.vin,
          customerId,
          ...(v.plate ? { plate: v.plate } : {}),
          ...(v.homeRegion ? { homeRegion: v.homeRegion } : {}),
          basis: serving.basis,
        });
      }
    }
    return { customers: customerIds.length, vehicles: result };
  }

  return { nearestStations, customersOfStation, vehiclesOfAdvisor };
}

export type NetworkQueries = ReturnType<typeof createNetworkQueries>;
