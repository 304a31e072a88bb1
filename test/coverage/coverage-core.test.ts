// Route coverage, pure part: analytic cases with known answers, the site suggestion's stated gain, and
// agreement with a brute-force computation on the generated network.
import { describe, expect, it } from 'vitest';
import { computeCoverage, createEtaField, DEFAULT_COVERAGE_OPTIONS, type CoverageOptions, type PositionSample } from '../../core/coverage.ts';
import { suggestSites, type CandidateSite } from '../../core/coverage-sites.ts';
import { DEFAULT_ETA_MODEL, etaMinutes, greatCircleKm } from '../../core/eta.ts';
import { isOpenAt } from '../../core/opening-hours.ts';
import type { Station } from '../../core/registry.ts';
import { generateNetwork, DEFAULT_NETWORK_OPTIONS } from '../../simulators/network.ts';
import { loadChinaCities } from '../../simulators/cities.ts';
import { createRandom } from '../../core/prng.ts';

const model = DEFAULT_ETA_MODEL;
const KM_PER_DEG_LAT = greatCircleKm(0, 114, 1, 114);
const LON = 114;
const LAT0 = 25;
/** A point `km` north of the route start, on the meridian (straight lines in lat/lon are great circles there). */
const routePoint = (km: number) => ({ lat: LAT0 + km / KM_PER_DEG_LAT, lon: LON });

function station(id: string, at: { lat: number; lon: number }, over: Partial<Station> = {}): Station {
  return {
    id, name: `Station ${id}`, lat: at.lat, lon: at.lon, region: '440100', hours: '24h',
    capabilities: ['heavy-duty', 'engine'], vans: 2, rating: 4, partsCategories: ['engine'], active: true, ...over,
  };
}

/** One truck driving the route north at a constant speed, one sample per `stepS`. */
function drive(vin: string, fromKm: number, toKm: number, kmh: number, stepS: number, start = Date.UTC(2026, 10, 16, 0, 0, 0)): PositionSample[] {
  const out: PositionSample[] = [];
  const stepKm = (kmh * stepS) / 3600;
  for (let i = 0; ; i++) {
    const km = Math.min(toKm, fromKm + i * stepKm);
    out.push({ vin, time: start + i * stepS * 1000, ...routePoint(km) });
    if (km >= toKm) break;
  }
  return out;
}

/** How far along the route a station at its start reaches within `minutes` (bisection on the shared ETA model). */
function radiusFor(minutes: number, st: Station): number {
  let lo = 0;
  let hi = 2000;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (etaMinutes(st, routePoint(mid), model) <= minutes) lo = mid;
    else hi = mid;
  }
  return lo;
}

const options = (over: Partial<CoverageOptions> = {}): CoverageOptions => ({ ...DEFAULT_COVERAGE_OPTIONS, maxGapMs: 5 * 60_000, ...over });
const noRegion = () => 'R';

