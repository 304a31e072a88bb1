// Region names (GB/T 2260 code → name and centre), from the static file the build emits
// (china-regions.json, decoded from echarts' map data): loaded once, no API request. Names are the
// Chinese place names in both languages, as on any Chinese map.
export interface RegionInfo {
  code: string;
  name: string;
  lat: number;
  lon: number;
}

let regions: Promise<Map<string, RegionInfo>> | undefined;

export function loadRegions(): Promise<Map<string, RegionInfo>> {
  regions ??= fetch(new URL('china-regions.json', document.baseURI))
    .then((r) => {
      if (!r.ok) throw new Error(`regions answered ${r.status}`);
      return r.json() as Promise<Array<[string, string, number, number]>>;
    })
    .then((rows) => new Map(rows.map(([code, name, lat, lon]) => [code, { code, name, lat, lon }])));
  regions.catch(() => (regions = undefined));
  return regions;
}

/** The region's name, or its code when the table is not loaded or lacks it. */
export function regionName(table: Map<string, RegionInfo> | undefined, code: string | undefined): string {
  if (!code) return '–';
  return table?.get(code)?.name ?? code;
}
