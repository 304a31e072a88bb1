// Decodes the compact geometry of echarts 4 map files (node_modules/echarts/map/json/*.json) into plain
// GeoJSON. Those files store each ring as a string: every pair of UTF-16 code units is one point, each
// coordinate zig-zag encoded as a delta from the previous point (offset by 64 so the text stays
// printable), starting from the ring's entry in `encodeOffsets`; integer units are 1/1024 degree.
// The data stays in node_modules: the console build emits the decoded outline into console/dist.

type Position = [number, number];
type Ring = Position[];

export interface GeoFeature {
  type: 'Feature';
  id?: string;
  properties: Record<string, unknown>;
  geometry: { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };
}

export interface GeoFeatureCollection {
  type: 'FeatureCollection';
  features: GeoFeature[];
}

const SCALE = 1024;

/** One encoded ring → [lon, lat] positions, rounded to 1e-4° (about 10 m; the data itself is 1/1024°). */
export function decodeRing(encoded: string, offset: readonly [number, number]): Ring {
  if (encoded.length % 2 !== 0) throw new Error(`encoded ring has an odd length (${encoded.length})`);
  const ring: Ring = [];
  let x = offset[0];
  let y = offset[1];
  for (let i = 0; i < encoded.length; i += 2) {
    x += unzigzag(encoded.charCodeAt(i) - 64);
    y += unzigzag(encoded.charCodeAt(i + 1) - 64);
    ring.push([round4(x / SCALE), round4(y / SCALE)]);
  }
  return ring;
}

function unzigzag(n: number): number {
  return (n >> 1) ^ -(n & 1);
}

function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

interface EncodedFeature {
  id?: string;
  properties?: Record<string, unknown>;
  geometry: { type: string; coordinates: unknown; encodeOffsets?: unknown };
}

/** Decodes an echarts map file; a file without `UTF8Encoding` is already plain GeoJSON and is returned as is. */
export function decodeEchartsMap(json: unknown): GeoFeatureCollection {
  const map = json as { type?: string; UTF8Encoding?: boolean; features?: EncodedFeature[] };
  if (map.type !== 'FeatureCollection' || !Array.isArray(map.features)) throw new Error('not a GeoJSON FeatureCollection');
  if (!map.UTF8Encoding) return map as unknown as GeoFeatureCollection;
  const features = map.features.map((f): GeoFeature => {
    const { type, coordinates, encodeOffsets } = f.geometry;
    const base = { type: 'Feature' as const, ...(f.id !== undefined ? { id: f.id } : {}), properties: { ...(f.properties ?? {}) } };
    if (type === 'Polygon') {
      const rings = coordinates as string[];
      const offsets = encodeOffsets as Array<[number, number]>;
      return { ...base, geometry: { type: 'Polygon', coordinates: rings.map((r, i) => decodeRing(r, offsets[i]!)) } };
    }
    if (type === 'MultiPolygon') {
      const polygons = coordinates as string[][];
      const offsets = encodeOffsets as Array<Array<[number, number]>>;
      return {
        ...base,
        geometry: { type: 'MultiPolygon', coordinates: polygons.map((p, i) => p.map((r, j) => decodeRing(r, offsets[i]![j]!))) },
      };
    }
    throw new Error(`unsupported geometry type ${type} in feature ${f.id ?? '?'}`);
  });
  return { type: 'FeatureCollection', features };
}
