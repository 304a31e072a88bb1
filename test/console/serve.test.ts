// The API serves the built console at /console/ without a token (the console asks for one itself),
// including the decoded province outline, and the API routes stay protected.
import { existsSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST } from '../../api/routes/console.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { buildConsole } from './build.ts';

let harness: ApiHarness;

beforeAll(async () => {
  await buildConsole();
  harness = await startApiHarness('consoleserve');
});
afterAll(async () => harness?.close());

describe('console static files', () => {
  it('redirects /console to /console/ and serves index.html without a token', async () => {
    const redirect = await harness.app.inject({ method: 'GET', url: '/console' });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/console/');

    const index = await harness.app.inject({ method: 'GET', url: '/console/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.body).toContain('<div id="app">');
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    expect(script).toBeDefined();

    const js = await harness.app.inject({ method: 'GET', url: script! });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
  });

  it('serves the China province outline decoded from the echarts map data', async () => {
    const res = await harness.app.inject({ method: 'GET', url: '/console/china-provinces.geojson' });
    expect(res.statusCode).toBe(200);
    const fc = res.json() as { type: string; features: Array<{ properties: { code: string; name: string }; geometry: { type: string; coordinates: unknown } }> };
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(34);
    const beijing = fc.features.find((f) => f.properties.code === '110000');
    expect(beijing?.properties.name).toBe('北京');
    // Beijing's centre (116.40 E, 39.90 N) lies inside its decoded outline's bounding box.
    const ring = (beijing!.geometry.type === 'Polygon' ? (beijing!.geometry.coordinates as number[][][])[0] : (beijing!.geometry.coordinates as number[][][][])[0]![0])!;
    const lons = ring.map((p) => p[0]!);
    const lats = ring.map((p) => p[1]!);
    expect(Math.min(...lons)).toBeLessThan(116.4);
    expect(Math.max(...lons)).toBeGreaterThan(116.4);
    expect(Math.min(...lats)).toBeLessThan(39.9);
    expect(Math.max(...lats)).toBeGreaterThan(39.9);
  });

  it('sends the pre-compressed copy to a browser that accepts it, the same bytes once decoded', async () => {
    const plain = await harness.app.inject({ method: 'GET', url: '/console/china-provinces.geojson' });
    const br = await harness.app.inject({ method: 'GET', url: '/console/china-provinces.geojson', headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(brotliDecompressSync(br.rawPayload).equals(plain.rawPayload)).toBe(true);
    const gz = await harness.app.inject({ method: 'GET', url: '/console/china-provinces.geojson', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).equals(plain.rawPayload)).toBe(true);
  });

  it('does not serve files outside the build and keeps the API behind the token', async () => {
    expect(existsSync(`${CONSOLE_DIST}index.html`)).toBe(true);
    const traversal = await harness.app.inject({ method: 'GET', url: '/console/../package.json' });
    expect(traversal.body).not.toContain('"fleet-rescue"');
    const missing = await harness.app.inject({ method: 'GET', url: '/console/nope.js' });
    expect(missing.statusCode).toBe(404);
    const api = await harness.app.inject({ method: 'GET', url: '/v1/stations' });
    expect(api.statusCode).toBe(401);
    // The static files are not part of the API contract.
    const openapi = (await harness.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
    expect(Object.keys(openapi.paths)).toContain('/v1/rescues');
  });
});
