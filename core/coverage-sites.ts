// Pre-positioning (docs/coverage.md), pure: where to add a station or stage a van so that the most uncovered
// kilometres come within the threshold (greedy maximum coverage over the uncovered cells of a coverage
// result, stating the gain of each pick), and which parts categories to stock at the nearest depot for the
// faults seen on the routes that the serving stations do not stock.
import KDBush from 'kdbush';
import { around } from 'geokdbush';
import { searchCandidates } from './candidates.ts';
import { reachKm, type UncoveredCell } from './coverage.ts';
import { etaMinutes, greatCircleKm, mobilisationMinutes, type EtaModel } from './eta.ts';
import { faultNeeds } from './fault-systems.ts';
import type { Capability, Depot, PartsCategory, Station } from './registry.ts';
import type { StationIndex } from './station-index.ts';

export type SiteKind = 'city' | 'station';

/** A place a van could be staged: a real city centre, or an existing station that cannot serve yet. */
export interface CandidateSite {
  readonly id: string;
  readonly kind: SiteKind;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  readonly region?: string;
  /** Minutes from accept to van rolling once staged there (a station's own, else the model default). */
  readonly mobilisationMin?: number;
  /** What an existing station lacks today (capability, vans, active, 24 h); empty for a city. */
  readonly lacks: string[];
}

export interface SitePick {
  readonly rank: number;
  readonly site: CandidateSite;
  /** Uncovered kilometres this pick brings within the threshold (after the earlier picks). */
  readonly gainKm: number;
  /** gainKm as a share of every kilometre driven. */
  readonly gainShare: number;
  /** Coverage share (of kilometres) with this pick and the ones before it. */
  readonly kmShareAfter: number;
  /** Distinct trucks that drove the newly covered kilometres. */
  readonly trucks: number;
}

export interface SiteSuggestionInput {
  readonly cells: readonly UncoveredCell[];
  readonly sites: readonly CandidateSite[];
  readonly k: number;
  readonly thresholdMin: number;
  /** Kilometres driven in total and covered today (the coverage result's overall share). */
  readonly totalKm: number;
  readonly coveredKm: number;
  readonly model: EtaModel;
}

/**
 * Greedy maximum coverage: each round picks the site covering the most still-uncovered kilometres.
 * A cell counts as covered by a site when the ETA from the site to the cell's centroid is within the threshold.
 */
export function suggestSites(input: SiteSuggestionInput): SitePick[] {
  const { cells, sites, model } = input;
  if (cells.length === 0 || sites.length === 0 || input.k <= 0) return [];
  const tree = new KDBush(cells.length);
  for (const c of cells) tree.add(c.lon, c.lat);
  tree.finish();

  // Which cells each site would cover (computed once; the greedy rounds only re-sum them).
  const covers: number[][] = sites.map((site) => {
    const budget = input.thresholdMin - mobilisationMinutes(site, model);
    if (budget <= 0) return [];
    const radius = reachKm(budget, model) * 1.000001;
    const ids = around(tree, site.lon, site.lat, Infinity, radius) as number[];
    return ids.filter((i) => etaMinutes(site, cells[i]!, model) <= input.thresholdMin);
  });

  const taken = new Uint8Array(cells.length);
  const picks: SitePick[] = [];
  const used = new Set<number>();
  let covered = input.coveredKm;
  for (let round = 0; round < input.k; round++) {
    let bestSite = -1;
    let bestGain = 0;
    covers.forEach((list, s) => {
      if (used.has(s)) return;
      let gain = 0;
      for (const i of list) if (!taken[i]) gain += cells[i]!.km;
      if (gain > bestGain + 1e-9 || (gain > 0 && Math.abs(gain - bestGain) <= 1e-9 && bestSite >= 0 && sites[s]!.id < sites[bestSite]!.id)) {
        bestGain = gain;
        bestSite = s;
      }
    });
    if (bestSite < 0) break;
    used.add(bestSite);
    const vins = new Set<number>();
    for (const i of covers[bestSite]!) {
      if (taken[i]) continue;
      taken[i] = 1;
      for (const v of cells[i]!.trucks) vins.add(v);
    }
    covered += bestGain;
    picks.push({
      rank: round + 1,
      site: sites[bestSite]!,
      gainKm: Math.round(bestGain * 100) / 100,
      gainShare: input.totalKm > 0 ? Math.round((bestGain / input.totalKm) * 1e5) / 1e5 : 0,
      kmShareAfter: input.totalKm > 0 ? Math.round((covered / input.totalKm) * 1e5) / 1e5 : 0,
      trucks: vins.size,
    });
  }
  return picks;
}

