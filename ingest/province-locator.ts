// The ingester's position → province lookup for the live GEO index (core/regions.ts geoIndexRegion): the province
// boundaries of echarts' china.json (34 areas, 60 KB), read from node_modules at start. Not the full region map
// (infra/regions-data.ts, ≈ 370 prefectures and their adjacency): that takes seconds to build on a loaded machine,
// which every ingester restart would wait for.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildProvinceLocator, type ProvinceLocator, type Ring } from '../core/regions.ts';
import { decodeRing } from '../infra/regions-data.ts';

const GRID = 1024;

interface ProvinceFeature {
  id: string;
  properties: { cp?: [number, number] };
  geometry:
    | { type: 'Polygon'; coordinates: string[]; encodeOffsets: Array<[number, number]> }
    | { type: 'MultiPolygon'; coordinates: string[][]; encodeOffsets: Array<Array<[number, number]>> };
}

let cached: ProvinceLocator | undefined;

export function loadProvinceLocator(): ProvinceLocator {
  if (cached) return cached;
  const path = createRequire(import.meta.url).resolve('echarts/map/json/china.json');
  const map = JSON.parse(readFileSync(path, 'utf8')) as { UTF8Encoding?: boolean; features?: ProvinceFeature[] };
  if (!map.UTF8Encoding || !Array.isArray(map.features)) throw new Error(`${path} is not an encoded echarts map`);
  const provinces = map.features.map((f) => {
    const g = f.geometry;
    const rings: Ring[] = g.type === 'Polygon'
      ? g.coordinates.map((ring, i) => decodeRing(ring, g.encodeOffsets[i]!))
      : g.coordinates.flatMap((polygon, i) => polygon.map((ring, j) => decodeRing(ring, g.encodeOffsets[i]![j]!)));
    const first = rings[0] ?? [];
    const centre: [number, number] = f.properties.cp ?? [
      first.reduce((a, v) => a + v[0], 0) / Math.max(1, first.length) / GRID,
      first.reduce((a, v) => a + v[1], 0) / Math.max(1, first.length) / GRID,
    ];
    return { code: f.id, centre, rings };
  });
  cached = buildProvinceLocator(provinces, GRID);
  return cached;
}
