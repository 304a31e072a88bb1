// China's administrative regions as the registry uses them: provinces (XX0000) and prefecture-level
// cities (XXXX00, municipalities are their own prefecture, e.g. 110000 Beijing), by GB/T 2260 code.
// Pure: the boundary data is loaded at run time by infra/regions-data.ts and handed to buildRegionMap.
//
// Position → region: point-in-polygon on the prefecture boundaries; a position outside every polygon
// (coast, simplification gaps) falls back to the nearest prefecture centre within FALLBACK_KM.
// Adjacency: two prefectures are adjacent when their boundaries share at least two vertices (the
// source data is quantised to 1/1024°, so common borders have identical vertices).

import { greatCircleKm } from './eta.ts';

export type Ring = ReadonlyArray<readonly [lon: number, lat: number]>;

export interface RegionInput {
  code: string;
  name: string;
  /** Centre point [lon, lat]. */
  centre: readonly [number, number];
  /**
   * Rings of the region's boundary, vertices in integer grid units (see `gridScale`). A position is inside
   * when it lies inside an odd number of rings (so separate parts and holes both work).
   */
  rings: readonly Ring[];
}

export interface Region {
  readonly code: string;
  readonly name: string;
  readonly level: 'province' | 'prefecture';
  readonly provinceCode: string;
  readonly lat: number;
  readonly lon: number;
}

export interface RegionMap {
  get(code: string): Region | undefined;
  /** Every prefecture and province, sorted by code. */
  all(): readonly Region[];
  /** The prefecture (or municipality) containing the position, or undefined outside China's coverage. */
  locate(lat: number, lon: number): Region | undefined;
  /** Prefecture codes adjacent to a prefecture (sharing a border). */
  neighbours(code: string): readonly string[];
  /**
   * Whether a station in `stationRegion` may serve `region`: same region, the station's prefecture lies in
   * the province `region`, or the two share a border (a prefecture next to a province counts when it
   * borders one of the province's prefectures).
   */
  inOrAdjacent(stationRegion: string, region: string): boolean;
}

/** Positions farther than this from any prefecture centre and inside no polygon are "outside". */
export const FALLBACK_KM = 150;

/** The live GEO index's region of positions outside every province (abroad, at sea beyond FALLBACK_KM). */
export const OUTSIDE_REGIONS = 'none';

/** Position → province code (or undefined outside every province). */
export type ProvinceLocator = (lat: number, lon: number) => string | undefined;

/**
 * A province locator on the province boundaries alone (34 areas, not the ≈ 370 prefectures of buildRegionMap: the
 * ingester loads it in milliseconds): point-in-polygon, else the nearest province centre within FALLBACK_KM.
 */
export function buildProvinceLocator(
  provinces: ReadonlyArray<{ code: string; centre: readonly [number, number]; rings: readonly Ring[] }>,
  gridScale: number,
): ProvinceLocator {
  const areas = provinces.map((p) => ({ code: p.code, lat: p.centre[1], lon: p.centre[0], rings: p.rings.map((ring) => ({ ring, box: boxOf(ring) })) }));
  return (lat, lon) => {
    const x = lon * gridScale;
    const y = lat * gridScale;
    for (const { code, rings } of areas) {
      let inside = false;
      for (const { ring, box } of rings) if (inBox(x, y, box) && pointInRing(x, y, ring)) inside = !inside;
      if (inside) return code;
    }
    let nearest: { code: string; km: number } | undefined;
    for (const a of areas) {
      const km = greatCircleKm(lat, lon, a.lat, a.lon);
      if (!nearest || km < nearest.km) nearest = { code: a.code, km };
    }
    return nearest && nearest.km <= FALLBACK_KM ? nearest.code : undefined;
  };
}

/** Grid of the GEO index's region attribution, degrees (≈ 1 km): the region of a cell is the one of its centre. */
const GEO_REGION_CELL_DEG = 0.01;

/**
 * The region whose live GEO index holds a truck at this position (core/keys.ts `liveGeo`): the province of the
 * centre of the position's 0.01° cell, so the index is split into ≈ 34 keys of a few ten thousand trucks each at a
 * million trucks. A pure function of the cell (every ingester attributes a position alike); within ≈ 1 km of a
 * provincial border a truck may be indexed in the neighbour province, which a search aid can afford.
 */
