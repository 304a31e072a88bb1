// The rescue KPIs counted with every case change: events by kind, declines by reason, time to launch
// (histogram), launches within the window. Pure: the case store writes these increments in the same atomic
// commit as the change (infra/case-store.ts), infra/rescue-metrics.ts reads them back for /metrics.
import type { RescueCase } from './rescue-case.ts';

/** Upper bounds (seconds) of the time-to-launch histogram buckets. */
export const TIME_TO_LAUNCH_BUCKETS_S = [60, 120, 300, 600, 900, 1200, 1800, 3600] as const;

/** Counter increments of one committed change (written in the same atomic commit). */
export function statIncrements(before: RescueCase | undefined, after: RescueCase, event: string | undefined, details: Record<string, unknown>): Array<[string, number]> {
  if (!event) return [];
  const out: Array<[string, number]> = [[`events:${event}`, 1]];
  if (event === 'declined') out.push([`declines:${String(details.reasonCode ?? 'other')}`, 1]);
  const launchedNow = after.launch && !before?.launch;
  if (launchedNow) {
    const ms = Date.parse(after.launch!.at) - Date.parse(after.reportedAt);
    for (const le of TIME_TO_LAUNCH_BUCKETS_S) if (ms <= le * 1000) out.push([`ttl_bucket:${le}`, 1]);
    out.push(['ttl_count', 1], ['ttl_sum_ms', Math.max(0, Math.round(ms))], ['offers_at_launch', after.offers.length]);
    out.push([Date.parse(after.launch!.at) <= Date.parse(after.launchDeadline) ? 'launched_within_window' : 'launched_late', 1]);
  }
  if (after.repair?.repairedAt && !before?.repair?.repairedAt) out.push([after.repair.withinDeadline ? 'repaired_within_deadline' : 'repaired_late', 1]);
  if (launchedNow && after.partsReadyAtArrival !== undefined) out.push([after.partsReadyAtArrival ? 'parts_ready_at_arrival' : 'parts_late_at_arrival', 1]);
  if (after.rating && !before?.rating) out.push([`rating:${after.rating.score}`, 1]);
  return out;
}