describe('coverage on a straight 600 km route', () => {
  const T = 90;
  // Three capable stations on the route: two whole intervals inside it and one past its end, placed so that
  // exactly 300 of the 600 km are within 90 minutes. A closer station without the capability, an inactive
  // one and one without vans sit in the uncovered half and must not count.
  const probe = station('probe', routePoint(0));
  const r = radiusFor(T, probe);
  const s1 = station('s1', routePoint(r));
  const s2 = station('s2', routePoint(200 + r));
  const third = 300 - 4 * r;
  const s3 = station('s3', routePoint(600 - third + r));
  const decoys = [
    station('tyre-only', routePoint(350), { capabilities: ['tyre'] }),
    station('closed-for-good', routePoint(420), { active: false }),
    station('no-vans', routePoint(480), { vans: 0 }),
  ];
  const network = [s1, s2, s3, ...decoys];
  const samples = drive('LTRUCK00000000001', 0, 600, 80, 60);

  it('reports 50 % ± 1 % of kilometres and of driving hours', () => {
    expect(r).toBeGreaterThan(20);
    expect(third).toBeGreaterThan(0);
    const result = computeCoverage({
      samples, network: createEtaField(network, model, { capability: 'engine', horizonMin: 240 }), regionOf: noRegion, options: options({ thresholdMin: T }),
    });
    expect(result.overall.km).toBeCloseTo(600, 0);
    expect(Math.abs(result.overall.kmShare - 0.5)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(result.overall.hoursShare - 0.5)).toBeLessThanOrEqual(0.01);
    expect(result.trucks).toBe(1);
    expect(result.regions.map((x) => x.region)).toEqual(['R']);
    // Uncovered: [2r+... ] one gap between s1 and s2 (r..200-r... ) and one between s2 and s3.
    expect(result.gaps.length).toBe(2);
    const total = result.gaps.reduce((sum, g) => sum + g.kmDriven, 0);
    expect(total).toBeCloseTo(300, 0);
    // The nearest station of every gap is at least the threshold away, and capable (no decoy).
    for (const g of result.gaps) {
      expect(['s1', 's2', 's3']).toContain(g.nearestStationId);
      expect(g.nearestEtaMin!).toBeGreaterThanOrEqual(T - 0.5);
      expect(g.maxEtaMin!).toBeGreaterThan(g.nearestEtaMin!);
    }
    // The larger gap (s2 → s3) ranks first, and its span is its length along the route.
    const [first, second] = result.gaps;
    expect(first!.kmDriven).toBeGreaterThan(second!.kmDriven);
    expect(first!.lengthKm).toBeCloseTo(first!.kmDriven, -1);
  });

  it('counts only fixed-point stations in the fixed-point measure', () => {
    const result = computeCoverage({
      samples,
      network: createEtaField(network, model, { capability: 'engine', horizonMin: 240 }),
      fixedPoints: createEtaField([s2], model, { capability: 'engine', horizonMin: 240 }),
      regionOf: (lat) => (lat < routePoint(300).lat ? 'south' : 'north'),
      options: options({ thresholdMin: T }),
    });
    // s2 alone covers 2r of the route.
    expect(Math.abs(result.fixedPoint!.kmShare - (2 * r) / 600)).toBeLessThanOrEqual(0.01);
    const south = result.regions.find((x) => x.region === 'south')!;
    const north = result.regions.find((x) => x.region === 'north')!;
    expect(south.km + north.km).toBeCloseTo(600, 0);
    expect(south.fixedPoint!.coveredKm + north.fixedPoint!.coveredKm).toBeCloseTo(result.fixedPoint!.coveredKm, 1);
    // South half [0,300]: s1 covers [0, 2r], s2 covers [200, 200+2r] capped at 300.
    expect(south.coveredKm).toBeCloseTo(2 * r + 100, 0);
  });

  it('adding the suggested site raises coverage by the stated gain', () => {
    const before = computeCoverage({
      samples, network: createEtaField(network, model, { capability: 'engine', horizonMin: 240 }), regionOf: noRegion, options: options({ thresholdMin: T }),
    });
    const sites: CandidateSite[] = [
      { id: 'far-away', kind: 'city', name: 'Far away', ...routePoint(300), lon: LON + 3, lacks: [] },
      { id: 'km-320', kind: 'city', name: 'Km 320', ...routePoint(320), lacks: [] },
      { id: 'km-100', kind: 'city', name: 'Km 100 (already covered)', ...routePoint(100), lacks: [] },
      { id: 'km-450', kind: 'city', name: 'Km 450', ...routePoint(450), lacks: [] },
    ];
    const picks = suggestSites({
      cells: before.uncoveredCells, sites, k: 2, thresholdMin: T, totalKm: before.overall.km, coveredKm: before.overall.coveredKm, model,
    });
    expect(picks.length).toBe(2);
    // km-450 sits in the middle of the longer gap (s2 → s3); it must win and be followed by km-320.
    expect(picks.map((p) => p.site.id)).toEqual(['km-450', 'km-320']);
    let previous = before;
    const added: Station[] = [];
    for (const pick of picks) {
      added.push(station(pick.site.id, pick.site));
      const after = computeCoverage({
        samples,
        network: createEtaField([...network, ...added], model, { capability: 'engine', horizonMin: 240 }),
        regionOf: noRegion,
        options: options({ thresholdMin: T }),
      });
      const raised = after.overall.coveredKm - previous.overall.coveredKm;
      expect(pick.gainKm).toBeGreaterThan(10);
      expect(Math.abs(raised - pick.gainKm)).toBeLessThanOrEqual(0.01 * after.overall.km);
      expect(Math.abs(after.overall.kmShare - pick.kmShareAfter)).toBeLessThanOrEqual(0.01);
      previous = after;
    }
  });

  it('skips offline gaps and standing time instead of drawing a line across them', () => {
    const start = Date.UTC(2026, 10, 16, 0, 0, 0);
    // Drives 0–200 km, offline for the next 2 h (160 km not reported), then reports 360–600 km; parks 3 h at the end.
    const first = drive('LTRUCK00000000002', 0, 200, 80, 60, start);
    const t1 = first[first.length - 1]!.time;
    const second = drive('LTRUCK00000000002', 360, 600, 80, 60, t1 + 2 * 3_600_000);
    const t2 = second[second.length - 1]!.time;
    const parked = Array.from({ length: 180 }, (_, i) => ({ vin: 'LTRUCK00000000002', time: t2 + (i + 1) * 60_000, ...routePoint(600) }));
    const result = computeCoverage({
      samples: [...parked, ...second, ...first], // order does not matter
      network: createEtaField(network, model, { capability: 'engine', horizonMin: 240 }),
      regionOf: noRegion,
      options: options({ thresholdMin: T }),
    });
    expect(result.offlineGaps).toBe(1);
    expect(result.overall.km).toBeCloseTo(440, 0);
    expect(result.overall.hours).toBeCloseTo(440 / 80, 2);
    // Covered: [0, 2r] + [200, 200] (nothing: the truck was offline from km 200) + [600-third, 600].
    expect(result.overall.coveredKm).toBeCloseTo(2 * r + third, 0);
  });
});

