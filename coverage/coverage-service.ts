// Coverage, pre-positioning and fixed-point suggestions for one customer (or the whole fleet): the use cases
// behind the coverage routes. Reads the registry and the downsampled history, runs the pure computations of
// core/, and caches each answer in Redis per (customer, range, threshold, capability). Cache keys include the station and customer
// (assignment) registry versions, so a station change or a new fixed point makes every older answer stale.
import type { Redis } from 'ioredis';
import {
  computeCoverage, createEtaField, DEFAULT_COVERAGE_OPTIONS, type CoverageGap, type CoverageResult, type CoverageShare, type RegionCoverage,
} from '../core/coverage.ts';
import {
  partsToPreposition, stationSites, suggestSites, type CandidateSite, type PartsNeed, type SitePick,
} from '../core/coverage-sites.ts';
import { createStationIndex } from '../core/station-index.ts';
import type { EtaModel } from '../core/eta.ts';
import { presenceCells, suggestFixedPoints, type RegionSuggestions } from '../core/fixed-point-suggestions.ts';
import { redisKeys } from '../core/keys.ts';
import type { Capability, Station } from '../core/registry.ts';
import { createCoverageCache } from '../infra/coverage-cache.ts';
import { coverageFeatures, type GeoJsonFeatureCollection } from './coverage-geojson.ts';
import type { CoverageHistory, DownsampledHistory } from '../infra/coverage-history.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

/** What coverage needs of the region map (core/regions.ts RegionMap satisfies it). */
export interface CoverageRegions {
  locate(lat: number, lon: number): { readonly code: string } | undefined;
  get(code: string): { readonly name: string } | undefined;
  all(): ReadonlyArray<{ readonly code: string; readonly name: string; readonly level: string; readonly lat: number; readonly lon: number }>;
  inOrAdjacent(stationRegion: string, region: string): boolean;
}

export interface CoverageRequest {
  /** undefined = the whole fleet (admin / agent). */
  readonly customerId?: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly thresholdMin: number;
  readonly capability: Capability;
}

/** The computation's figures (core/coverage.ts), with the question and names of regions around them. */
export interface CoverageReport
  extends Pick<CoverageResult, 'thresholdMin' | 'trucks' | 'samples' | 'stretches' | 'offlineGaps' | 'overall' | 'fixedPoint'> {
  readonly customerId: string | null;
  readonly from: string;
  readonly to: string;
  readonly capability: Capability;
  /** Length of the time window the database downsampled positions to. */
  readonly windowMin: number;
  readonly fixedPointStationIds: string[];
  readonly regions: Array<RegionCoverage & { regionName: string | null }>;
  readonly gapsTotal: number;
  readonly gaps: Array<CoverageGap & { regionNames: string[] }>;
  readonly computedAt: string;
  readonly cached: boolean;
}

export interface PrepositioningReport {
  readonly customerId: string | null;
  readonly from: string;
  readonly to: string;
  readonly thresholdMin: number;
  readonly capability: Capability;
  readonly overall: CoverageShare;
  readonly picks: SitePick[];
  readonly parts: PartsNeed[];
  readonly computedAt: string;
  readonly cached: boolean;
}

export interface SuggestionsReport {
  readonly customerId: string;
  readonly from: string;
  readonly to: string;
  readonly regions: Array<RegionSuggestions & { regionName: string | null }>;
  readonly computedAt: string;
  readonly cached: boolean;
}


export interface CoverageServiceOptions {
  readonly etaModel: EtaModel;
  /** Seconds a computed answer stays in the Redis cache (registry changes make it stale sooner). */
  readonly cacheTtlS: number;
}

/** Stations farther than this many minutes are not searched (ETAs beyond it are reported as null). */
const HORIZON_MIN = 240;
/** Gaps listed in a report (all are counted in gapsTotal). */
const MAX_GAPS_LISTED = 200;

/** The capability a coverage question is about unless it names one: rescue of heavy trucks. */
export const DEFAULT_CAPABILITY: Capability = 'heavy-duty';
/** Depots farther than this from where a fault happened are not worth pre-positioning parts in. */
export const PREPOSITION_DEPOT_MAX_KM = 1500;
/** Fixed-point suggestions rank stations within this many minutes of the fleet's presence. */
export const SUGGESTION_THRESHOLD_MIN = 60;
/** A region where the fleet spent less than this share of its time (or under an hour) is a pass-through. */
export const PASS_THROUGH_SHARE = 0.002;
/** An answer whose range ends within this long before now may still change (late uploads)… */
const FRESH_RANGE_MS = 15 * 60_000;
/** …so it is cached this long only, instead of COVERAGE_CACHE_TTL_S. */
const FRESH_ANSWER_TTL_S = 300;

