// In-memory spatial index of the service network (kd-tree over lon/lat, great-circle k-nearest search).
// Rebuilt by its owner when the station registry version changes; queries are microseconds at 10,000 stations.
import KDBush from 'kdbush';
import { around } from 'geokdbush';
import { greatCircleKm, mobilisationMinutes, type EtaModel } from './eta.ts';
import type { Station } from './registry.ts';

export interface StationHit {
  readonly station: Station;
  readonly distanceKm: number;
}

export interface NearestQuery {
  readonly lat: number;
  readonly lon: number;
  readonly limit: number;
  readonly maxDistanceKm?: number;
  /** Only stations passing the filter count towards `limit`. */
  readonly filter?: (station: Station) => boolean;
}

export interface StationIndex {
  readonly size: number;
  /** Smallest mobilisation time of any station: a lower bound used to prove a search complete. */
  readonly minMobilisationMin: number;
  get(id: string): Station | undefined;
  /** Stations by increasing great-circle distance. */
  nearest(query: NearestQuery): StationHit[];
}

export function createStationIndex(stations: readonly Station[], etaModel: EtaModel): StationIndex {
  const list = [...stations];
  const byId = new Map(list.map((s) => [s.id, s]));
  const tree = list.length > 0 ? new KDBush(list.length) : undefined;
  if (tree) {
    for (const s of list) tree.add(s.lon, s.lat);
    tree.finish();
  }
  const minMobilisationMin = list.length > 0 ? Math.min(...list.map((s) => mobilisationMinutes(s, etaModel))) : 0;

  return {
    size: list.length,
    minMobilisationMin,
    get: (id) => byId.get(id),
    nearest(query) {
      if (!tree || query.limit <= 0) return [];
      const filter = query.filter;
      const ids = around(tree, query.lon, query.lat, query.limit, query.maxDistanceKm ?? Infinity, filter ? (i) => filter(list[i]!) : undefined);
      return ids.map((i) => {
        const station = list[i]!;
        return { station, distanceKm: greatCircleKm(query.lat, query.lon, station.lat, station.lon) };
      });
    },
  };
}
