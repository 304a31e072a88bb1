// A coverage answer as GeoJSON for a map: covered and uncovered lines (deduplicated on a ~1 km grid), the
// capable stations around the driven area, and the gaps' centroids. Pure: no I/O.
import type { CoverageResult } from '../core/coverage.ts';
import type { Capability, Station } from '../core/registry.ts';

export interface GeoJsonFeatureCollection {
  readonly type: 'FeatureCollection';
  readonly features: Array<{ type: 'Feature'; geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }>;
}

/** More segments than this make a map unusable; the rest are left out (the report still counts them). */
const MAX_GEOJSON_SEGMENTS = 50_000;
/** Degrees around the driven area within which stations are shown. */
const STATION_MARGIN_DEG = 1;

export function coverageFeatures(input: {
  result: Pick<CoverageResult, 'lines' | 'overall' | 'gaps'>;
  stations: readonly Station[];
  fixed: readonly Station[];
  capability: Capability;
  maxGaps: number;
}): GeoJsonFeatureCollection {
  const { result, stations, fixed, capability, maxGaps } = input;
  const snap = (v: number) => Math.round(v * 100) / 100;
  const seen = new Set<string>();
  const covered: Array<Array<[number, number]>> = [];
  const uncovered: Array<Array<[number, number]>> = [];
  for (const line of result.lines) {
    if (covered.length + uncovered.length >= MAX_GEOJSON_SEGMENTS) break;
    const [a, b] = line.coordinates as [[number, number], [number, number]];
    const p: [number, number] = [snap(a[0]), snap(a[1])];
    const q: [number, number] = [snap(b[0]), snap(b[1])];
    if (p[0] === q[0] && p[1] === q[1]) continue;
    const key = `${line.covered ? 1 : 0}|${p[0] < q[0] || (p[0] === q[0] && p[1] < q[1]) ? `${p}|${q}` : `${q}|${p}`}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (line.covered ? covered : uncovered).push([p, q]);
  }
  const fixedIds = new Set(fixed.map((s) => s.id));
  let minLon = Infinity, minLat = Infinity, maxLon = -Infinity, maxLat = -Infinity;
  for (const seg of [...covered, ...uncovered]) {
    for (const [lon, lat] of seg) {
      minLon = Math.min(minLon, lon); maxLon = Math.max(maxLon, lon);
      minLat = Math.min(minLat, lat); maxLat = Math.max(maxLat, lat);
    }
  }
  const m = STATION_MARGIN_DEG;
  const nearby = stations.filter((s) => s.active && s.capabilities.includes(capability) &&
    s.lon >= minLon - m && s.lon <= maxLon + m && s.lat >= minLat - m && s.lat <= maxLat + m);
  return {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', geometry: { type: 'MultiLineString', coordinates: covered }, properties: { kind: 'covered', covered: true, km: result.overall.coveredKm } },
      { type: 'Feature', geometry: { type: 'MultiLineString', coordinates: uncovered }, properties: { kind: 'uncovered', covered: false, km: result.overall.km - result.overall.coveredKm } },
      ...nearby.map((s) => ({
        type: 'Feature' as const,
        geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
        properties: { kind: 'station', stationId: s.id, name: s.name, fixedPoint: fixedIds.has(s.id), vans: s.vans, rating: s.rating, hours: s.hours },
      })),
      ...result.gaps.slice(0, maxGaps).map((g) => ({
        type: 'Feature' as const,
        geometry: { type: 'Point', coordinates: [g.centroid.lon, g.centroid.lat] },
        properties: { kind: 'gap', rank: g.rank, kmDriven: g.kmDriven, trucks: g.trucks, lengthKm: g.lengthKm, nearestStationId: g.nearestStationId, nearestEtaMin: g.nearestEtaMin },
      })),
    ],
  };
}
