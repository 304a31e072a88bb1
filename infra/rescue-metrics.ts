// Rescue metrics, read from Redis at scrape time: the counters are written by the case store in the same
// atomic commit as each case change, so every dispatcher and API instance contributes and nothing is lost
// on a restart. The families are defined once here; `render` writes them as Prometheus text for
// `/v1/rescue-metrics`, and the API's `/metrics` registry serves the same samples (api/metrics.ts).
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { TIME_TO_LAUNCH_BUCKETS_S } from '../core/rescue-stats.ts';

export interface RescueMetricsDeps {
  redis: Pick<Redis, 'hgetall' | 'zcard'>;
  prefix: string;
  queues: ReadonlyArray<Pick<Queue, 'name' | 'getJobCounts'>>;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
}

/** One line of a family: `name` is the family name, or `<family>_bucket|_sum|_count` for a histogram. */
export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export const RESCUE_METRIC_FAMILIES = [
  { name: 'rescue_events_total', type: 'counter', help: 'Rescue case events by type (opened, offered, launched, declined, escalated, ...)' },
  { name: 'rescue_declines_total', type: 'counter', help: 'Offers declined by stations, by reason code' },
  { name: 'rescue_time_to_launch_seconds', type: 'histogram', help: 'Seconds from the breakdown report to the launch (accept or manual assignment)' },
  { name: 'rescue_launched_within_window_ratio', type: 'gauge', help: 'Share of launched rescues launched within the launch window' },
  { name: 'rescue_escalations_total', type: 'counter', help: 'Cases escalated to the call center' },
  { name: 'rescue_offers_per_launched_case', type: 'gauge', help: 'Mean number of offers a case needed until its launch' },
  { name: 'rescue_open_cases', type: 'gauge', help: 'Cases in an open status (open, offered, launched, on_site)' },
  { name: 'rescue_queue_jobs', type: 'gauge', help: 'Jobs in the dispatcher queues by state' },
] as const satisfies readonly MetricFamily[];

export type RescueMetricName = (typeof RESCUE_METRIC_FAMILIES)[number]['name'];

/** The samples of every rescue family at one moment. */
export type RescueMetricSamples = Readonly<Record<RescueMetricName, readonly MetricSample[]>>;

export interface RescueMetrics {
  /** Reads the counters, the open cases and the queue depths once (three Redis round trips and one per queue). */
  collect(): Promise<RescueMetricSamples>;
  /** Prometheus text of all rescue families. */
  render(): Promise<string>;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function createRescueMetrics(deps: RescueMetricsDeps): RescueMetrics {
  const keys = redisKeys(deps.prefix);

  async function collect(): Promise<RescueMetricSamples> {
    const [stats, openCases, counts] = await Promise.all([
      deps.redis.hgetall(keys.rescueStats),
      deps.redis.zcard(keys.activeCases),
      Promise.all(deps.queues.map(async (q) => ({ name: q.name, counts: await q.getJobCounts('waiting', 'active', 'delayed', 'failed') }))),
    ]);
    const n = (field: string) => Number(stats[field] ?? 0);
    const byPrefix = (prefix: string, family: string, label: string): MetricSample[] =>
      Object.entries(stats)
        .filter(([field]) => field.startsWith(prefix))
        .map(([field, value]) => ({ name: family, labels: { [label]: field.slice(prefix.length) }, value: Number(value) }));
    const one = (name: string, value: number): MetricSample[] => [{ name, labels: {}, value }];
    const ttl = 'rescue_time_to_launch_seconds';
    const launched = n('launched_within_window') + n('launched_late');
    return {
      rescue_events_total: byPrefix('events:', 'rescue_events_total', 'event'),
      rescue_declines_total: byPrefix('declines:', 'rescue_declines_total', 'reason'),
      rescue_time_to_launch_seconds: [
        ...TIME_TO_LAUNCH_BUCKETS_S.map((le) => ({ name: `${ttl}_bucket`, labels: { le: String(le) }, value: n(`ttl_bucket:${le}`) })),
        { name: `${ttl}_bucket`, labels: { le: '+Inf' }, value: n('ttl_count') },
        { name: `${ttl}_sum`, labels: {}, value: n('ttl_sum_ms') / 1000 },
        { name: `${ttl}_count`, labels: {}, value: n('ttl_count') },
      ],
      rescue_launched_within_window_ratio: one('rescue_launched_within_window_ratio', launched > 0 ? n('launched_within_window') / launched : 0),
      rescue_escalations_total: one('rescue_escalations_total', n('events:escalated')),
      rescue_offers_per_launched_case: one('rescue_offers_per_launched_case', n('ttl_count') > 0 ? n('offers_at_launch') / n('ttl_count') : 0),
      rescue_open_cases: one('rescue_open_cases', openCases),
      rescue_queue_jobs: counts.flatMap((q) =>
        Object.entries(q.counts).map(([state, value]) => ({ name: 'rescue_queue_jobs', labels: { queue: q.name, state }, value }))),
    };
  }

  async function render(): Promise<string> {
    const samples = await collect();
    const lines: string[] = [];
    for (const family of RESCUE_METRIC_FAMILIES) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
      for (const s of samples[family.name]) {
        const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',');
        lines.push(`${s.name}${labels ? `{${labels}}` : ''} ${s.value}`);
      }
    }
    return lines.join('\n') + '\n';
  }

  return { collect, render };
}
