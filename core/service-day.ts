// The network's monthly service day (the 7th of each month in current practice): stations publish an offer for
// that day (e.g. a labour discount), shown with reminders whose due date falls near it. Pure rules.
import type { LocalizedText } from './maintenance-plan.ts';
import { cstDateStart, DAY_MS } from './maintenance-due.ts';

export interface ServiceDayOffer {
  readonly stationId: string;
  /** `YYYY-MM-DD` (China time), always the network's service day of its month. */
  readonly date: string;
  readonly offer: LocalizedText;
  readonly publishedBy: string;
}

/** Problem with a service-day date, or undefined. */
export function serviceDayDateProblem(date: string, dayOfMonth: number, todayCst: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !Number.isFinite(cstDateStart(date))) return 'must be a date YYYY-MM-DD';
  if (Number(date.slice(8, 10)) !== dayOfMonth) return `the network's service day is the ${dayOfMonth}th of the month`;
  if (date < todayCst) return 'is in the past';
  return undefined;
}

/** The offer nearest to `atMs` within `nearDays`, among offers of the given stations. */
export function offerNear(offers: readonly ServiceDayOffer[], stationIds: ReadonlySet<string>, atMs: number, nearDays: number): ServiceDayOffer | undefined {
  let best: ServiceDayOffer | undefined;
  let bestGap = Infinity;
  for (const o of offers) {
    if (!stationIds.has(o.stationId)) continue;
    const gap = Math.abs(cstDateStart(o.date) - atMs);
    if (gap <= nearDays * DAY_MS && gap < bestGap) {
      best = o;
      bestGap = gap;
    }
  }
  return best;
}
