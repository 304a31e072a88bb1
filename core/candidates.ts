// Which stations can take a rescue, in which order, and why: pure functions over the station index.
// Step 1 (searchCandidates) applies the static filters and returns the exact least-ETA stations.
// Step 2 (rankCandidates) applies the live filter (a free van), the fixed-point preference, and
// explains every station looked at, so a case can show why it went where it went.
import { etaMinutes, type EtaModel } from './eta.ts';
import { isOpenAt } from './opening-hours.ts';
import type { Capability, PartsCategory, Station } from './registry.ts';
import type { StationIndex } from './station-index.ts';

export interface CandidateRequest {
  readonly lat: number;
  readonly lon: number;
  readonly capabilities: readonly Capability[];
  readonly partsCategories: readonly PartsCategory[];
  readonly at: Date;
  /** Stations already offered this case (declined or timed out): never offered twice. */
  readonly excludeStationIds: ReadonlySet<string>;
  readonly maxDistanceKm: number;
}

export interface Candidate {
  readonly stationId: string;
  readonly distanceKm: number;
  readonly etaMin: number;
  readonly vans: number;
  /** Parts categories the fault needs that this station does not stock. */
  readonly missingParts: PartsCategory[];
}

export type DropReason = 'inactive' | 'closed' | 'missing_capability' | 'already_offered' | 'no_free_van' | 'no_vans';

export interface CandidateDecision {
  readonly stationId: string;
  readonly distanceKm: number;
  readonly etaMin: number;
  readonly kept: boolean;
  /** Why dropped, or `ranked` / `fixed_point_preferred` when kept. */
  readonly reason: DropReason | 'ranked' | 'fixed_point_preferred';
  readonly rank?: number;
  readonly fixedPoint?: boolean;
}

/** The first static reason a station cannot take this rescue, if any. */
export function staticDropReason(station: Station, req: CandidateRequest): DropReason | undefined {
  if (!station.active) return 'inactive';
  if (station.vans <= 0) return 'no_vans';
  if (!req.capabilities.every((c) => station.capabilities.includes(c))) return 'missing_capability';
  if (req.excludeStationIds.has(station.id)) return 'already_offered';
  if (station.closed || !isOpenAt(station.hours, req.at)) return 'closed';
  return undefined;
}

/**
 * The `want` statically eligible stations with the least ETA, sorted by ETA (then distance, then id).
 * Exact, not heuristic: the index searches best-first by ETA (station-index.ts, geo-knn.ts).
 */
export function searchCandidates(index: StationIndex, req: CandidateRequest, want: number, model: EtaModel): Candidate[] {
  if (want <= 0) return [];
  const eligible = { capabilities: req.capabilities, at: req.at, excludeStationIds: req.excludeStationIds };
  const hits = index.leastEta({ lat: req.lat, lon: req.lon, limit: want, maxDistanceKm: req.maxDistanceKm, eligible }, model);
  return hits.map(({ station, distanceKm, etaMin }) => ({
    stationId: station.id,
    distanceKm,
    etaMin,
    vans: station.vans,
    missingParts: req.partsCategories.filter((p) => !station.partsCategories.includes(p)),
  }));
}

export interface RankInput {
  /** From searchCandidates, sorted by ETA. */
  readonly found: readonly Candidate[];
  /** Vans currently held (offers + launched rescues) per station. */
  readonly vansInUse: ReadonlyMap<string, number>;
  /** The customer's fixed-point stations. */
  readonly fixedPointIds: ReadonlySet<string>;
  /** A fixed-point station goes first when its ETA is within this many minutes of the best. */
  readonly fixedPointMarginMin: number;
}

export interface Ranking {
  /** Stations to offer, in order. */
  readonly ranked: Candidate[];
  readonly decisions: CandidateDecision[];
}

export function rankCandidates(input: RankInput): Ranking {
  const decisions: CandidateDecision[] = [];
  const free: Candidate[] = [];
  for (const c of input.found) {
    if ((input.vansInUse.get(c.stationId) ?? 0) >= c.vans) {
      decisions.push({ stationId: c.stationId, distanceKm: c.distanceKm, etaMin: c.etaMin, kept: false, reason: 'no_free_van' });
    } else {
      free.push(c);
    }
  }
  const best = free[0];
  let ranked = free;
  let preferred: Candidate | undefined;
  if (best) {
    preferred = free.find((c) => input.fixedPointIds.has(c.stationId) && c.etaMin <= best.etaMin + input.fixedPointMarginMin);
    if (preferred) ranked = [preferred, ...free.filter((c) => c !== preferred)];
  }
  ranked.forEach((c, i) => {
    decisions.push({
      stationId: c.stationId,
      distanceKm: c.distanceKm,
      etaMin: c.etaMin,
      kept: true,
      reason: c === preferred && i === 0 && c !== best ? 'fixed_point_preferred' : 'ranked',
      rank: i + 1,
      fixedPoint: input.fixedPointIds.has(c.stationId),
    });
  });
  return { ranked, decisions };
}

/** The nearest stations that failed a static filter, with the reason: the "why not the closer one" part. */
export function explainDropped(index: StationIndex, req: CandidateRequest, nearest: number, model: EtaModel): CandidateDecision[] {
  const out: CandidateDecision[] = [];
  for (const hit of index.nearest({ lat: req.lat, lon: req.lon, limit: nearest, maxDistanceKm: req.maxDistanceKm })) {
    const reason = staticDropReason(hit.station, req);
    if (reason) {
      out.push({ stationId: hit.station.id, distanceKm: hit.distanceKm, etaMin: etaMinutes(hit.station, req, model), kept: false, reason });
    }
  }
  return out;
}