describe('agreement with a brute-force computation on the generated network', () => {
  it('covered share within 1 % of a 200 m brute-force walk over every station', () => {
    const cities = loadChinaCities();
    const net = generateNetwork(cities, { ...DEFAULT_NETWORK_OPTIONS, seed: 7, vehicles: 50, customers: 2 });
    const rng = createRandom(11);
    const T = 60;
    const capability = 'engine' as const;
    // ~25 trucks, each driving from a random city towards another one within 300–700 km, 2 min samples,
    // at a time of day when some stations are closed (opening hours are part of the model).
    const samples: PositionSample[] = [];
    const start = Date.UTC(2026, 10, 16, 14, 0, 0); // 22:00 China time
    for (let t = 0; samples.length < 25 * 100 && t < 1000; t++) {
      const a = cities[Math.floor(rng.next() * cities.length)]!;
      const b = cities.find((c) => {
        const d = greatCircleKm(a.lat, a.lon, c.lat, c.lon);
        return d > 300 && d < 700 && rng.next() < 0.2;
      });
      if (!b) continue;
      const km = greatCircleKm(a.lat, a.lon, b.lat, b.lon);
      const steps = Math.ceil(km / (75 * (2 / 60)));
      const vin = `LBRUTE${String(t).padStart(11, '0')}`;
      for (let i = 0; i <= steps; i++) {
        samples.push({ vin, time: start + i * 120_000, lat: a.lat + ((b.lat - a.lat) * i) / steps, lon: a.lon + ((b.lon - a.lon) * i) / steps });
      }
    }
    const result = computeCoverage({
      samples, network: createEtaField(net.stations, model, { capability, horizonMin: 240 }), regionOf: noRegion, options: options({ thresholdMin: T }),
    });

    // Brute force: walk every stretch in ≤200 m steps and scan every station.
    const eligible = net.stations.filter((s) => s.active && s.vans > 0 && s.capabilities.includes(capability));
    let total = 0;
    let covered = 0;
    const byVin = new Map<string, PositionSample[]>();
    for (const s of samples) byVin.set(s.vin, [...(byVin.get(s.vin) ?? []), s]);
    for (const list of byVin.values()) {
      for (let i = 1; i < list.length; i++) {
        const a = list[i - 1]!;
        const b = list[i]!;
        const km = greatCircleKm(a.lat, a.lon, b.lat, b.lon);
        const n = Math.max(1, Math.ceil(km / 0.2));
        // Pruning only: a station more than 200 km from the stretch is hours away, far beyond T.
        const mid = { lat: (a.lat + b.lat) / 2, lon: (a.lon + b.lon) / 2 };
        const open = eligible.filter((s) => isOpenAt(s.hours, new Date(a.time)) && greatCircleKm(s.lat, s.lon, mid.lat, mid.lon) < 200 + km);
        for (let j = 0; j < n; j++) {
          const f = (j + 0.5) / n;
          const p = { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
          let best = Infinity;
          for (const s of open) best = Math.min(best, etaMinutes(s, p, model));
          total += km / n;
          if (best <= T) covered += km / n;
        }
      }
    }
    expect(total).toBeGreaterThan(5000);
    expect(covered / total).toBeGreaterThan(0.05);
    expect(covered / total).toBeLessThan(0.95);
    expect(Math.abs(result.overall.km - total) / total).toBeLessThan(0.001);
    expect(Math.abs(result.overall.kmShare - covered / total)).toBeLessThanOrEqual(0.01);
  });
});
