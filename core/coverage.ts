// Route coverage (docs/coverage.md), pure: how quickly a capable rescue van reaches the roads a customer's trucks
// really drive. Input is the downsampled position history (one sample per truck per time window, from the
// database); output is the share of kilometres and driving hours within the threshold, overall, per region
// and against the customer's fixed-point stations only, plus the uncovered stretches merged into ranked gaps.
//
// The ETA is the dispatcher's (core/eta.ts, and the static filter of core/candidates.ts): the least ETA of
// an active, open, capable station with vans. Stretches are classified exactly without evaluating every
// metre: the least ETA changes by at most `minutesPerKm` per km (every station's ETA does; where it is above
// the threshold every station is farther away and it changes by at most `slopeAbove(threshold)`), so the
// ETAs at both ends of a stretch bound every point in between; and a station reaching both ends in time
// reaches every point between them. Only stretches these cannot decide are halved, down to `resolutionKm`,
// where the ETA is interpolated linearly.
import { staticDropReason, type CandidateRequest } from './candidates.ts';
import { driveMinutes, etaMinutes, greatCircleKm, mobilisationMinutes, type EtaModel } from './eta.ts';
import { isOpenAt } from './opening-hours.ts';
import type { Capability, Station } from './registry.ts';

const NO_EXCLUSIONS: ReadonlySet<string> = new Set();

/** One downsampled position: where a truck was at the start of a time window. */
export interface PositionSample {
  readonly vin: string;
  /** Epoch ms. */
  readonly time: number;
  readonly lat: number;
  readonly lon: number;
}

export interface EtaAtPoint {
  /** Least ETA in minutes, at most `EtaField.capMin` (reported when no station is within reach). */
  readonly etaMin: number;
  /** The station with that ETA; null when none is within reach. */
  readonly stationId: string | null;
}

/** The least ETA of a fixed set of stations as a function of position (and time, for opening hours). */
export interface EtaField {
  at(lat: number, lon: number, time: number): EtaAtPoint;
  /** The least ETA changes by at most this many minutes per great-circle km. */
  readonly minutesPerKm: number;
  /** Every station not found is at least this slow; `at` never answers more than this. */
  readonly capMin: number;
  /**
   * The least ETA's slope where it is at least `valueMin`: there every station is far enough away to drive
   * in the faster bands, so the bound is tighter than `minutesPerKm` (used to prove a piece uncovered).
   */
  slopeAbove(valueMin: number): number;
  /** ETA of one station of the field to a point (undefined when not in the field). */
  stationEta(stationId: string, lat: number, lon: number): number | undefined;
}

