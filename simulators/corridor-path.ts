// A trunk corridor as a drivable polyline through real city centres, densified so that positions look
// like a road, with the road distance = straight distance × circuity (trunk expressways ≈ 1.2).
import type { City } from './cities.ts';
import type { Corridor } from './china-corridors.ts';
import { bearingDeg, distanceKm, lerp, type LatLon } from './geo.ts';

export const DEFAULT_CIRCUITY = 1.2;

export interface CorridorPath {
  readonly id: string;
  readonly circuity: number;
  readonly points: readonly LatLon[];
  /** Cumulative straight-line km at each point. */
  readonly cumKm: readonly number[];
  /** Straight-line km of each city of the corridor, in order. */
  readonly cityKm: readonly number[];
  readonly cityCodes: readonly string[];
  readonly totalKm: number;
}

export function buildCorridorPath(corridor: Corridor, cities: readonly City[], opts: { circuity?: number; stepKm?: number } = {}): CorridorPath {
  const stepKm = opts.stepKm ?? 5;
  const byName = new Map(cities.map((c) => [c.name, c]));
  const stops = corridor.cities.map((name) => {
    const city = byName.get(name);
    if (!city) throw new Error(`corridor ${corridor.id}: unknown city ${name}`);
    return city;
  });
  const points: LatLon[] = [{ lat: stops[0]!.lat, lon: stops[0]!.lon }];
  const cumKm = [0];
  const cityKm = [0];
  for (let i = 1; i < stops.length; i++) {
    const a = stops[i - 1]!;
    const b = stops[i]!;
    const segments = Math.max(1, Math.ceil(distanceKm(a, b) / stepKm));
    for (let s = 1; s <= segments; s++) {
      const p = lerp(a, b, s / segments);
      cumKm.push(cumKm[cumKm.length - 1]! + distanceKm(points[points.length - 1]!, p));
      points.push(p);
    }
    cityKm.push(cumKm[cumKm.length - 1]!);
  }
  return {
    id: corridor.id, circuity: opts.circuity ?? DEFAULT_CIRCUITY, points, cumKm, cityKm,
    cityCodes: stops.map((c) => c.code), totalKm: cumKm[cumKm.length - 1]!,
  };
}

/** Position and heading at `km` (straight-line km from the first city), heading for travel direction `dir`. */
export function pointAt(path: CorridorPath, km: number, dir: 1 | -1): { lat: number; lon: number; heading: number } {
  const x = Math.max(0, Math.min(path.totalKm, km));
  // Binary search for the segment containing x.
  let lo = 0;
  let hi = path.cumKm.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (path.cumKm[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const a = path.points[lo]!;
  const b = path.points[hi]!;
  const span = path.cumKm[hi]! - path.cumKm[lo]!;
  const p = span > 0 ? lerp(a, b, (x - path.cumKm[lo]!) / span) : a;
  const heading = dir === 1 ? bearingDeg(a, b) : bearingDeg(b, a);
  return { lat: p.lat, lon: p.lon, heading };
}
