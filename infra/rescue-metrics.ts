// Rescue metrics in Prometheus text format, read from Redis at scrape time: the counters are written by
// the case store in the same atomic commit as each case change, so every dispatcher and API instance
// contributes and nothing is lost on a restart.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { TIME_TO_LAUNCH_BUCKETS_S } from './case-store.ts';

export interface RescueMetricsDeps {
  redis: Pick<Redis, 'hgetall' | 'zcard'>;
  prefix: string;
  queues: ReadonlyArray<Pick<Queue, 'name' | 'getJobCounts'>>;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function createRescueMetrics(deps: RescueMetricsDeps) {
  const keys = redisKeys(deps.prefix);

  async function render(): Promise<string> {
    const [stats, openCases, counts] = await Promise.all([
      deps.redis.hgetall(keys.rescueStats),
      deps.redis.zcard(keys.activeCases),
      Promise.all(deps.queues.map(async (q) => ({ name: q.name, counts: await q.getJobCounts('waiting', 'active', 'delayed', 'failed') }))),
    ]);
    const n = (field: string) => Number(stats[field] ?? 0);
    const lines: string[] = [];
    const family = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    family('rescue_events_total', 'counter', 'Rescue case events by type (opened, offered, launched, declined, escalated, ...)');
    for (const [field, value] of Object.entries(stats)) {
      if (field.startsWith('events:')) lines.push(`rescue_events_total{event="${esc(field.slice(7))}"} ${value}`);
    }
    family('rescue_declines_total', 'counter', 'Offers declined by stations, by reason code');
    for (const [field, value] of Object.entries(stats)) {
      if (field.startsWith('declines:')) lines.push(`rescue_declines_total{reason="${esc(field.slice(9))}"} ${value}`);
    }
    family('rescue_time_to_launch_seconds', 'histogram', 'Seconds from the breakdown report to the launch (accept or manual assignment)');
    for (const le of TIME_TO_LAUNCH_BUCKETS_S) lines.push(`rescue_time_to_launch_seconds_bucket{le="${le}"} ${n(`ttl_bucket:${le}`)}`);
    lines.push(`rescue_time_to_launch_seconds_bucket{le="+Inf"} ${n('ttl_count')}`);
    lines.push(`rescue_time_to_launch_seconds_sum ${n('ttl_sum_ms') / 1000}`);
    lines.push(`rescue_time_to_launch_seconds_count ${n('ttl_count')}`);
    family('rescue_launched_within_window_ratio', 'gauge', 'Share of launched rescues launched within the launch window');
    const launched = n('launched_within_window') + n('launched_late');
    lines.push(`rescue_launched_within_window_ratio ${launched > 0 ? n('launched_within_window') / launched : 0}`);
    family('rescue_escalations_total', 'counter', 'Cases escalated to the call center');
    lines.push(`rescue_escalations_total ${n('events:escalated')}`);
    family('rescue_offers_per_launched_case', 'gauge', 'Mean number of offers a case needed until its launch');
    lines.push(`rescue_offers_per_launched_case ${n('ttl_count') > 0 ? n('offers_at_launch') / n('ttl_count') : 0}`);
    family('rescue_open_cases', 'gauge', 'Cases in an open status (open, offered, launched, on_site)');
    lines.push(`rescue_open_cases ${openCases}`);
    family('rescue_queue_jobs', 'gauge', 'Jobs in the dispatcher queues by state');
    for (const q of counts) {
      for (const [state, value] of Object.entries(q.counts)) lines.push(`rescue_queue_jobs{queue="${esc(q.name)}",state="${state}"} ${value}`);
    }
    return lines.join('\n') + '\n';
  }

  return { render };
}
