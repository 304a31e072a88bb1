// A station's scorecard over a period, computed from the cases it was offered in the period (by report time) and
// the complaints about it filed in the period. Pure: repair/scorecard.ts reads the inputs.
import type { Complaint } from './complaint.ts';
import type { RescueCase } from './rescue-case.ts';

export interface Scorecard {
  stationId: string;
  from: string;
  to: string;
  offers: number;
  accepted: number;
  declined: number;
  timedOut: number;
  /** accepted / answered-or-expired offers; null without offers. */
  acceptanceRate: number | null;
  /** Median seconds from offer to answer (accept or decline). */
  medianAnswerS: number | null;
  launches: number;
  launchedWithinWindow: number;
  /** Launched cases whose repair outcome is known: repaired, or past the deadline unrepaired. */
  repairsDue: number;
  repairedWithin24h: number;
  /** Repaired late or escalated at the deadline. */
  repairsMissed24h: number;
  repairedWithin24hRate: number | null;
  partsReadyAtArrival: number;
  partsNeeded: number;
  partsReadyAtArrivalRate: number | null;
  ratings: number;
  averageRating: number | null;
  complaints: number;
  complaintsAnsweredInTime: number;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 1000) / 1000);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function computeScorecard(stationId: string, from: Date, to: Date, cases: readonly RescueCase[], complaints: readonly Complaint[], now: Date): Scorecard {
  let offers = 0, accepted = 0, declined = 0, timedOut = 0;
  const answerS: number[] = [];
  let launches = 0, launchedWithinWindow = 0, repairsDue = 0, repairedWithin24h = 0, repairsMissed24h = 0;
  let partsReady = 0, partsNeeded = 0, ratings = 0, ratingSum = 0;
  for (const c of cases) {
    for (const o of c.offers) {
      if (o.stationId !== stationId) continue;
      offers++;
      if (o.outcome === 'accepted') accepted++;
      if (o.outcome === 'declined') declined++;
      if (o.outcome === 'timed_out') timedOut++;
      if ((o.outcome === 'accepted' || o.outcome === 'declined') && o.answeredAt) answerS.push((Date.parse(o.answeredAt) - Date.parse(o.offeredAt)) / 1000);
    }
    if (c.launch?.stationId !== stationId) continue;
    launches++;
    if (Date.parse(c.launch.at) <= Date.parse(c.launchDeadline)) launchedWithinWindow++;
    const repairedAt = c.repair?.repairedAt;
    const pastDeadline = now.getTime() > Date.parse(c.repairDeadline);
    if (repairedAt || c.repairBreach || (pastDeadline && c.status !== 'cancelled' && c.status !== 'towed')) {
      repairsDue++;
      if (repairedAt && c.repair?.withinDeadline && !c.repairBreach) repairedWithin24h++;
      else repairsMissed24h++;
    }
    if (c.partsReadyAtArrival !== undefined) {
      partsNeeded++;
      if (c.partsReadyAtArrival) partsReady++;
    }
    if (c.rating) {
      ratings++;
      ratingSum += c.rating.score;
    }
  }
  const about = complaints.filter((k) => k.stationId === stationId);
  return {
    stationId, from: from.toISOString(), to: to.toISOString(),
    offers, accepted, declined, timedOut,
    acceptanceRate: ratio(accepted, accepted + declined + timedOut),
    medianAnswerS: median(answerS),
    launches, launchedWithinWindow,
    repairsDue, repairedWithin24h, repairsMissed24h, repairedWithin24hRate: ratio(repairedWithin24h, repairsDue),
    partsReadyAtArrival: partsReady, partsNeeded, partsReadyAtArrivalRate: ratio(partsReady, partsNeeded),
    ratings, averageRating: ratings ? Math.round((ratingSum / ratings) * 100) / 100 : null,
    complaints: about.length,
    complaintsAnsweredInTime: about.filter((k) => k.answer?.inTime).length,
  };
}
