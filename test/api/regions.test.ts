// The region model on the real echarts boundary data: position → prefecture, adjacency, the
// "in or adjacent" rule of fixed-point assignments.
import { describe, expect, it } from 'vitest';
import { loadRegionMap } from '../../infra/regions-data.ts';

const regions = loadRegionMap();

describe('regions (GB/T 2260, echarts boundaries)', () => {
  it('has every province and prefecture-level city', () => {
    const all = regions.all();
    // 34 province-level codes; municipalities, Hong Kong, Macau and Taiwan are also their own prefecture.
    expect(all.filter((r) => r.code.endsWith('0000'))).toHaveLength(34);
    expect(regions.get('110000')).toMatchObject({ name: '北京', level: 'prefecture', provinceCode: '110000' });
    expect(all.filter((r) => r.level === 'prefecture').length).toBeGreaterThan(330);
    expect(regions.get('340100')).toMatchObject({ name: '合肥', level: 'prefecture', provinceCode: '340000' });
  });

  it('locates positions by point-in-polygon, including municipalities and a county-level city', () => {
    const at = (lat: number, lon: number) => regions.locate(lat, lon)?.code;
    expect(at(39.9042, 116.4074)).toBe('110000'); // Beijing (municipality)
    expect(at(31.2304, 121.4737)).toBe('310000'); // Shanghai
    expect(at(22.5431, 114.0579)).toBe('440300'); // Shenzhen
    expect(at(32.06, 118.79)).toBe('320100'); // Nanjing
    expect(at(31.86, 117.28)).toBe('340100'); // Hefei
    // Xiantao (429004) is directly under Hubei; it is attributed to a Hubei prefecture.
    expect(regions.get(at(30.36, 113.45)!)?.provinceCode).toBe('420000');
    expect(at(35, 150)).toBeUndefined(); // Pacific
  });

  it('knows which prefectures share a border', () => {
    expect(regions.neighbours('340100')).toEqual(expect.arrayContaining(['340200', '340400', '340500', '341100', '341500']));
    expect(regions.neighbours('340100')).not.toContain('320100');
    expect(regions.inOrAdjacent('341100', '320100')).toBe(true); // Chuzhou borders Nanjing
    expect(regions.inOrAdjacent('340100', '320100')).toBe(false);
    expect(regions.inOrAdjacent('340100', '340000')).toBe(true); // in the province
    expect(regions.inOrAdjacent('110000', '130000')).toBe(true); // Beijing borders Hebei
    expect(regions.inOrAdjacent('110000', '440300')).toBe(false);
  });
});

describe('prepared rings', () => {
  it('answer exactly like plain ray casting on real boundaries', async () => {
    const { readFileSync } = await import('node:fs');
    const { createRequire } = await import('node:module');
    const { decodeRing } = await import('../../infra/regions-data.ts');
    const { pointInRing, prepareRing } = await import('../../core/regions.ts');
    const file = createRequire(import.meta.url).resolve('echarts/map/json/china-cities.json');
    const features = JSON.parse(readFileSync(file, 'utf8')).features as Array<{ geometry: { type: string; coordinates: unknown; encodeOffsets: unknown } }>;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let checked = 0;
    let inside = 0;
    for (const f of features.slice(0, 60)) {
      const g = f.geometry;
      const encoded = (g.type === 'Polygon' ? g.coordinates : (g.coordinates as string[][])[0]) as string[];
      const offsets = (g.type === 'Polygon' ? g.encodeOffsets : (g.encodeOffsets as number[][][])[0]) as Array<[number, number]>;
      const ring = decodeRing(encoded[0]!, offsets[0]!);
      const prepared = prepareRing(ring);
      const xs = ring.map((v) => v[0]);
      const ys = ring.map((v) => v[1]);
      const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      for (let i = 0; i < 200; i++) {
        const x = minX + random() * (maxX - minX);
        const y = minY + random() * (maxY - minY);
        const expected = pointInRing(x, y, ring);
        expect(prepared.contains(x, y)).toBe(expected);
        checked++;
        if (expected) inside++;
      }
    }
    expect(checked).toBe(12_000);
    expect(inside).toBeGreaterThan(3000); // both outcomes are exercised
  });
});
