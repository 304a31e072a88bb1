// Base-map settings: the bundled offline outline by default, or an XYZ tile URL (production). Chinese
// tile providers mostly use the GCJ-02 datum while trucks report WGS-84, so positions are converted
// when the tile source says so. Stored in localStorage; `?tiles=<url>&datum=gcj02` overrides for a visit.
export type Datum = 'wgs84' | 'gcj02';

export interface MapSettings {
  /** XYZ template such as https://tile.example/{z}/{x}/{y}.png; empty = offline outline. */
  readonly tileUrl: string;
  readonly datum: Datum;
  readonly attribution: string;
}

const KEY = 'fleet-console.map';
export const OFFLINE: MapSettings = { tileUrl: '', datum: 'wgs84', attribution: '' };

function sanitize(raw: Partial<MapSettings>): MapSettings {
  const tileUrl = typeof raw.tileUrl === 'string' && /^https?:\/\/.+\{z\}.+/.test(raw.tileUrl) ? raw.tileUrl : '';
  return {
    tileUrl,
    datum: raw.datum === 'gcj02' && tileUrl ? 'gcj02' : 'wgs84',
    attribution: typeof raw.attribution === 'string' ? raw.attribution.slice(0, 200) : '',
  };
}

export function loadMapSettings(search = location.search): MapSettings {
  const params = new URLSearchParams(search);
  const tiles = params.get('tiles');
  if (tiles !== null) {
    if (tiles === '' || tiles === 'offline') return OFFLINE;
    return sanitize({ tileUrl: tiles, datum: params.get('datum') === 'gcj02' ? 'gcj02' : 'wgs84', attribution: params.get('attribution') ?? '' });
  }
  try {
    return sanitize(JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<MapSettings>);
  } catch {
    return OFFLINE;
  }
}

/** Saves settings; returns what was kept (an unusable URL falls back to the offline outline). */
export function saveMapSettings(settings: Partial<MapSettings>): MapSettings {
  const clean = sanitize(settings);
  localStorage.setItem(KEY, JSON.stringify(clean));
  return clean;
}
