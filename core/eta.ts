// The one estimated-time-of-arrival model of the system: a rescue van's drive from a station to a point.
// Used by the dispatcher's candidate ranking and by coverage analysis (core/coverage.ts), so both agree.
//   road km   = great-circle km × circuity (roads are not straight; 1.3 is a common planning factor)
//   drive min = road km driven through speed bands (slow city streets first, then highway), cumulative,
//               so the drive time grows strictly with distance and a farther station is never "faster"
//   ETA min   = station mobilisation minutes (accept → van rolling) + drive min

export interface SpeedBand {
  /** Upper end of the band in road km (Infinity for the last band). */
  readonly untilKm: number;
  readonly kmh: number;
}

export interface EtaModel {
  readonly circuity: number;
  readonly speedBands: readonly SpeedBand[];
  /** Used for stations that do not state their own mobilisation time. */
  readonly defaultMobilisationMin: number;
}

export const DEFAULT_SPEED_BANDS: readonly SpeedBand[] = Object.freeze([
  { untilKm: 10, kmh: 35 },
  { untilKm: 50, kmh: 55 },
  { untilKm: 150, kmh: 70 },
  { untilKm: Infinity, kmh: 80 },
]);

export function createEtaModel(opts: Partial<EtaModel> = {}): EtaModel {
  const model: EtaModel = {
    circuity: opts.circuity ?? 1.3,
    speedBands: opts.speedBands ?? DEFAULT_SPEED_BANDS,
    defaultMobilisationMin: opts.defaultMobilisationMin ?? 15,
  };
  if (!(model.circuity >= 1 && model.circuity <= 5)) throw new RangeError(`circuity must be within 1–5 (got ${model.circuity})`);
  let previous = 0;
  for (const band of model.speedBands) {
    if (!(band.untilKm > previous) || !(band.kmh > 0)) throw new RangeError('speed bands must have increasing limits and positive speeds');
    previous = band.untilKm;
  }
  if (previous !== Infinity) throw new RangeError('the last speed band must be open-ended (untilKm: Infinity)');
  return Object.freeze(model);
}

export const DEFAULT_ETA_MODEL = createEtaModel();

/** Mean Earth radius (IUGG). */
export const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/** Haversine great-circle distance in km. */
export function greatCircleKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Minutes of driving for a great-circle distance. */
export function driveMinutes(greatCircleDistanceKm: number, model: EtaModel = DEFAULT_ETA_MODEL): number {
  let remaining = greatCircleDistanceKm * model.circuity;
  let from = 0;
  let minutes = 0;
  const bands = model.speedBands;
  // An indexed loop: for…of over the (frozen) band array was a measured hot spot of candidate search.
  for (let i = 0; i < bands.length; i++) {
    const band = bands[i]!;
    if (remaining <= 0) break;
    const inBand = Math.min(remaining, band.untilKm - from);
    minutes += (inBand / band.kmh) * 60;
    remaining -= inBand;
    from = band.untilKm;
  }
  return minutes;
}

export function mobilisationMinutes(station: { mobilisationMin?: number | undefined }, model: EtaModel = DEFAULT_ETA_MODEL): number {
  return station.mobilisationMin ?? model.defaultMobilisationMin;
}

/** Minutes from a station accepting a rescue to its van arriving at the point. */
export function etaMinutes(
  station: { lat: number; lon: number; mobilisationMin?: number | undefined },
  point: { lat: number; lon: number },
  model: EtaModel = DEFAULT_ETA_MODEL,
): number {
  return mobilisationMinutes(station, model) + driveMinutes(greatCircleKm(station.lat, station.lon, point.lat, point.lon), model);
}