/** Existing stations that cannot take this kind of rescue today, as candidate sites (with what they lack). */
export function stationSites(stations: readonly Station[], capability: Capability): CandidateSite[] {
  const out: CandidateSite[] = [];
  for (const s of stations) {
    const lacks: string[] = [];
    if (!s.active) lacks.push('active');
    if (!s.capabilities.includes(capability)) lacks.push(`capability:${capability}`);
    if (s.vans <= 0) lacks.push('vans');
    if (s.hours !== '24h') lacks.push('24h');
    if (lacks.length === 0) continue;
    out.push({
      id: `station:${s.id}`, kind: 'station', name: s.name, lat: s.lat, lon: s.lon, region: s.region,
      ...(s.mobilisationMin !== undefined ? { mobilisationMin: s.mobilisationMin } : {}), lacks,
    });
  }
  return out;
}

/** A fault seen on a customer's route: where and which SPN. */
export interface FaultSighting {
  readonly vin: string;
  readonly time: number;
  readonly lat: number;
  readonly lon: number;
  readonly spn: number;
}

export interface PartsNeed {
  readonly partsCategory: PartsCategory;
  /** Depot nearest to the stations that would serve these faults without the part. */
  readonly depotId: string | null;
  readonly depotName: string | null;
  /** Whether that depot already stocks the category. */
  readonly depotStocks: boolean;
  readonly faults: number;
  readonly trucks: number;
  /** The serving stations that lack the category, most faults first. */
  readonly stations: Array<{ readonly stationId: string; readonly faults: number }>;
}

/**
 * For each fault, the station the dispatcher would pick (least ETA among capable stations at that time);
 * when it does not stock the parts category the fault needs, the category is counted at the depot nearest
 * to that station.
 */
export function partsToPreposition(input: {
  readonly faults: readonly FaultSighting[];
  readonly stations: StationIndex;
  readonly depots: readonly Depot[];
  readonly model: EtaModel;
  readonly maxDistanceKm: number;
}): PartsNeed[] {
  const activeDepots = input.depots.filter((d) => d.active);
  const nearestDepot = (lat: number, lon: number): Depot | undefined => {
    let best: Depot | undefined;
    let bestKm = Infinity;
    for (const d of activeDepots) {
      const km = greatCircleKm(lat, lon, d.lat, d.lon);
      if (km < bestKm) [best, bestKm] = [d, km];
    }
    return best;
  };
  const needs = new Map<string, { category: PartsCategory; depot: Depot | undefined; faults: number; vins: Set<string>; stations: Map<string, number> }>();
  for (const fault of input.faults) {
    const need = faultNeeds([fault.spn]);
    const [best] = searchCandidates(input.stations, {
      lat: fault.lat, lon: fault.lon, capabilities: need.capabilities, partsCategories: need.partsCategories,
      at: new Date(fault.time), excludeStationIds: new Set(), maxDistanceKm: input.maxDistanceKm,
    }, 1, input.model);
    if (!best) continue;
    const station = input.stations.get(best.stationId)!;
    for (const category of best.missingParts) {
      const depot = nearestDepot(station.lat, station.lon);
      const key = `${category}|${depot?.id ?? ''}`;
      let entry = needs.get(key);
      if (!entry) needs.set(key, (entry = { category, depot, faults: 0, vins: new Set(), stations: new Map() }));
      entry.faults++;
      entry.vins.add(fault.vin);
      entry.stations.set(station.id, (entry.stations.get(station.id) ?? 0) + 1);
    }
  }
  return [...needs.values()]
    .map((e) => ({
      partsCategory: e.category,
      depotId: e.depot?.id ?? null,
      depotName: e.depot?.name ?? null,
      depotStocks: e.depot ? e.depot.partsCategories.includes(e.category) : false,
      faults: e.faults,
      trucks: e.vins.size,
      stations: [...e.stations.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([stationId, faults]) => ({ stationId, faults })),
    }))
    .sort((a, b) => b.faults - a.faults || a.partsCategory.localeCompare(b.partsCategory));
}
