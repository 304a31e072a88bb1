// The exact best-first search under the station index: the box bound never over-estimates, and the search
// returns what brute force returns, worldwide (poles, antimeridian, ties) and for a custom cost.
import { describe, expect, it } from 'vitest';
import KDBush from 'kdbush';
import { createEtaModel, driveMinutes, greatCircleKm } from '../../core/eta.ts';
import { boxDistanceKm, createGeoKnn, type KnnCost } from '../../core/geo-knn.ts';
import { seededRandom } from './fixtures.ts';

describe('boxDistanceKm', () => {
  it('is a lower bound of, and close to, the distance to every point of the box (5,000 random boxes)', () => {
    const rnd = seededRandom(11);
    for (let i = 0; i < 5000; i++) {
      const lat = rnd() * 178 - 89;
      const lon = rnd() * 360 - 180;
      const a = rnd() * 360 - 180;
      const b = a + rnd() * (180 - a);
      const c = rnd() * 180 - 90;
      const d = c + rnd() * (90 - c) * (rnd() < 0.5 ? 0.05 : 1);
      const bound = boxDistanceKm(lat, lon, Float64Array.of(a, c, b, d), 0);
      let min = Infinity;
      // The boundary holds the nearest point of a box the query point is not in; sample it densely.
      for (let k = 0; k <= 200; k++) {
        const t = k / 200;
        min = Math.min(
          min,
          greatCircleKm(lat, lon, c + (d - c) * t, a),
          greatCircleKm(lat, lon, c + (d - c) * t, b),
          greatCircleKm(lat, lon, c, a + (b - a) * t),
          greatCircleKm(lat, lon, d, a + (b - a) * t),
        );
      }
      const inside = lon >= a && lon <= b && lat >= c && lat <= d;
      if (inside) expect(bound).toBe(0);
      else {
        expect(bound).toBeLessThanOrEqual(min + 1e-6);
        // Dense sampling over-estimates the true minimum by at most half a sampling step.
        expect(min - bound).toBeLessThan(greatCircleKm(c, a, d, b) / 200 + 1e-6);
      }
    }
  });
});

describe('createGeoKnn', () => {
  const rnd = seededRandom(5);
  // Worldwide points with clusters on the antimeridian and near both poles, and exact duplicates (ties).
  const points: { lat: number; lon: number }[] = [];
  for (let i = 0; i < 4000; i++) points.push({ lat: rnd() * 180 - 90, lon: rnd() * 360 - 180 });
  for (let i = 0; i < 300; i++) points.push({ lat: rnd() * 20 - 10, lon: rnd() < 0.5 ? 179.5 + rnd() * 0.5 : -180 + rnd() * 0.5 });
  for (let i = 0; i < 200; i++) points.push({ lat: 89 + rnd(), lon: rnd() * 360 - 180 }, { lat: -89 - rnd(), lon: rnd() * 360 - 180 });
  for (let i = 0; i < 50; i++) points.push({ ...points[i]! });
  const tree = new KDBush(points.length, 16);
  for (const p of points) tree.add(p.lon, p.lat);
  tree.finish();
  const knn = createGeoKnn(tree);
  const weight = Float64Array.from(points, (_, i) => (i * 7919) % 60); // per-item fixed minutes, like a mobilisation time

  function run(lat: number, lon: number, want: number, maxKm: number, cost: KnnCost) {
    const out: { id: number; key: number }[] = [];
    knn.search(lat, lon, maxKm, cost, want, (id, _km, key) => {
      out.push({ id, key });
      return out.length < want ? Infinity : key;
    });
    return out;
  }

  it('returns the nearest items by great-circle distance, as brute force does', () => {
    const queries = [
      { lat: 0, lon: 179.9 }, { lat: 5, lon: -179.99 }, { lat: 89.9, lon: 0 }, { lat: -89.5, lon: 120 },
      ...Array.from({ length: 150 }, () => ({ lat: rnd() * 180 - 90, lon: rnd() * 360 - 180 })),
    ];
    for (const q of queries) {
      const want = 1 + Math.floor(rnd() * 20);
      const maxKm = rnd() < 0.3 ? 300 : Infinity;
      const accept = (id: number) => id % 3 !== 0;
      const got = run(q.lat, q.lon, want, maxKm, { accept });
      const expected = points
        .map((p, id) => ({ id, km: greatCircleKm(p.lat, p.lon, q.lat, q.lon) }))
        .filter((p) => accept(p.id) && p.km <= maxKm)
        .sort((a, b) => a.km - b.km)
        .slice(0, want);
      // Exact ties may come back in any order and beyond `want`; compare distances (the search's chord
      // formula and haversine agree to ~1e-11 km), then that nothing farther came back.
      expect(got.length).toBeGreaterThanOrEqual(expected.length);
      got.slice(0, expected.length).forEach((g, k) => expect(Math.abs(g.key - expected[k]!.km)).toBeLessThan(1e-8));
      const last = expected[expected.length - 1]?.km ?? -1;
      expect(got.every((g) => g.key <= last + 1e-8)).toBe(true);
    }
  });

  it('ranks by ETA with a per-item fixed part, visiting in non-decreasing order', () => {
    const model = createEtaModel({ circuity: 1.4 });
    const cost: KnnCost = { accept: () => true, eta: { model, fixed: weight, minFixed: 0 } };
    for (let i = 0; i < 100; i++) {
      const q = { lat: rnd() * 180 - 90, lon: rnd() * 360 - 180 };
      const got = run(q.lat, q.lon, 10, Infinity, cost);
      const expected = points
        .map((p, id) => weight[id]! + driveMinutes(greatCircleKm(p.lat, p.lon, q.lat, q.lon), model))
        .sort((a, b) => a - b)
        .slice(0, 10);
      got.slice(0, 10).forEach((g, k) => expect(Math.abs(g.key - expected[k]!)).toBeLessThan(1e-8));
      for (let k = 1; k < got.length; k++) expect(got[k]!.key).toBeGreaterThanOrEqual(got[k - 1]!.key);
    }
  });

  it('an empty tree finds nothing', () => {
    const empty = new KDBush(0);
    empty.finish();
    const found: number[] = [];
    createGeoKnn(empty).search(0, 0, Infinity, { accept: () => true }, 5, (id) => {
      found.push(id);
      return Infinity;
    });
    expect(found).toEqual([]);
  });
});
