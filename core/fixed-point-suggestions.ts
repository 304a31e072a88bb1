// Fixed-point suggestions (docs/coverage.md), pure: per region where a customer's trucks spend time, the stations
// that would serve them best, ranked by the ETA from the station to where the trucks actually are,
// weighted by the time they spend there (driving and standing), adjusted for quality and load, with every
// number behind the ranking.
import { etaMinutes, greatCircleKm, type EtaModel } from './eta.ts';
import type { PositionSample } from './coverage.ts';
import type { Station } from './registry.ts';

/** Time trucks spent in one small cell of one region. */
export interface PresenceCell {
  readonly region: string;
  readonly lat: number;
  readonly lon: number;
  readonly drivingHours: number;
  readonly stoppedHours: number;
  readonly vins: ReadonlySet<string>;
}

export interface PresenceOptions {
  /** A sample is followed by an offline gap when the next one is further away in time. */
  readonly maxGapMs: number;
  /** The time one sample stands for when it is the last before a gap (the sampling window). */
  readonly windowMs: number;
  readonly minDrivingKmh: number;
  readonly cellDeg: number;
}

/**
 * Where the trucks spend their time: each sample stands for the time until the next one (at most
 * `windowMs` before an offline gap), counted as driving or standing by the average speed to the next sample.
 */
export function presenceCells(
  samples: readonly PositionSample[],
  regionOf: (lat: number, lon: number) => string | undefined,
  opts: PresenceOptions,
): PresenceCell[] {
  const byVin = new Map<string, PositionSample[]>();
  for (const s of samples) {
    let list = byVin.get(s.vin);
    if (!list) byVin.set(s.vin, (list = []));
    list.push(s);
  }
  const cells = new Map<string, { latH: number; lonH: number; driving: number; stopped: number; vins: Set<string> }>();
  for (const [vin, list] of byVin) {
    list.sort((a, b) => a.time - b.time);
    list.forEach((s, i) => {
      const next = list[i + 1];
      const dt = next ? next.time - s.time : Infinity;
      const hours = (dt <= opts.maxGapMs ? dt : opts.windowMs) / 3_600_000;
      if (!(hours > 0)) return;
      const moving = next !== undefined && dt <= opts.maxGapMs && greatCircleKm(s.lat, s.lon, next.lat, next.lon) / hours >= opts.minDrivingKmh;
      const key = `${Math.floor(s.lon / opts.cellDeg)}:${Math.floor(s.lat / opts.cellDeg)}`;
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = { latH: 0, lonH: 0, driving: 0, stopped: 0, vins: new Set() }));
      cell.latH += s.lat * hours;
      cell.lonH += s.lon * hours;
      if (moving) cell.driving += hours;
      else cell.stopped += hours;
      cell.vins.add(vin);
    });
  }
  const out: PresenceCell[] = [];
  for (const c of cells.values()) {
    const h = c.driving + c.stopped;
    const lat = c.latH / h;
    const lon = c.lonH / h;
    const region = regionOf(lat, lon);
    if (region === undefined) continue;
    out.push({ region, lat, lon, drivingHours: c.driving, stoppedHours: c.stopped, vins: c.vins });
  }
  return out;
}

/** How the ranking trades ETA against quality and load, in minutes of ETA. */
export interface RankingWeights {
  /** Minutes added per rating point below 5. */
  readonly ratingPenaltyMin: number;
  /** Minutes added per customer already served, per rescue van. */
  readonly loadPenaltyMin: number;
}

export const DEFAULT_RANKING_WEIGHTS: RankingWeights = Object.freeze({ ratingPenaltyMin: 10, loadPenaltyMin: 5 });

export interface FixedPointSuggestion {
  readonly rank: number;
  readonly stationId: string;
  readonly name: string;
  readonly stationRegion: string;
  /** ETA to the trucks' positions, weighted by the hours spent there (driving and standing). */
  readonly timeWeightedEtaMin: number;
  /** The same, over standing time only (null when the trucks never stood in the region). */
  readonly stopWeightedEtaMin: number | null;
  /** Share of the region's truck hours within 60 minutes of the station. */
  readonly hoursWithin60MinShare: number;
  readonly rating: number;
  readonly vans: number;
  readonly customersServed: number;
  readonly ratingPenaltyMin: number;
  readonly loadPenaltyMin: number;
  /** timeWeightedEtaMin + penalties: the ranking key, lower is better. */
  readonly scoreMin: number;
  readonly isCurrentFixedPoint: boolean;
}