/** The great-circle distance a van covers in `minutes` of driving (inverse of driveMinutes). */
export function reachKm(minutes: number, model: EtaModel): number {
  if (minutes <= 0) return 0;
  let lo = 0;
  let hi = 1;
  while (driveMinutes(hi, model) < minutes) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (driveMinutes(mid, model) < minutes) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Minutes per great-circle km at the slowest speed band: an upper bound of the ETA's slope. */
export function etaSlopeMinutesPerKm(model: EtaModel): number {
  const slowest = Math.min(...model.speedBands.map((b) => b.kmh));
  return (model.circuity * 60) / slowest;
}

/** Side of the square cells (degrees) for which the stations that can be nearest are listed once. */
const FIELD_CELL_DEG = 0.5;

/**
 * The ETA field of the stations that can take a rescue needing `capability`: the dispatcher's static
 * filter (core/candidates.ts: active, vans, capability, open at that time) and ETA (core/eta.ts), exact.
 * For speed, each 0.5° cell lists once the stations that can be the fastest anywhere in it: a station whose
 * best case for the cell is slower than the worst case of an always-open station is never the answer.
 * Stations farther than `horizonMin` of driving are not searched: the field answers `capMin` there, which
 * is above `horizonMin`, so no covered/uncovered decision for thresholds up to `horizonMin` changes.
 */
export function createEtaField(stations: readonly Station[], model: EtaModel, opts: { capability: Capability; horizonMin: number }): EtaField {
  const capabilities: Capability[] = [opts.capability];
  const staticRequest: CandidateRequest = {
    lat: 0, lon: 0, capabilities, partsCategories: [], at: new Date(0), excludeStationIds: NO_EXCLUSIONS, maxDistanceKm: Infinity,
  };
  // Static part of the dispatcher's filter, once; opening hours are checked per point in time.
  const eligible = stations.filter((s) => {
    const reason = staticDropReason(s, staticRequest);
    return reason === undefined || reason === 'closed';
  });
  const minMobilisation = eligible.length > 0 ? Math.min(...eligible.map((s) => mobilisationMinutes(s, model))) : 0;
  const maxMobilisation = eligible.length > 0 ? Math.max(...eligible.map((s) => mobilisationMinutes(s, model))) : 0;
  const byId = new Map(eligible.map((s) => [s.id, s]));
  const capMin = driveMinutes(reachKm(opts.horizonMin, model), model) + minMobilisation;
  interface Entry {
    readonly s: Station;
    readonly best: number;
    /** Open (1) / closed (0) / not yet known (-1) per minute of the UTC day; null for 24 h stations. */
    readonly open: Int8Array | null;
  }
  const cells = new Map<number, Entry[]>();
  const openArrays = new Map<Station, Int8Array>();
  const cellStations = (ix: number, iy: number): Entry[] => {
    const key = (ix + 1000) * 1000 + (iy + 1000);
    let list = cells.get(key);
    if (list) return list;
    const south = iy * FIELD_CELL_DEG;
    const west = ix * FIELD_CELL_DEG;
    const north = south + FIELD_CELL_DEG;
    const east = west + FIELD_CELL_DEG;
    const corners: Array<[number, number]> = [[south, west], [south, east], [north, west], [north, east]];
    // Margins make the plane-style box distances safe bounds on the sphere at this cell size.
    const reachDeg = reachKm(opts.horizonMin, model) / 111 + 0.1;
    const bounds = eligible.filter((s) => s.lat > south - reachDeg && s.lat < north + reachDeg).map((s) => {
      const nearKm = greatCircleKm(s.lat, s.lon, Math.min(north, Math.max(south, s.lat)), Math.min(east, Math.max(west, s.lon)));
      const farKm = Math.max(...corners.map(([lat, lon]) => greatCircleKm(s.lat, s.lon, lat, lon)));
      const mob = mobilisationMinutes(s, model);
      return { s, best: mob + driveMinutes(Math.max(0, nearKm * 0.99 - 1), model), worst: mob + driveMinutes(farKm * 1.01 + 1, model) };
    });
    let limit = capMin;
    for (const b of bounds) if (b.s.hours === '24h' && b.worst < limit) limit = b.worst;
    list = bounds
      .filter((b) => b.best <= limit)
      .sort((a, b) => a.best - b.best)
      .map(({ s, best }) => {
        let open: Int8Array | null = null;
        if (s.hours !== '24h') {
          open = openArrays.get(s) ?? new Int8Array(1440).fill(-1);
          openArrays.set(s, open);
        }
        return { s, best, open };
      });
    cells.set(key, list);
    return list;
  };

  return {
    minutesPerKm: etaSlopeMinutesPerKm(model),
    capMin,
    slopeAbove(valueMin) {
      // A station's ETA ≥ valueMin means its drive ≥ valueMin − its mobilisation ≥ valueMin − maxMobilisation.
      const driveAtLeast = valueMin - maxMobilisation;
      let slope = 0;
      let fromKm = 0;
      let minutes = 0;
      for (const band of model.speedBands) {
        const endMinutes = minutes + ((band.untilKm - fromKm) / band.kmh) * 60;
        if (endMinutes > driveAtLeast) slope = Math.max(slope, (model.circuity * 60) / band.kmh);
        minutes = endMinutes;
        fromKm = band.untilKm;
      }
      return slope;
    },
    stationEta(stationId, lat, lon) {
      const station = byId.get(stationId);
      return station ? etaMinutes(station, { lat, lon }, model) : undefined;
    },
    at(lat, lon, time) {
      let etaMin = capMin;
      let stationId: string | null = null;
      // Sorted by best case: once that is no better than the answer so far, no later station can be.
      const list = cellStations(Math.floor(lon / FIELD_CELL_DEG), Math.floor(lat / FIELD_CELL_DEG));
      for (let i = 0; i < list.length; i++) {
        const { s, best, open } = list[i]!;
        if (best > etaMin) break;
        if (open) {
          // Opening hours repeat daily: each station's answer is remembered per minute of the day.
          const minute = ((Math.floor(time / 60_000) % 1440) + 1440) % 1440;
          if (open[minute]! < 0) open[minute] = isOpenAt(s.hours, new Date(time)) ? 1 : 0;
          if (open[minute] === 0) continue;
        }
        const eta = etaMinutes(s, { lat, lon }, model);
        if (eta < etaMin || (eta === etaMin && stationId !== null && s.id < stationId)) {
          etaMin = eta;
          stationId = s.id;
        }
      }
      return { etaMin, stationId };
    },
  };
}

export interface CoverageOptions {
  readonly thresholdMin: number;
  /** Consecutive samples of a truck further apart in time are an offline gap: no stretch is rebuilt across it. */
  readonly maxGapMs: number;
  /** Below this average speed between two samples the truck was standing, not driving. */
  readonly minDrivingKmh: number;
  /** Stretches are classified down to this length. */
  readonly resolutionKm: number;
  /** Uncovered stretches are gathered in square cells of this size (degrees) to merge them into gaps. */
  readonly cellDeg: number;
  /** Keep the covered/uncovered lines for a map (costs memory). */
  readonly collectLines: boolean;
}

export const DEFAULT_COVERAGE_OPTIONS: Omit<CoverageOptions, 'maxGapMs'> = Object.freeze({
  thresholdMin: 60,
  minDrivingKmh: 5,
  resolutionKm: 0.5,
  cellDeg: 0.05,
  collectLines: false,
});

export interface CoverageShare {
  readonly km: number;
  readonly hours: number;
  readonly coveredKm: number;
  readonly coveredHours: number;
  /** coveredKm / km (0 when nothing was driven). */
  readonly kmShare: number;
  readonly hoursShare: number;
}

export interface RegionCoverage extends CoverageShare {
  readonly region: string;
  /** The same region measured against the customer's fixed-point stations only. */
  readonly fixedPoint: CoverageShare | null;
}

export interface CoverageGap {
  readonly rank: number;
  /** kmDriven × trucks: how much exposure the gap represents. */
  readonly score: number;
  /** Kilometres driven inside the gap, summed over every truck and pass. */
  readonly kmDriven: number;
  readonly hoursDriven: number;
  readonly trucks: number;
  /** Span of the gap: great-circle distance between its two farthest cells. */
  readonly lengthKm: number;
  readonly regions: string[];
  readonly centroid: { readonly lat: number; readonly lon: number };
  readonly bbox: [minLon: number, minLat: number, maxLon: number, maxLat: number];
  /** The best station for the gap: least ETA to any point of it (null: none within the search horizon). */
  readonly nearestStationId: string | null;
  readonly nearestEtaMin: number | null;
  /** Worst ETA inside the gap (null: beyond the search horizon). */
  readonly maxEtaMin: number | null;
}

/** Uncovered kilometres in one grid cell: the unit of gap merging and of site selection. */
export interface UncoveredCell {
  readonly key: number;
  /** Kilometre-weighted centroid of the uncovered stretches in the cell. */
  readonly lat: number;
  readonly lon: number;
  readonly km: number;
  readonly hours: number;
  /** Trucks that drove there, as numbers distinct within one coverage result. */
  readonly trucks: readonly number[];
}

export interface CoverageLine {
  readonly covered: boolean;
  /** [lon, lat] pairs. */
  readonly coordinates: Array<[number, number]>;
}

export interface CoverageResult {
  readonly thresholdMin: number;
  readonly trucks: number;
  readonly samples: number;
  readonly stretches: number;
  /** Times a truck's history broke because it was offline longer than maxGapMs. */
  readonly offlineGaps: number;
  readonly overall: CoverageShare;
  readonly fixedPoint: CoverageShare | null;
  readonly regions: RegionCoverage[];
  readonly gaps: CoverageGap[];
  readonly uncoveredCells: UncoveredCell[];
  readonly lines: CoverageLine[];
}

export interface CoverageInputs {
  readonly samples: readonly PositionSample[];
  /** All capable stations of the network. */
  readonly network: EtaField;
  /** The customer's fixed-point stations only (a subset of the network's); omitted when it has none. */
  readonly fixedPoints?: EtaField;
  readonly regionOf: (lat: number, lon: number) => string | undefined;
  readonly options: CoverageOptions;
}

const UNKNOWN_REGION = 'unknown';

class ShareAccumulator {
  km = 0;
  hours = 0;
  coveredKm = 0;
  coveredHours = 0;
  add(km: number, hours: number, covered: boolean): void {
    this.km += km;
    this.hours += hours;
    if (covered) {
      this.coveredKm += km;
      this.coveredHours += hours;
    }
  }
  share(): CoverageShare {
    return {
      km: round(this.km, 3),
      hours: round(this.hours, 3),
      coveredKm: round(this.coveredKm, 3),
      coveredHours: round(this.coveredHours, 3),
      kmShare: this.km > 0 ? round(this.coveredKm / this.km, 5) : 0,
      hoursShare: this.hours > 0 ? round(this.coveredHours / this.hours, 5) : 0,
    };
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A piece of a stretch as fractions [from, to] of it, classified, with the ETAs at its ends. */
interface Piece {
  readonly from: number;
  readonly to: number;
  readonly covered: boolean;
  readonly etaFrom: EtaAtPoint;
  readonly etaTo: EtaAtPoint;
}

interface Stretch {
  readonly vin: string;
  readonly time: number;
  readonly lat1: number;
  readonly lon1: number;
  readonly lat2: number;
  readonly lon2: number;
  readonly km: number;
  readonly hours: number;
}

const lerp = (a: number, b: number, f: number) => a + (b - a) * f;

function regionAtFraction(s: Stretch, f: number, regionOf: (lat: number, lon: number) => string | undefined): string {
  return regionOf(lerp(s.lat1, s.lat2, f), lerp(s.lon1, s.lon2, f)) ?? UNKNOWN_REGION;
}

/**
 * Splits a stretch into covered and uncovered pieces. Bounds: on a piece of length ℓ with end ETAs e1, e2 and
 * slope L, every point's ETA lies within [(e1 + e2 − Lℓ)/2, (e1 + e2 + Lℓ)/2].
 */
export function classifyStretch(
  s: { lat1: number; lon1: number; lat2: number; lon2: number; km: number; time: number },
  field: EtaField,
  thresholdMin: number,
  resolutionKm: number,
): Piece[] {
  const e1 = field.at(s.lat1, s.lon1, s.time);
  const e2 = field.at(s.lat2, s.lon2, s.time);
  const slopeUncovered = field.slopeAbove(thresholdMin);
  // One station reaching both ends in time reaches every point between them: its distance along the
  // piece is (quasi-)convex, its drive time increasing, so the worst point is an end.
  const coveredByOne = (from: number, to: number, a: EtaAtPoint, b: EtaAtPoint): boolean => {
    if (a.etaMin <= thresholdMin && a.stationId !== null) {
      const other = field.stationEta(a.stationId, lerp(s.lat1, s.lat2, to), lerp(s.lon1, s.lon2, to));
      if (other !== undefined && other <= thresholdMin) return true;
    }
    if (b.etaMin <= thresholdMin && b.stationId !== null) {
      const other = field.stationEta(b.stationId, lerp(s.lat1, s.lat2, from), lerp(s.lon1, s.lon2, from));
      if (other !== undefined && other <= thresholdMin) return true;
    }
    return false;
  };
  const decide = (from: number, to: number, a: EtaAtPoint, b: EtaAtPoint): boolean | undefined => {
    const lengthKm = s.km * (to - from);
    const sum = a.etaMin + b.etaMin;
    if ((sum + field.minutesPerKm * lengthKm) / 2 <= thresholdMin || coveredByOne(from, to, a, b)) return true;
    if ((sum - slopeUncovered * lengthKm) / 2 > thresholdMin) return false;
    return undefined;
  };
  // Fast path (most stretches): the bounds decide the whole stretch at once.
  const whole = decide(0, 1, e1, e2);
  if (whole !== undefined) return [{ from: 0, to: 1, covered: whole, etaFrom: e1, etaTo: e2 }];
  const pieces: Piece[] = [];
  const at = (f: number) => field.at(lerp(s.lat1, s.lat2, f), lerp(s.lon1, s.lon2, f), s.time);
  const visit = (from: number, to: number, e1: EtaAtPoint, e2: EtaAtPoint): void => {
    const lengthKm = s.km * (to - from);
    const decided = decide(from, to, e1, e2);
    if (decided !== undefined) return void pieces.push({ from, to, covered: decided, etaFrom: e1, etaTo: e2 });
    if (lengthKm <= resolutionKm) {
      // Linear interpolation of the ETA inside a piece this short.
      const in1 = e1.etaMin <= thresholdMin;
      const in2 = e2.etaMin <= thresholdMin;
      if (in1 === in2) return void pieces.push({ from, to, covered: in1, etaFrom: e1, etaTo: e2 });
      const cut = from + ((thresholdMin - e1.etaMin) / (e2.etaMin - e1.etaMin)) * (to - from);
      const eCut: EtaAtPoint = { etaMin: thresholdMin, stationId: in1 ? e1.stationId : e2.stationId };
      pieces.push({ from, to: cut, covered: in1, etaFrom: e1, etaTo: eCut });
      pieces.push({ from: cut, to, covered: in2, etaFrom: eCut, etaTo: e2 });
      return;
    }
    const mid = (from + to) / 2;
    const em = at(mid);
    visit(from, mid, e1, em);
    visit(mid, to, em, e2);
  };
  visit(0, 1, e1, e2);
  // Merge neighbours of the same class (bisection leaves runs of them).
  const merged: Piece[] = [];
  for (const p of pieces) {
    const last = merged[merged.length - 1];
    if (last && last.covered === p.covered && last.to === p.from) {
      merged[merged.length - 1] = { from: last.from, to: p.to, covered: p.covered, etaFrom: last.etaFrom, etaTo: p.etaTo };
    } else {
      merged.push(p);
    }
  }
  return merged;
}

/** Rebuilds driven stretches: consecutive samples of a truck, skipping offline gaps and standing time. */
export function drivenStretches(
  samples: readonly PositionSample[],
  opts: Pick<CoverageOptions, 'maxGapMs' | 'minDrivingKmh'>,
): { stretches: Stretch[]; trucks: number; offlineGaps: number } {
  const byVin = new Map<string, PositionSample[]>();
  for (const s of samples) {
    let list = byVin.get(s.vin);
    if (!list) byVin.set(s.vin, (list = []));
    list.push(s);
  }
  const stretches: Stretch[] = [];
  let offlineGaps = 0;
  for (const [vin, list] of byVin) {
    list.sort((a, b) => a.time - b.time);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!;
      const b = list[i]!;
      const dt = b.time - a.time;
      if (dt <= 0) continue;
      if (dt > opts.maxGapMs) {
        offlineGaps++;
        continue;
      }
      const km = greatCircleKm(a.lat, a.lon, b.lat, b.lon);
      const hours = dt / 3_600_000;
      if (km / hours < opts.minDrivingKmh) continue;
      stretches.push({ vin, time: a.time, lat1: a.lat, lon1: a.lon, lat2: b.lat, lon2: b.lon, km, hours });
    }
  }
  return { stretches, trucks: byVin.size, offlineGaps };
}

/**
 * Numeric key of a grid cell (cells are indexed by floor(degrees / size)). Kept below 2^30 so V8 stores it
 * as a small integer (fast Map keys): needs |ix| < 12,000 and |iy| < 8,192, true for cells ≥ 0.015°.
 */
function cellKey(ix: number, iy: number): number {
  return (ix + 12_000) * 16_384 + (iy + 8_192);
}
export const MIN_CELL_DEG = 0.015;

/** Trucks are numbered below this in (cell, truck) visit keys. */
const TRUCKS_PER_CELL_KEY = 1 << 24;

interface CellAccumulator {
  key: number;
  index: number;
  /** Non-adjacent cells joined by a driven uncovered piece. */
  links: CellAccumulator[];
  lastTruck: number;
  ix: number;
  iy: number;
  km: number;
  hours: number;
  latKm: number;
  lonKm: number;
  trucks: number[];
  best: EtaAtPoint;
  worstMin: number;
  region: string;
}

export function computeCoverage(inputs: CoverageInputs): CoverageResult {
  const { options: opts, network, fixedPoints, regionOf } = inputs;
  if (!(opts.cellDeg >= MIN_CELL_DEG)) throw new RangeError(`cellDeg must be at least ${MIN_CELL_DEG}°`);
  const T = opts.thresholdMin;
  const { stretches, trucks, offlineGaps } = drivenStretches(inputs.samples, opts);

  const overall = new ShareAccumulator();
  const overallFixed = new ShareAccumulator();
  const regions = new Map<string, { all: ShareAccumulator; fixed: ShareAccumulator }>();
  const regionAcc = (region: string) => {
    let acc = regions.get(region);
    if (!acc) regions.set(region, (acc = { all: new ShareAccumulator(), fixed: new ShareAccumulator() }));
    return acc;
  };
  const cells = new Map<number, CellAccumulator>();
  const lines: CoverageLine[] = [];
  // Uncovered pieces are cut into bits no longer than this before they go into cells.
  const bitKm = Math.max(opts.resolutionKm, opts.cellDeg * 100);

  const cellList: CellAccumulator[] = [];
  // (cell, truck) visits, deduplicated once at the end: cheaper than a set per cell.
  const visits: number[] = [];
  const truckNumbers = new Map<string, number>();
  let lastVin = '';
  let truck = -1;
  for (const s of stretches) {
    if (s.vin !== lastVin) {
      lastVin = s.vin;
      truck = truckNumbers.get(s.vin) ?? truckNumbers.size;
      truckNumbers.set(s.vin, truck);
    }
    const networkPieces = classifyStretch(s, network, T, opts.resolutionKm);
    for (const piece of networkPieces) {
      const km = s.km * (piece.to - piece.from);
      const hours = s.hours * (piece.to - piece.from);
      if (opts.collectLines) {
        const a = { lat: lerp(s.lat1, s.lat2, piece.from), lon: lerp(s.lon1, s.lon2, piece.from) };
        const b = { lat: lerp(s.lat1, s.lat2, piece.to), lon: lerp(s.lon1, s.lon2, piece.to) };
        lines.push({ covered: piece.covered, coordinates: [[a.lon, a.lat], [b.lon, b.lat]] });
      }
      if (piece.covered) {
        overall.add(km, hours, true);
        regionAcc(regionAtFraction(s, (piece.from + piece.to) / 2, regionOf)).all.add(km, hours, true);
        continue;
      }
      const bits = Math.max(1, Math.ceil(km / bitKm));
      const bitKmLen = km / bits;
      const bitHours = hours / bits;
      overall.add(km, hours, false);
      const best = piece.etaFrom.etaMin <= piece.etaTo.etaMin ? piece.etaFrom : piece.etaTo;
      // The worst ETA inside a piece is bounded by its ends and the slope.
      const worst = Math.min(network.capMin, (piece.etaFrom.etaMin + piece.etaTo.etaMin + network.minutesPerKm * km) / 2);
      let previousCell: CellAccumulator | undefined;
      for (let i = 0; i < bits; i++) {
        const f = piece.from + ((piece.to - piece.from) * (i + 0.5)) / bits;
        const lat = s.lat1 + (s.lat2 - s.lat1) * f;
        const lon = s.lon1 + (s.lon2 - s.lon1) * f;
        const ix = Math.floor(lon / opts.cellDeg);
        const iy = Math.floor(lat / opts.cellDeg);
        const key = cellKey(ix, iy);
        let cell = cells.get(key);
        if (!cell) {
          cell = { key, index: cellList.length, ix, iy, km: 0, hours: 0, latKm: 0, lonKm: 0, trucks: [], lastTruck: -1, best, worstMin: 0, region: '', links: [] };
          cells.set(key, cell);
          cellList.push(cell);
        }
        cell.km += bitKmLen;
        cell.hours += bitHours;
        cell.latKm += lat * bitKmLen;
        cell.lonKm += lon * bitKmLen;
        if (cell.lastTruck !== truck) {
          visits.push(cell.index * TRUCKS_PER_CELL_KEY + truck);
          cell.lastTruck = truck;
        }
        if (best.etaMin < cell.best.etaMin) cell.best = best;
        if (worst > cell.worstMin) cell.worstMin = worst;
        // Consecutive bits of one uncovered piece belong to one gap even when they skip a cell.
        if (previousCell && previousCell !== cell && Math.max(Math.abs(previousCell.ix - cell.ix), Math.abs(previousCell.iy - cell.iy)) > 1) {
          previousCell.links.push(cell);
          cell.links.push(previousCell);
        }
        previousCell = cell;
      }
    }
    if (fixedPoints) {
      // Fixed points are some of the network's stations: where no station reaches in time, neither do they.
      const fixedPieces = networkPieces.length === 1 && !networkPieces[0]!.covered ? networkPieces : classifyStretch(s, fixedPoints, T, opts.resolutionKm);
      for (const piece of fixedPieces) {
        const km = s.km * (piece.to - piece.from);
        const hours = s.hours * (piece.to - piece.from);
        overallFixed.add(km, hours, piece.covered);
        regionAcc(regionAtFraction(s, (piece.from + piece.to) / 2, regionOf)).fixed.add(km, hours, piece.covered);
      }
    }
  }

  const sortedVisits = Float64Array.from(visits).sort();
  for (let i = 0; i < sortedVisits.length; i++) {
    const v = sortedVisits[i]!;
    if (i > 0 && v === sortedVisits[i - 1]) continue;
    cellList[Math.floor(v / TRUCKS_PER_CELL_KEY)]!.trucks.push(v % TRUCKS_PER_CELL_KEY);
  }

  // Uncovered kilometres count towards the region of their cell (one region look-up per cell, not per km).
  for (const c of cells.values()) {
    c.region = regionOf(c.latKm / c.km, c.lonKm / c.km) ?? UNKNOWN_REGION;
    regionAcc(c.region).all.add(c.km, c.hours, false);
  }

  const uncoveredCells: UncoveredCell[] = [...cells.values()].map((c) => ({
    key: c.key, lat: c.latKm / c.km, lon: c.lonKm / c.km, km: c.km, hours: c.hours, trucks: c.trucks,
  }));

  return {
    thresholdMin: T,
    trucks,
    samples: inputs.samples.length,
    stretches: stretches.length,
    offlineGaps,
    overall: overall.share(),
    fixedPoint: fixedPoints ? overallFixed.share() : null,
    regions: [...regions.entries()]
      .map(([region, acc]) => ({ region, ...acc.all.share(), fixedPoint: fixedPoints ? acc.fixed.share() : null }))
      .sort((a, b) => b.km - a.km || a.region.localeCompare(b.region)),
    gaps: mergeGaps([...cells.values()], network.capMin),
    uncoveredCells,
    lines,
  };
}

/** Uncovered cells that touch (8-neighbourhood) or that one uncovered piece runs through form one gap; gaps are ranked by kmDriven × trucks. */
function mergeGaps(cells: CellAccumulator[], capMin: number): CoverageGap[] {
  const byKey = new Map(cells.map((c) => [c.key, c]));
  const seen = new Set<number>();
  const groups: CellAccumulator[][] = [];
  for (const start of cells) {
    if (seen.has(start.key)) continue;
    seen.add(start.key);
    const group: CellAccumulator[] = [];
    const stack = [start];
    while (stack.length > 0) {
      const c = stack.pop()!;
      group.push(c);
      for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          const key = cellKey(c.ix + dx, c.iy + dy);
          const next = byKey.get(key);
          if (next && !seen.has(key)) {
            seen.add(key);
            stack.push(next);
          }
        }
      }
      for (const next of c.links) {
        if (!seen.has(next.key)) {
          seen.add(next.key);
          stack.push(next);
        }
      }
    }
    groups.push(group);
  }

  // Distinct trucks per gap: the gap index that last counted each truck (no Set per gap).
  let maxTruck = -1;
  for (const c of cells) for (const t of c.trucks) if (t > maxTruck) maxTruck = t;
  const countedIn = new Int32Array(maxTruck + 1).fill(-1);
  const gaps = groups.map((group, groupIndex) => {
    let km = 0;
    let hours = 0;
    let latKm = 0;
    let lonKm = 0;
    let best: EtaAtPoint = { etaMin: Infinity, stationId: null };
    let worst = 0;
    let trucks = 0;
    const regionKm = new Map<string, number>();
    let minLon = Infinity, minLat = Infinity, maxLon = -Infinity, maxLat = -Infinity;
    for (const c of group) {
      km += c.km;
      hours += c.hours;
      latKm += c.latKm;
      lonKm += c.lonKm;
      for (const t of c.trucks) {
        if (countedIn[t] !== groupIndex) {
          countedIn[t] = groupIndex;
          trucks++;
        }
      }
      if (c.best.etaMin < best.etaMin) best = c.best;
      worst = Math.max(worst, c.worstMin);
      const lat = c.latKm / c.km;
      const lon = c.lonKm / c.km;
      regionKm.set(c.region, (regionKm.get(c.region) ?? 0) + c.km);
      minLon = Math.min(minLon, lon);
      minLat = Math.min(minLat, lat);
      maxLon = Math.max(maxLon, lon);
      maxLat = Math.max(maxLat, lat);
    }
    return {
      score: km * trucks,
      kmDriven: km,
      hoursDriven: hours,
      trucks,
      lengthKm: spanKm(group),
      regions: [...regionKm.entries()].sort((a, b) => b[1] - a[1]).map(([r]) => r),
      centroid: { lat: round(latKm / km, 5), lon: round(lonKm / km, 5) },
      bbox: [round(minLon, 5), round(minLat, 5), round(maxLon, 5), round(maxLat, 5)] as [number, number, number, number],
      nearestStationId: best.stationId,
      nearestEtaMin: best.stationId === null ? null : round(best.etaMin, 1),
      maxEtaMin: worst >= capMin ? null : round(worst, 1),
    };
  });
  return gaps
    .sort((a, b) => b.score - a.score || b.kmDriven - a.kmDriven)
    .map((g, i) => ({
      rank: i + 1,
      ...g,
      score: round(g.score, 1),
      kmDriven: round(g.kmDriven, 2),
      hoursDriven: round(g.hoursDriven, 3),
      lengthKm: round(g.lengthKm, 1),
    }));
}

