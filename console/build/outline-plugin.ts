// Vite plugin: emits the decoded China province outline (the console's offline base layer) as
// `china-provinces.geojson` next to index.html, and serves it from the dev server. Decoded at build
// time from echarts' map data in node_modules; nothing of that data is kept in the repository.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';
import { loadRegionMap } from '../../infra/regions-data.ts';
import { decodeEchartsMap } from './echarts-geo.ts';

export const OUTLINE_FILE = 'china-provinces.geojson';
/** GB/T 2260 code → name and centre of every province and prefecture (region names, city labels). */
export const REGIONS_FILE = 'china-regions.json';
/** Prefecture boundaries as lines, for the offline base map at closer zoom. */
export const CITIES_FILE = 'china-cities.geojson';

export function regionsText(): string {
  const regions = loadRegionMap().all().map((r) => [r.code, r.name, Math.round(r.lat * 1000) / 1000, Math.round(r.lon * 1000) / 1000]);
  return JSON.stringify(regions);
}

export function citiesText(): string {
  const require = createRequire(import.meta.url);
  const path = require.resolve('echarts/map/json/china-cities.json');
  const collection = decodeEchartsMap(JSON.parse(readFileSync(path, 'utf8')));
  // Thin lines at country-to-city zoom: keep a vertex only when it is ≥ 0.05° (~5 km) from the last kept
  // one, rounded to 0.01°. 10 MB of vertices become a few hundred kB that still read as city borders.
  const thin = (ring: Array<[number, number]>): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    for (const [x, y] of ring) {
      const last = out[out.length - 1];
      if (!last || Math.abs(x - last[0]) >= 0.05 || Math.abs(y - last[1]) >= 0.05) out.push([Math.round(x * 100) / 100, Math.round(y * 100) / 100]);
    }
    if (out.length && ring.length) out.push([Math.round(ring[ring.length - 1]![0] * 100) / 100, Math.round(ring[ring.length - 1]![1] * 100) / 100]);
    return out;
  };
  const features = collection.features.map((f) => {
    const rings = f.geometry.type === 'Polygon' ? f.geometry.coordinates : f.geometry.coordinates.flat();
    return {
      type: 'Feature',
      properties: { code: f.id ?? f.properties['id'] },
      geometry: { type: 'MultiLineString', coordinates: rings.map(thin).filter((r) => r.length >= 4) },
    };
  });
  return JSON.stringify({ type: 'FeatureCollection', features });
}

export function chinaOutlineText(): string {
  const require = createRequire(import.meta.url);
  const path = require.resolve('echarts/map/json/china.json');
  const collection = decodeEchartsMap(JSON.parse(readFileSync(path, 'utf8')));
  // Keep only what the map draws: the GB/T 2260 code and the name.
  for (const f of collection.features) f.properties = { code: f.id ?? f.properties['id'], name: f.properties['name'] };
  return JSON.stringify(collection);
}

export function chinaOutlinePlugin(): Plugin {
  const files = new Map<string, () => string>([[OUTLINE_FILE, chinaOutlineText], [REGIONS_FILE, regionsText], [CITIES_FILE, citiesText]]);
  const cache = new Map<string, string>();
  const text = (name: string) => {
    if (!cache.has(name)) cache.set(name, files.get(name)!());
    return cache.get(name)!;
  };
  return {
    name: 'china-outline',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = [...files.keys()].find((f) => req.url?.endsWith(`/${f}`));
        if (!name) return next();
        res.setHeader('content-type', name.endsWith('.json') ? 'application/json' : 'application/geo+json');
        res.end(text(name));
      });
    },
    generateBundle() {
      for (const name of files.keys()) this.emitFile({ type: 'asset', fileName: name, source: text(name) });
    },
  };
}