export interface RegionSuggestions {
  readonly region: string;
  readonly drivingHours: number;
  readonly stoppedHours: number;
  readonly trucks: number;
  readonly currentStationId: string | null;
  readonly suggestions: FixedPointSuggestion[];
}

export interface SuggestionInput {
  readonly presence: readonly PresenceCell[];
  readonly stations: readonly Station[];
  /** The fixed-point rules (docs/coverage.md): may this station be the fixed point of this region (active, heavy-duty, in or adjacent)? */
  readonly eligible: (station: Station, region: string) => boolean;
  /** Customers each station serves today (as fixed point). */
  readonly customersServed: ReadonlyMap<string, number>;
  /** The customer's current fixed point per region. */
  readonly current: ReadonlyMap<string, string>;
  readonly model: EtaModel;
  readonly weights?: RankingWeights;
  readonly perRegion?: number;
  /** Regions with less truck time are left out (noise of a truck passing through). */
  readonly minHours?: number;
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

export function suggestFixedPoints(input: SuggestionInput): RegionSuggestions[] {
  const weights = input.weights ?? DEFAULT_RANKING_WEIGHTS;
  const perRegion = input.perRegion ?? 3;
  const byRegion = new Map<string, PresenceCell[]>();
  for (const cell of input.presence) {
    let list = byRegion.get(cell.region);
    if (!list) byRegion.set(cell.region, (list = []));
    list.push(cell);
  }
  const out: RegionSuggestions[] = [];
  for (const [region, cells] of byRegion) {
    let driving = 0;
    let stopped = 0;
    const vins = new Set<string>();
    for (const c of cells) {
      driving += c.drivingHours;
      stopped += c.stoppedHours;
      for (const v of c.vins) vins.add(v);
    }
    const hours = driving + stopped;
    if (hours < (input.minHours ?? 0) || hours <= 0) continue;
    const ranked = input.stations
      .filter((s) => input.eligible(s, region))
      .map((s) => {
        let etaHours = 0;
        let stopEtaHours = 0;
        let within = 0;
        for (const c of cells) {
          const eta = etaMinutes(s, c, input.model);
          const h = c.drivingHours + c.stoppedHours;
          etaHours += eta * h;
          stopEtaHours += eta * c.stoppedHours;
          if (eta <= 60) within += h;
        }
        const served = input.customersServed.get(s.id) ?? 0;
        const ratingPenaltyMin = weights.ratingPenaltyMin * (5 - s.rating);
        const loadPenaltyMin = (weights.loadPenaltyMin * served) / Math.max(1, s.vans);
        const timeWeightedEtaMin = etaHours / hours;
        return {
          stationId: s.id,
          name: s.name,
          stationRegion: s.region,
          timeWeightedEtaMin: round(timeWeightedEtaMin, 1),
          stopWeightedEtaMin: stopped > 0 ? round(stopEtaHours / stopped, 1) : null,
          hoursWithin60MinShare: round(within / hours, 4),
          rating: s.rating,
          vans: s.vans,
          customersServed: served,
          ratingPenaltyMin: round(ratingPenaltyMin, 1),
          loadPenaltyMin: round(loadPenaltyMin, 1),
          scoreMin: timeWeightedEtaMin + ratingPenaltyMin + loadPenaltyMin,
          isCurrentFixedPoint: input.current.get(region) === s.id,
        };
      })
      .sort((a, b) => a.scoreMin - b.scoreMin || a.stationId.localeCompare(b.stationId))
      .slice(0, perRegion)
      .map((s, i) => ({ rank: i + 1, ...s, scoreMin: round(s.scoreMin, 1) }));
    out.push({
      region,
      drivingHours: round(driving, 2),
      stoppedHours: round(stopped, 2),
      trucks: vins.size,
      currentStationId: input.current.get(region) ?? null,
      suggestions: ranked,
    });
  }
  return out.sort((a, b) => b.drivingHours + b.stoppedHours - (a.drivingHours + a.stoppedHours) || a.region.localeCompare(b.region));
}
