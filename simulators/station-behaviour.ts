// How simulated service stations answer rescue offers (pure): accept with a probability, answer after a
// log-normal delay (median ~90 s with a long tail, so that some offers time out), decline with a
// realistic reason, promise an ETA near the dispatcher's estimate, and run the rescue to the end.
import type { Random } from '../core/prng.ts';

export interface StationBehaviour {
  /** Probability that a station accepts an offer it answers. */
  readonly acceptProbability: number;
  /** Median and log-normal shape of the time to answer an offer, seconds. */
  readonly responseMedianS: number;
  readonly responseSigma: number;
  /** Promised ETA = dispatcher's estimate × a factor in this range. */
  readonly etaFactor: readonly [number, number];
  /** Arrival relative to the promised ETA: log-normal around 1 with this shape. */
  readonly arrivalSigma: number;
  /** Median time on site until repaired or towed, seconds. */
  readonly repairMedianS: number;
  /** Share of rescues that end with a tow instead of a roadside repair. */
  readonly towedShare: number;
  /** Time from repaired/towed to closing the case, seconds. */
  readonly closeAfterS: number;
  /** Median of a back-ordered part's wait (a part no depot had), seconds. */
  readonly backorderMedianS: number;
}

/**
 * Median hands-on repair time by the fault's system, seconds (log-normal around it, shape 0.5): an engine job
 * takes an afternoon, a battery or a sensor an hour. `repairMedianS` scales them (its default, 90 min, is ×1).
 */
export const REPAIR_MEDIAN_BY_SYSTEM_S: Readonly<Record<string, number>> = {
  engine: 4 * 3600, lubrication: 3 * 3600, cooling: 2.5 * 3600, fuel: 2 * 3600, 'air-intake': 1.5 * 3600,
  electrical: 1 * 3600, aftertreatment: 2.5 * 3600, transmission: 5 * 3600, brakes: 2 * 3600, tyres: 1 * 3600, general: 1.5 * 3600,
};

export const DEFAULT_STATION_BEHAVIOUR: StationBehaviour = {
  acceptProbability: 0.9, responseMedianS: 90, responseSigma: 0.5, etaFactor: [0.9, 1.2], arrivalSigma: 0.15,
  repairMedianS: 90 * 60, towedShare: 0.15, closeAfterS: 10 * 60, backorderMedianS: 8 * 3600,
};

export const DECLINE_REASONS: ReadonlyArray<readonly [string, number]> = [
  ['all rescue vans are out', 4],
  ['no technician for this system on shift', 3],
  ['parts not in stock', 2],
  ['outside our service area', 1],
  ['closing for the night', 1],
];

export type OfferAnswer =
  | { action: 'accept'; afterS: number; etaMin: number; vanId: string; technician: string }
  | { action: 'decline'; afterS: number; reason: string };

const TECHNICIANS = ['张师傅', '李师傅', '王师傅', '刘师傅', '陈师傅', '杨师傅', '赵师傅', '黄师傅'];

export function answerOffer(rng: Random, b: StationBehaviour, offer: { etaMin: number }): OfferAnswer {
  const afterS = rng.logNormal(b.responseMedianS, b.responseSigma);
  if (rng.chance(b.acceptProbability)) {
    const etaMin = Math.max(5, Math.round(offer.etaMin * rng.range(b.etaFactor[0], b.etaFactor[1])));
    return { action: 'accept', afterS, etaMin, vanId: `van-${rng.int(1, 9)}`, technician: rng.pick(TECHNICIANS) };
  }
  const reason = DECLINE_REASONS[rng.weightedIndex(DECLINE_REASONS.map(([, w]) => w))]![0];
  return { action: 'decline', afterS, reason };
}

export interface RescueProgress {
  /** After the launch: van arrives. */
  onSiteAfterS: number;
  /** After the launch: every part is at the station (0 when nothing is needed or all were on the shelf). */
  partsAfterS: number;
  /** After the repair starts: repaired or towed. */
  finishAfterS: number;
  outcome: 'repaired' | 'towed';
  /** After the finish: the case is closed. */
  closeAfterS: number;
}

export interface RescueFacts {
  readonly promisedEtaMin: number;
  readonly systems?: readonly string[];
  /** Seconds from the launch until each part is at the station; `undefined` for a part nobody had. */
  readonly partsReadyAfterS?: ReadonlyArray<number | undefined>;
}

export function planRescue(rng: Random, b: StationBehaviour, facts: RescueFacts): RescueProgress {
  const scale = b.repairMedianS / DEFAULT_STATION_BEHAVIOUR.repairMedianS;
  const median = Math.max(...(facts.systems?.length ? facts.systems : ['general']).map((s) => REPAIR_MEDIAN_BY_SYSTEM_S[s] ?? REPAIR_MEDIAN_BY_SYSTEM_S.general!)) * scale;
  const partsAfterS = Math.max(0, ...(facts.partsReadyAfterS ?? []).map((s) => s ?? rng.logNormal(b.backorderMedianS, 0.6)));
  return {
    onSiteAfterS: facts.promisedEtaMin * 60 * rng.logNormal(1, b.arrivalSigma),
    partsAfterS,
    finishAfterS: rng.logNormal(median, 0.5),
    outcome: rng.chance(b.towedShare) ? 'towed' : 'repaired',
    closeAfterS: b.closeAfterS,
  };
}

/** The customer's score: mostly 4–5 for a repair within 24 hours, lower when it took longer. */
export function customerScore(rng: Random, withinDeadline: boolean): number {
  const weights = withinDeadline ? [1, 1, 4, 30, 64] : [10, 20, 35, 25, 10];
  return rng.weightedIndex(weights) + 1;
}

/**
 * Whether the customer files a complaint after rating a repair: most unhappy customers do, a few lukewarm ones, a
 * repair past the 24-hour promise makes it more likely.
 */
export function customerComplains(rng: Random, score: number, withinDeadline: boolean): boolean {
  const base = score <= 1 ? 0.7 : score === 2 ? 0.4 : score === 3 ? 0.05 : 0.005;
  return rng.chance(Math.min(1, withinDeadline ? base : base * 1.5));
}

/** What the simulated customer writes (zh-CN, as a real one would). */
export const COMPLAINT_TEXTS: readonly string[] = [
  '维修时间太长，车辆停了一整天，影响了送货。',
  '服务站到达比承诺的时间晚了很多。',
  '修好后同样的故障又出现了。',
  '配件等了很久，没人主动告知进度。',
  '技师态度不好，收费不清楚。',
];