/** Farthest distance between two cells of a group (exact for small groups, bounding-box corners beyond). */
function spanKm(group: CellAccumulator[]): number {
  const pts = group.map((c) => ({ lat: c.latKm / c.km, lon: c.lonKm / c.km }));
  if (pts.length <= 48) {
    let best = 0;
    for (let i = 0; i < pts.length; i++) {
      for (let j = i + 1; j < pts.length; j++) {
        best = Math.max(best, greatCircleKm(pts[i]!.lat, pts[i]!.lon, pts[j]!.lat, pts[j]!.lon));
      }
    }
    return best;
  }
  // Extreme points along the four directions bound the span well for road-shaped gaps.
  const extremes = [
    pts.reduce((a, b) => (b.lat < a.lat ? b : a)), pts.reduce((a, b) => (b.lat > a.lat ? b : a)),
    pts.reduce((a, b) => (b.lon < a.lon ? b : a)), pts.reduce((a, b) => (b.lon > a.lon ? b : a)),
    pts.reduce((a, b) => (b.lat + b.lon < a.lat + a.lon ? b : a)), pts.reduce((a, b) => (b.lat + b.lon > a.lat + a.lon ? b : a)),
    pts.reduce((a, b) => (b.lat - b.lon < a.lat - a.lon ? b : a)), pts.reduce((a, b) => (b.lat - b.lon > a.lat - a.lon ? b : a)),
  ];
  let best = 0;
  for (const a of extremes) for (const b of pts) best = Math.max(best, greatCircleKm(a.lat, a.lon, b.lat, b.lon));
  return best;
}
