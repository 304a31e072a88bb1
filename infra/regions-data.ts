// Loads China's province and prefecture boundaries from the echarts@4.9.0 map files in node_modules at
// run time (never copied into the repo) and builds the pure region map of core/regions.ts.
// The files use echarts' compact "UTF8Encoding": each ring is a string of zig-zag encoded deltas, two
// characters per vertex, on a grid of 1/1024 degree starting at the ring's `encodeOffsets`.
// Boundaries are simplified and not authoritative; good enough to attribute a position to a region.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildRegionMap, type RegionInput, type RegionMap, type Ring } from '../core/regions.ts';

const GRID = 1024;

interface EchartsFeature {
  id: string;
  properties: { name: string; cp?: [number, number] };
  geometry:
    | { type: 'Polygon'; coordinates: string[]; encodeOffsets: Array<[number, number]> }
    | { type: 'MultiPolygon'; coordinates: string[][]; encodeOffsets: Array<Array<[number, number]>> };
}

interface EchartsMap {
  UTF8Encoding?: boolean;
  features: EchartsFeature[];
}

/** Decodes one encoded ring into integer grid vertices [lon·1024, lat·1024]. */
export function decodeRing(encoded: string, offset: readonly [number, number]): Ring {
  const ring: Array<[number, number]> = [];
  let x = offset[0];
  let y = offset[1];
  for (let i = 0; i + 1 < encoded.length; i += 2) {
    const dx = encoded.charCodeAt(i) - 64;
    const dy = encoded.charCodeAt(i + 1) - 64;
    x += (dx >> 1) ^ -(dx & 1);
    y += (dy >> 1) ^ -(dy & 1);
    ring.push([x, y]);
  }
  return ring;
}

/** Every ring of the feature. The data often stores separate parts as extra rings of one polygon. */
function allRings(feature: EchartsFeature): Ring[] {
  const g = feature.geometry;
  if (g.type === 'Polygon') return g.coordinates.map((ring, i) => decodeRing(ring, g.encodeOffsets[i]!));
  return g.coordinates.flatMap((polygon, i) => polygon.map((ring, j) => decodeRing(ring, g.encodeOffsets[i]![j]!)));
}

function readMap(path: string): EchartsMap {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as EchartsMap;
  if (!parsed.UTF8Encoding || !Array.isArray(parsed.features)) throw new Error(`${path} is not an encoded echarts map`);
  return parsed;
}

function centreOf(feature: EchartsFeature): [number, number] {
  const cp = feature.properties.cp;
  if (cp) return cp;
  // No centre point given: the middle of the bounding box of the first ring.
  const ring = allRings(feature)[0] ?? [];
  const xs = ring.map((v) => v[0]);
  const ys = ring.map((v) => v[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2 / GRID, (Math.min(...ys) + Math.max(...ys)) / 2 / GRID];
}

let cached: RegionMap | undefined;

/** The region map of China (loaded once per process; ~0.3 s). */
export function loadRegionMap(): RegionMap {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const dir = require.resolve('echarts/map/json/china.json').replace(/china\.json$/, '');
  const cities = readMap(`${dir}china-cities.json`);
  const provinces = readMap(`${dir}china.json`);
  const prefectures: RegionInput[] = cities.features.map((f) => ({
    code: f.id,
    name: f.properties.name,
    centre: centreOf(f),
    rings: allRings(f),
  }));
  cached = buildRegionMap({
    prefectures,
    provinces: provinces.features.map((f) => ({ code: f.id, name: f.properties.name, centre: centreOf(f) })),
    gridScale: GRID,
  });
  return cached;
}
