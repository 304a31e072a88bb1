// Synthetic fleet history for the coverage benchmark: trucks shuttling between real city centres (echarts
// data, read at run time), loading and resting at stops, going offline now and then, one position every
// `stepS` seconds. Deterministic per seed. Produces InfluxDB line protocol directly, one truck at a time.
import type { City } from '../simulators/cities.ts';
import { createRandom, type Random } from '../core/prng.ts';
import { greatCircleKm } from '../core/eta.ts';
import { withCheckDigit } from '../core/vin.ts';

export interface FleetHistoryOptions {
  readonly trucks: number;
  readonly days: number;
  readonly stepS: number;
  readonly seed: number;
  readonly startMs: number;
  readonly customerId: string;
}

/** A valid VIN (check digit set) for bench truck number `i` (< 1,000,000). */
export function benchVin(i: number): string {
  return withCheckDigit(`LBCVBKX10RA${String(i).padStart(6, '0')}`);
}

function pickCity(rng: Random, cities: readonly City[], weights: readonly number[]): City {
  return cities[rng.weightedIndex(weights)]!;
}

function nextTarget(rng: Random, from: City, cities: readonly City[]): City {
  for (let attempt = 0; attempt < 200; attempt++) {
    const c = cities[Math.floor(rng.next() * cities.length)]!;
    const d = greatCircleKm(from.lat, from.lon, c.lat, c.lon);
    if (d > 120 && d < 700) return c;
  }
  return cities[Math.floor(rng.next() * cities.length)]!;
}

/** Line protocol of one truck's whole history (about days × 86400 / stepS lines). */
export function truckHistoryLines(index: number, cities: readonly City[], opts: FleetHistoryOptions): string[] {
  const rng = createRandom(opts.seed * 1_000_003 + index);
  const weights = cities.map((c) => c.weight);
  const vin = benchVin(index);
  const prefix = `position,customer=${opts.customerId},vin=${vin} `;
  const lines: string[] = [];
  let at = pickCity(rng, cities, weights);
  let lat = at.lat + rng.range(-0.05, 0.05);
  let lon = at.lon + rng.range(-0.05, 0.05);
  let target = nextTarget(rng, at, cities);
  let speed = rng.range(65, 88);
  let standUntil = opts.startMs + rng.range(0, 6) * 3_600_000;
  let drivenToday = 0;
  let offlineUntil = 0;
  const end = opts.startMs + opts.days * 86_400_000;
  const stepMs = opts.stepS * 1000;
  for (let t = opts.startMs; t < end; t += stepMs) {
    let v = 0;
    if (t >= standUntil) {
      const remainingKm = greatCircleKm(lat, lon, target.lat, target.lon);
      const stepKm = (speed * opts.stepS) / 3600;
      if (remainingKm <= stepKm) {
        lat = target.lat;
        lon = target.lon;
        at = target;
        target = nextTarget(rng, at, cities);
        speed = rng.range(65, 88);
        standUntil = t + rng.range(0.5, 4) * 3_600_000; // loading / unloading
      } else {
        const f = stepKm / remainingKm;
        lat += (target.lat - lat) * f;
        lon += (target.lon - lon) * f;
        v = speed;
        drivenToday += opts.stepS;
        if (drivenToday > 10 * 3600) {
          drivenToday = 0;
          standUntil = t + rng.range(8, 11) * 3_600_000; // daily rest at a service area
        }
      }
    }
    if (t >= offlineUntil && rng.next() < opts.stepS / 3600 / 30) offlineUntil = t + rng.range(0.3, 2) * 3_600_000; // ~ one outage per 30 h
    if (t < offlineUntil) continue;
    lines.push(`${prefix}lat=${lat.toFixed(5)},lon=${lon.toFixed(5)},speedKmh=${v.toFixed(1)} ${t}`);
  }
  return lines;
}
