// How simulated service stations answer rescue offers (pure): accept with a probability, answer after a
// log-normal delay (median ~90 s with a long tail, so that some offers time out), decline with a
// realistic reason, promise an ETA near the dispatcher's estimate, and run the rescue to the end.
import type { Random } from './prng.ts';

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
  /** Time from resolved/towed to closing the case, seconds. */
  readonly closeAfterS: number;
}

export const DEFAULT_STATION_BEHAVIOUR: StationBehaviour = {
  acceptProbability: 0.9, responseMedianS: 90, responseSigma: 0.5, etaFactor: [0.9, 1.2], arrivalSigma: 0.15,
  repairMedianS: 90 * 60, towedShare: 0.15, closeAfterS: 10 * 60,
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
  /** After arrival: repaired or towed. */
  finishAfterS: number;
  outcome: 'resolved' | 'towed';
  /** After the finish: the case is closed. */
  closeAfterS: number;
}

export function planRescue(rng: Random, b: StationBehaviour, promisedEtaMin: number): RescueProgress {
  return {
    onSiteAfterS: promisedEtaMin * 60 * rng.logNormal(1, b.arrivalSigma),
    finishAfterS: rng.logNormal(b.repairMedianS, 0.5),
    outcome: rng.chance(b.towedShare) ? 'towed' : 'resolved',
    closeAfterS: b.closeAfterS,
  };
}
