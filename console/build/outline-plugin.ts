// Vite plugin: emits the decoded China province outline (the console's offline base layer) as
// `china-provinces.geojson` next to index.html, and serves it from the dev server. Decoded at build
// time from echarts' map data in node_modules; nothing of that data is kept in the repository.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';
import { decodeEchartsMap } from './echarts-geo.ts';

export const OUTLINE_FILE = 'china-provinces.geojson';

export function chinaOutlineText(): string {
  const require = createRequire(import.meta.url);
  const path = require.resolve('echarts/map/json/china.json');
  const collection = decodeEchartsMap(JSON.parse(readFileSync(path, 'utf8')));
  // Keep only what the map draws: the GB/T 2260 code and the name.
  for (const f of collection.features) f.properties = { code: f.id ?? f.properties['id'], name: f.properties['name'] };
  return JSON.stringify(collection);
}

export function chinaOutlinePlugin(): Plugin {
  let text: string | undefined;
  const outline = () => (text ??= chinaOutlineText());
  return {
    name: 'china-outline',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!req.url?.endsWith(`/${OUTLINE_FILE}`)) return next();
        res.setHeader('content-type', 'application/geo+json');
        res.end(outline());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: OUTLINE_FILE, source: outline() });
    },
  };
}