export function createCoverageService(
  deps: {
    redis: Redis;
    prefix: string;
    registry: Pick<RegistryStore, 'list' | 'get' | 'vehiclesOfCustomer' | 'assignments' | 'customersOfStation'>;
    history: CoverageHistory;
    regions: CoverageRegions;
  },
  opts: CoverageServiceOptions,
) {
  const keys = redisKeys(deps.prefix);
  const cache = createCoverageCache({ redis: deps.redis, prefix: deps.prefix }, { ttlS: opts.cacheTtlS, recentTtlS: FRESH_ANSWER_TTL_S, freshMs: FRESH_RANGE_MS });
  const horizonMin = HORIZON_MIN;
  const maxGaps = MAX_GAPS_LISTED;
  const model = opts.etaModel;

  // Region look-ups (point in polygon) repeat for the same places: memoised on a 0.05° grid (bounded), so
  // a point within ~3 km of a border may count for the neighbour (docs/coverage.md).
  const regionMemo = new Map<number, string | undefined>();
  const regionOf = (lat: number, lon: number): string | undefined => {
    const key = Math.round(lat * 20) * 8_000 + Math.round(lon * 20);
    if (regionMemo.has(key)) return regionMemo.get(key);
    if (regionMemo.size > 500_000) regionMemo.clear();
    const code = deps.regions.locate(lat, lon)?.code;
    regionMemo.set(key, code);
    return code;
  };
  const regionName = (code: string) => deps.regions.get(code)?.name ?? null;

  async function vehicleCount(customerId: string | undefined): Promise<number> {
    if (customerId !== undefined) return (await deps.registry.vehiclesOfCustomer(customerId)).length;
    return deps.redis.hlen(keys.registry('vehicle'));
  }

  async function loadHistory(req: CoverageRequest): Promise<DownsampledHistory> {
    const vehicles = await vehicleCount(req.customerId);
    return deps.history.positions({ ...(req.customerId !== undefined ? { customerId: req.customerId } : {}), fromMs: req.fromMs, toMs: req.toMs, vehicles });
  }

  async function fixedPointStations(customerId: string | undefined, stations: readonly Station[]): Promise<Station[]> {
    if (customerId === undefined) return [];
    const ids = new Set((await deps.registry.assignments(customerId)).map((a) => a.stationId));
    return stations.filter((s) => ids.has(s.id));
  }

  async function compute(req: CoverageRequest, collectLines: boolean): Promise<{ result: CoverageResult; history: DownsampledHistory; stations: Station[]; fixed: Station[] }> {
    const [history, stations] = await Promise.all([loadHistory(req), deps.registry.list('station')]);
    const fixed = await fixedPointStations(req.customerId, stations);
    const result = computeCoverage({
      samples: history.samples,
      network: createEtaField(stations, model, { capability: req.capability, horizonMin }),
      ...(fixed.length > 0 ? { fixedPoints: createEtaField(fixed, model, { capability: req.capability, horizonMin }) } : {}),
      regionOf,
      options: {
        ...DEFAULT_COVERAGE_OPTIONS,
        thresholdMin: req.thresholdMin,
        // A missing window means the truck sent nothing for that long: offline (or parked with the unit off).
        maxGapMs: history.windowMs * 1.5,
        collectLines,
      },
    });
    return { result, history, stations, fixed };
  }

  const rangeOf = (req: CoverageRequest) => ({ from: new Date(req.fromMs).toISOString(), to: new Date(req.toMs).toISOString() });
  const cacheParts = (kind: string, req: CoverageRequest, extra: Record<string, unknown> = {}) => ({
    kind, customerId: req.customerId ?? null, fromMs: req.fromMs, toMs: req.toMs, thresholdMin: req.thresholdMin, capability: req.capability, ...extra,
  });

  async function coverage(req: CoverageRequest): Promise<CoverageReport> {
    const { value, cached } = await cache.getOrCompute(cacheParts('report', req), async () => {
      const { result, history, fixed } = await compute(req, false);
      const report: CoverageReport = {
        customerId: req.customerId ?? null,
        ...rangeOf(req),
        thresholdMin: req.thresholdMin,
        capability: req.capability,
        windowMin: history.windowMs / 60_000,
        trucks: result.trucks,
        samples: result.samples,
        stretches: result.stretches,
        offlineGaps: result.offlineGaps,
        overall: result.overall,
        fixedPoint: result.fixedPoint,
        fixedPointStationIds: fixed.map((s) => s.id).sort(),
        regions: result.regions.map((r) => ({ ...r, regionName: regionName(r.region) })),
        gapsTotal: result.gaps.length,
        gaps: result.gaps.slice(0, maxGaps).map((g) => ({ ...g, regionNames: g.regions.map((r) => regionName(r) ?? r) })),
        computedAt: new Date().toISOString(),
        cached: false,
      };
      return report;
    });
    return { ...value, cached };
  }

  /** Covered and uncovered lines (deduplicated on a ~1 km grid), the capable stations near them and the gaps. */
  async function coverageGeoJson(req: CoverageRequest): Promise<GeoJsonFeatureCollection> {
    const { value } = await cache.getOrCompute(cacheParts('geojson', req), async () => {
      const { result, stations, fixed } = await compute(req, true);
      return coverageFeatures({ result, stations, fixed, capability: req.capability, maxGaps });
    });
    return value;
  }

  /** Candidate sites: prefecture city centres, and existing stations that cannot serve this capability yet. */
  function candidateSites(stations: readonly Station[], capability: Capability): CandidateSite[] {
    const cities: CandidateSite[] = deps.regions
      .all()
      .filter((r) => r.level === 'prefecture')
      .map((r) => ({ id: `city:${r.code}`, kind: 'city' as const, name: r.name, lat: r.lat, lon: r.lon, region: r.code, lacks: [] }));
    return [...cities, ...stationSites(stations, capability)];
  }

  async function prepositioning(req: CoverageRequest & { k: number }): Promise<PrepositioningReport> {
    const { value, cached } = await cache.getOrCompute(cacheParts('prepositioning', req, { k: req.k }), async () => {
      const { result, history, stations } = await compute(req, false);
      const picks = suggestSites({
        cells: result.uncoveredCells,
        sites: candidateSites(stations, req.capability),
        k: req.k,
        thresholdMin: req.thresholdMin,
        totalKm: result.overall.km,
        coveredKm: result.overall.coveredKm,
        model,
      });
      const [faults, depots] = await Promise.all([
        deps.history.faults({ ...(req.customerId !== undefined ? { customerId: req.customerId } : {}), fromMs: req.fromMs, toMs: req.toMs, vehicles: result.trucks }, history),
        deps.registry.list('depot'),
      ]);
      const parts = partsToPreposition({ faults, stations: createStationIndex(stations, model), depots, model, maxDistanceKm: PREPOSITION_DEPOT_MAX_KM });
      const report: PrepositioningReport = {
        customerId: req.customerId ?? null,
        ...rangeOf(req),
        thresholdMin: req.thresholdMin,
        capability: req.capability,
        overall: result.overall,
        picks,
        parts,
        computedAt: new Date().toISOString(),
        cached: false,
      };
      return report;
    });
    return { ...value, cached };
  }

  async function suggestions(req: { customerId: string; fromMs: number; toMs: number }): Promise<SuggestionsReport> {
    const parts = { kind: 'suggestions', customerId: req.customerId, fromMs: req.fromMs, toMs: req.toMs };
    const { value, cached } = await cache.getOrCompute(parts, async () => {
      const [history, stations, assignments] = await Promise.all([
        loadHistory({ customerId: req.customerId, fromMs: req.fromMs, toMs: req.toMs, thresholdMin: SUGGESTION_THRESHOLD_MIN, capability: DEFAULT_CAPABILITY }),
        deps.registry.list('station'),
        deps.registry.assignments(req.customerId),
      ]);
      const presence = presenceCells(history.samples, regionOf, {
        maxGapMs: history.windowMs * 1.5, windowMs: history.windowMs, minDrivingKmh: DEFAULT_COVERAGE_OPTIONS.minDrivingKmh, cellDeg: 0.05,
      });
      const presenceRegions = new Set(presence.map((c) => c.region));
      // Only stations that could be a fixed point somewhere the fleet runs need their load counted.
      const relevant = stations.filter((s) => s.active && s.capabilities.includes(DEFAULT_CAPABILITY) &&
        [...presenceRegions].some((r) => deps.regions.inOrAdjacent(s.region, r)));
      const served = new Map<string, number>();
      await Promise.all(relevant.map(async (s) => served.set(s.id, (await deps.registry.customersOfStation(s.id)).length)));
      const regions = suggestFixedPoints({
        presence,
        stations: relevant,
        eligible: (s, region) => deps.regions.inOrAdjacent(s.region, region),
        customersServed: served,
        current: new Map(assignments.map((a) => [a.region, a.stationId])),
        model,
        minHours: Math.max(1, presence.reduce((sum, c) => sum + c.drivingHours + c.stoppedHours, 0) * PASS_THROUGH_SHARE),
      });
      const report: SuggestionsReport = {
        customerId: req.customerId,
        from: new Date(req.fromMs).toISOString(),
        to: new Date(req.toMs).toISOString(),
        regions: regions.map((r) => ({ ...r, regionName: regionName(r.region) })),
        computedAt: new Date().toISOString(),
        cached: false,
      };
      return report;
    });
    return { ...value, cached };
  }

  return { coverage, coverageGeoJson, prepositioning, suggestions };
}

export type CoverageService = ReturnType<typeof createCoverageService>;
export type { GeoJsonFeatureCollection };
