// In-memory spatial index of the service network (kd-tree over lon/lat, great-circle k-nearest search).
// Rebuilt by its owner when the station registry version changes. The static eligibility of each station
// (active with vans, capability bit mask, opening minutes in China time) is compiled once at build time,
// so a query filters hundreds of stations in a few microseconds instead of re-parsing them.
import KDBush from 'kdbush';
import { driveMinutes, greatCircleKm, mobilisationMinutes, type EtaModel } from './eta.ts';
import { createGeoKnn, type KnnCost } from './geo-knn.ts';
import { CAPABILITIES, type Capability, type Station } from './registry.ts';
import { chinaMinuteOfDay } from './opening-hours.ts';

export interface StationHit {
  readonly station: Station;
  readonly distanceKm: number;
}

export interface EtaHit extends StationHit {
  /** Mobilisation + drive minutes from the station to the query point. */
  readonly etaMin: number;
}

/** Static requirements checked inside the search (compiled: no per-station parsing). */
export interface Eligibility {
  readonly capabilities: readonly Capability[];
  readonly at: Date;
  readonly excludeStationIds: ReadonlySet<string>;
}

export interface NearestQuery {
  readonly lat: number;
  readonly lon: number;
  readonly limit: number;
  readonly maxDistanceKm?: number;
  /** Only stations meeting these count towards `limit`. */
  readonly eligible?: Eligibility;
  /** Any other condition a station must meet (checked after `eligible`). */
  readonly filter?: (station: Station) => boolean;
}

export interface StationIndex {
  readonly size: number;
  /** Smallest mobilisation time of any station: a lower bound used to prove a search complete. */
  readonly minMobilisationMin: number;
  get(id: string): Station | undefined;
  /** Stations by increasing great-circle distance (ties by id). */
  nearest(query: NearestQuery): StationHit[];
  /**
   * The `limit` stations with the least ETA to the point under `model`, sorted by ETA, then distance,
   * then id. Exact: one best-first pass keyed by ETA (see geo-knn.ts).
   */
  leastEta(query: NearestQuery, model: EtaModel): EtaHit[];
}

export function capabilityMask(capabilities: readonly Capability[]): number {
  let mask = 0;
  for (const c of capabilities) mask |= 1 << CAPABILITIES.indexOf(c);
  return mask;
}

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Node size 32: measured fastest for k-nearest queries on 10,000 stations (bench/dispatch.ts). */
const NODE_SIZE = 64;

export function createStationIndex(stations: readonly Station[], etaModel: EtaModel): StationIndex {
  const list = [...stations];
  const n = list.length;
  const byId = new Map(list.map((s) => [s.id, s]));
  const usable = new Uint8Array(n);
  const caps = new Uint8Array(n);
  const openFrom = new Int16Array(n);
  const openTo = new Int16Array(n);
  list.forEach((s, i) => {
    usable[i] = s.active && s.vans > 0 && !s.closed ? 1 : 0;
    caps[i] = capabilityMask(s.capabilities);
    if (s.hours === '24h') {
      openFrom[i] = 0;
      openTo[i] = 0;
    } else {
      openFrom[i] = minutes(s.hours.slice(0, 5));
      openTo[i] = minutes(s.hours.slice(6, 11));
    }
  });
  const mobilisation = new Float64Array(n);
  list.forEach((s, i) => {
    mobilisation[i] = mobilisationMinutes(s, etaModel);
  });
  const tree = new KDBush(n, NODE_SIZE);
  for (const s of list) tree.add(s.lon, s.lat);
  tree.finish();
  const knn = createGeoKnn(tree);
  const minMobilisationMin = n > 0 ? Math.min(...mobilisation) : 0;
  const etaCost = { model: etaModel, fixed: mobilisation, minFixed: minMobilisationMin };
  /** Another model's mobilisation defaults (rare: the index is rebuilt when the model changes). */
  const otherCosts = new WeakMap<EtaModel, typeof etaCost>();
  function etaCostFor(model: EtaModel): typeof etaCost {
    let cost = otherCosts.get(model);
    if (!cost) {
      const fixed = Float64Array.from(list, (s) => mobilisationMinutes(s, model));
      otherCosts.set(model, (cost = { model, fixed, minFixed: n > 0 ? Math.min(...fixed) : 0 }));
    }
    return cost;
  }

  function predicate(e: Eligibility | undefined, filter?: (station: Station) => boolean): (i: number) => boolean {
    if (filter) {
      const compiled = predicate(e);
      return (i) => compiled(i) && filter(list[i]!);
    }
    if (!e) return () => true;
    const need = capabilityMask(e.capabilities);
    const now = chinaMinuteOfDay(e.at);
    const exclude = e.excludeStationIds;
    return (i) => {
      if (usable[i] === 0 || (caps[i]! & need) !== need) return false;
      const from = openFrom[i]!;
      const to = openTo[i]!;
      if (from !== to && (from < to ? now < from || now >= to : now < from && now >= to)) return false;
      return exclude.size === 0 || !exclude.has(list[i]!.id);
    };
  }

  /**
   * Best-first search; keeps going past `limit` only through exact ties, then sorts deterministically.
   * The search's distances come from a chord formula; the hits carry greatCircleKm / etaMinutes values
   * recomputed here, so they equal what the rest of the system computes for the same pair, bit for bit.
   */
  function collect<T extends StationHit>(query: NearestQuery, cost: KnnCost, make: (i: number) => T, order: (a: T, b: T) => number): T[] {
    const out: T[] = [];
    if (query.limit <= 0) return out;
    knn.search(query.lat, query.lon, query.maxDistanceKm ?? Infinity, cost, query.limit, (i, _km, key) => {
      out.push(make(i));
      return out.length < query.limit ? Infinity : key;
    });
    out.sort(order);
    if (out.length > query.limit) out.length = query.limit;
    return out;
  }

  const byKm = (a: StationHit, b: StationHit) => a.distanceKm - b.distanceKm || (a.station.id < b.station.id ? -1 : a.station.id > b.station.id ? 1 : 0);
  const byEta = (a: EtaHit, b: EtaHit) => a.etaMin - b.etaMin || byKm(a, b);

  return {
    size: n,
    minMobilisationMin,
    get: (id) => byId.get(id),
    nearest(query) {
      const cost: KnnCost = { accept: predicate(query.eligible, query.filter) };
      return collect(query, cost, (i) => ({ station: list[i]!, distanceKm: greatCircleKm(query.lat, query.lon, list[i]!.lat, list[i]!.lon) }), byKm);
    },
    leastEta(query, model) {
      const cost: KnnCost = { accept: predicate(query.eligible, query.filter), eta: model === etaModel ? etaCost : etaCostFor(model) };
      return collect(
        query,
        cost,
        (i) => {
          const station = list[i]!;
          // etaMinutes(station, query, model), with the distance computed once (haversine is symmetric bit for bit).
          const distanceKm = greatCircleKm(query.lat, query.lon, station.lat, station.lon);
          return { station, distanceKm, etaMin: mobilisationMinutes(station, model) + driveMinutes(distanceKm, model) };
        },
        byEta,
      );
    },
  };
}