export function geoIndexRegion(provinceAt: ProvinceLocator, lat: number, lon: number): string {
  const cellLat = (Math.floor(lat / GEO_REGION_CELL_DEG) + 0.5) * GEO_REGION_CELL_DEG;
  const cellLon = (Math.floor(lon / GEO_REGION_CELL_DEG) + 0.5) * GEO_REGION_CELL_DEG;
  return provinceAt(cellLat, cellLon) ?? OUTSIDE_REGIONS;
}

/**
 * `geoIndexRegion` memoised per cell (a truck stays in a cell for several reports). The memo holds at most
 * `maxCells` cells and starts afresh when full.
 */
export function createGeoIndexRegions(provinceAt: ProvinceLocator, maxCells = 200_000): (lat: number, lon: number) => string {
  const memo = new Map<number, string>();
  return (lat, lon) => {
    const row = Math.floor(lat / GEO_REGION_CELL_DEG);
    const col = Math.floor(lon / GEO_REGION_CELL_DEG);
    if (!Number.isFinite(row) || !Number.isFinite(col)) return OUTSIDE_REGIONS;
    const cell = row * 100_000 + col;
    let region = memo.get(cell);
    if (region === undefined) {
      if (memo.size >= maxCells) memo.clear();
      region = geoIndexRegion(provinceAt, lat, lon);
      memo.set(cell, region);
    }
    return region;
  };
}

export function provinceOf(code: string): string {
  return `${code.slice(0, 2)}0000`;
}

export function isProvinceCode(code: string): boolean {
  return /^[1-8][0-9]0000$/.test(code);
}

interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

function boxOf(ring: Ring): Box {
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const [x, y] of ring) {
    if (x < box.minX) box.minX = x;
    if (x > box.maxX) box.maxX = x;
    if (y < box.minY) box.minY = y;
    if (y > box.maxY) box.maxY = y;
  }
  return box;
}

function inBox(x: number, y: number, box: Box): boolean {
  return x >= box.minX && x <= box.maxX && y >= box.minY && y <= box.maxY;
}

/** Even-odd ray casting; boundary points may go either way, which is fine for region attribution. */
export function pointInRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * A ring prepared for repeated point-in-polygon tests: its edges bucketed into horizontal slabs, so a
 * test looks only at the edges that can cross the point's latitude (same answer as `pointInRing`).
 */
export interface PreparedRing {
  contains(x: number, y: number): boolean;
}

export function prepareRing(ring: Ring, slabs = 32): PreparedRing {
  const box = boxOf(ring);
  const height = (box.maxY - box.minY) / slabs || 1;
  const buckets: number[][] = Array.from({ length: slabs }, () => []);
  const slabOf = (y: number) => Math.min(slabs - 1, Math.max(0, Math.floor((y - box.minY) / height)));
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi === yj) continue; // horizontal edges never count in the crossing test
    const from = slabOf(Math.min(yi, yj));
    const to = slabOf(Math.max(yi, yj));
    for (let k = from; k <= to; k++) buckets[k]!.push(xi, yi, xj, yj);
  }
  // All slabs' edges in one array (slab k at [start[k], start[k + 1])): a few objects per ring instead of
  // one per slab, which keeps the heap of a process holding China's ~2,000 rings small for the collector.
  const start = new Int32Array(slabs + 1);
  for (let k = 0; k < slabs; k++) start[k + 1] = start[k]! + buckets[k]!.length;
  const edges = new Float64Array(start[slabs]!);
  buckets.forEach((b, k) => edges.set(b, start[k]!));
  return {
    contains(x, y) {
      if (x < box.minX || x > box.maxX || y < box.minY || y > box.maxY) return false;
      const slab = slabOf(y);
      let inside = false;
      for (let k = start[slab]!, end = start[slab + 1]!; k < end; k += 4) {
        const xi = edges[k]!, yi = edges[k + 1]!, xj = edges[k + 2]!, yj = edges[k + 3]!;
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
      return inside;
    },
  };
}

/**
 * Builds the region map. `prefectures` may include county-level cities directly under a province
 * (code not ending in 00, e.g. 429004): they are not regions of their own and their area is attributed
 * to the nearest prefecture (by centre) of the same province.
 */
export function buildRegionMap(input: {
  prefectures: readonly RegionInput[];
  provinces: ReadonlyArray<Omit<RegionInput, 'rings'>>;
  /** Grid units per degree of the rings' vertices. */
  gridScale: number;
}): RegionMap {
  const regions = new Map<string, Region>();
  for (const p of input.provinces) {
    regions.set(p.code, { code: p.code, name: p.name, level: 'province', provinceCode: p.code, lon: p.centre[0], lat: p.centre[1] });
  }
  const proper = input.prefectures.filter((p) => p.code.endsWith('00'));
  for (const p of proper) {
    // A municipality appears in both files with the same code; the prefecture entry wins.
    regions.set(p.code, { code: p.code, name: p.name, level: 'prefecture', provinceCode: provinceOf(p.code), lon: p.centre[0], lat: p.centre[1] });
  }
  const prefectureList = proper.map((p) => regions.get(p.code)!);

  function nearestPrefecture(lat: number, lon: number, province?: string): { region: Region; km: number } | undefined {
    let best: { region: Region; km: number } | undefined;
    for (const region of prefectureList) {
      if (province && region.provinceCode !== province) continue;
      const km = greatCircleKm(lat, lon, region.lat, region.lon);
      if (!best || km < best.km) best = { region, km };
    }
    return best;
  }

  // Boundaries, each attributed to its region.
  // (The raw rings are not kept: only the prepared ones, which are typed arrays.)
  const areas: Array<{ code: string; rings: PreparedRing[]; box: Box }> = [];
  const rawRings: Array<{ code: string; raw: readonly Ring[] }> = [];
  for (const p of input.prefectures) {
    const owner = p.code.endsWith('00')
      ? p.code
      : (nearestPrefecture(p.centre[1], p.centre[0], provinceOf(p.code))?.region.code ?? p.code);
    const rings = p.rings.map((ring) => prepareRing(ring));
    areas.push({ code: owner, rings, box: boxOf(p.rings.flat()) });
    rawRings.push({ code: owner, raw: p.rings });
  }

  // Adjacency from shared vertices.
  const owners = new Map<string, Set<string>>();
  for (const { code, raw } of rawRings) {
    for (const [x, y] of raw.flat()) {
      const key = `${x},${y}`;
      let set = owners.get(key);
      if (!set) owners.set(key, (set = new Set()));
      set.add(code);
    }
  }
  const shared = new Map<string, Map<string, number>>();
  for (const set of owners.values()) {
    if (set.size < 2) continue;
    for (const a of set) {
      for (const b of set) {
        if (a === b) continue;
        let counts = shared.get(a);
        if (!counts) shared.set(a, (counts = new Map()));
        counts.set(b, (counts.get(b) ?? 0) + 1);
      }
    }
  }
  const neighbourMap = new Map<string, string[]>();
  for (const [a, counts] of shared) {
    neighbourMap.set(a, [...counts].filter(([, n]) => n >= 2).map(([b]) => b).sort());
  }

  const scale = input.gridScale;
  const sorted = [...regions.values()].sort((a, b) => a.code.localeCompare(b.code));

  function prefecturesOf(code: string): string[] {
    if (!isProvinceCode(code) || regions.get(code)?.level === 'prefecture') return [code];
    return prefectureList.filter((r) => r.provinceCode === code).map((r) => r.code);
  }

  return {
    get: (code) => regions.get(code),
    all: () => sorted,
    locate(lat, lon) {
      const x = lon * scale;
      const y = lat * scale;
      for (const { code, rings, box } of areas) {
        if (!inBox(x, y, box)) continue;
        let inside = false;
        for (const ring of rings) if (ring.contains(x, y)) inside = !inside;
        if (inside) return regions.get(code);
      }
      const nearest = nearestPrefecture(lat, lon);
      return nearest && nearest.km <= FALLBACK_KM ? nearest.region : undefined;
    },
    neighbours: (code) => neighbourMap.get(code) ?? [],
    inOrAdjacent(stationRegion, region) {
      if (stationRegion === region) return true;
      const stationPrefectures = prefecturesOf(stationRegion);
      const targetPrefectures = new Set(prefecturesOf(region));
      for (const s of stationPrefectures) {
        if (targetPrefectures.has(s)) return true;
        for (const n of neighbourMap.get(s) ?? []) if (targetPrefectures.has(n)) return true;
      }
      return false;
    },
  };
}
