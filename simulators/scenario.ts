// Scenario files and the KPI report (pure). A scenario says how big the network and fleet are, how fast
// simulated time runs, how the stations behave, and which events happen when (a corridor storm of
// breakdowns, a station outage, a broker restart). The KPIs are computed from the rescue cases as the
// API returns them and from the fleet's publish counts and the stored point counts.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { workingDaysDue, type WorkingCalendar } from '../core/working-calendar.ts';

const Positive = (opts: { maximum?: number; default?: number } = {}) => Type.Number({ exclusiveMinimum: 0, ...opts });
const Share = Type.Number({ minimum: 0, maximum: 1 });

const StormEvent = Type.Object({
  kind: Type.Literal('storm'),
  /** Simulated hours after the start. */
  atH: Type.Number({ minimum: 0 }),
  /** Corridor id (e.g. G4): breakdowns hit trucks driving on it. */
  corridor: Type.String({ minLength: 1 }),
  breakdowns: Type.Integer({ minimum: 1, maximum: 10_000 }),
  /** Spread over this many simulated minutes. */
  overMin: Type.Number({ minimum: 0, default: 30 }),
}, { additionalProperties: false });

const StationOutageEvent = Type.Object({
  kind: Type.Literal('station-outage'),
  atH: Type.Number({ minimum: 0 }),
  /** Station ids that stop answering; or `count` random stations on `corridor`. */
  stations: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  corridor: Type.Optional(Type.String({ minLength: 1 })),
  count: Type.Optional(Type.Integer({ minimum: 1 })),
  forMin: Type.Number({ exclusiveMinimum: 0 }),
}, { additionalProperties: false });

const BrokerRestartEvent = Type.Object({
  kind: Type.Literal('broker-restart'),
  atH: Type.Number({ minimum: 0 }),
  /** Wall seconds the broker stays down. */
  downS: Type.Number({ minimum: 0, maximum: 600, default: 10 }),
}, { additionalProperties: false });

export const ScenarioSchema = Type.Object({
  name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  description: Type.Optional(Type.String()),
  seed: Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, default: 1 }),
  simulatedHours: Positive({ maximum: 24 * 30 }),
  /** Simulated seconds per wall second; the stack's rescue timers are divided by the same factor. */
  speedup: Positive({ maximum: 1000, default: 1 }),
  network: Type.Object({
    stations: Type.Integer({ minimum: 1, default: 700 }),
    depots: Type.Integer({ minimum: 0, default: 20 }),
    vehicles: Type.Integer({ minimum: 1, default: 10_000 }),
  }, { additionalProperties: false, default: {} }),
  fleet: Type.Object({
    trucks: Type.Integer({ minimum: 1, maximum: 100_000 }),
    intervalS: Positive({ default: 30 }),
    redPerDay: Type.Number({ minimum: 0, default: 0.05 }),
    amberPerDay: Type.Number({ minimum: 0, default: 0.1 }),
    gapsPerDay: Type.Number({ minimum: 0, default: 3 }),
  }, { additionalProperties: false }),
  stations: Type.Object({
    accept: Type.Optional(Share),
    medianResponseS: Type.Optional(Positive()),
    responseSigma: Type.Optional(Type.Number({ minimum: 0, maximum: 5 })),
    towed: Type.Optional(Share),
    repairMedianMin: Type.Optional(Positive()),
  }, { additionalProperties: false, default: {} }),
  /** A simulated call-center agent assigns a station by hand when a case is escalated. */
  callCenter: Type.Object({
    enabled: Type.Boolean({ default: true }),
    reactionMedianS: Positive({ default: 60 }),
    /** The complaint desk's median time to answer a complaint, simulated hours (log-normal, shape 1). */
    complaintAnswerMedianH: Positive({ default: 6 }),
  }, { additionalProperties: false, default: {} }),
  events: Type.Array(Type.Union([StormEvent, StationOutageEvent, BrokerRestartEvent]), { default: [] }),
}, { additionalProperties: false });

export type Scenario = Static<typeof ScenarioSchema>;
export type ScenarioEvent = Scenario['events'][number];

/** Validates a parsed scenario file (defaults filled in); throws one readable error listing the problems. */
export function parseScenario(raw: unknown): Scenario {
  const value = Value.Default(ScenarioSchema, structuredClone(raw)) as unknown;
  const errors = [...Value.Errors(ScenarioSchema, value)].slice(0, 5);
  if (errors.length > 0) {
    throw new Error(`invalid scenario: ${errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`);
  }
  const scenario = value as Scenario;
  for (const event of scenario.events) {
    if (event.atH > scenario.simulatedHours) throw new Error(`invalid scenario: event ${event.kind} at ${event.atH} h is after the end (${scenario.simulatedHours} h)`);
    if (event.kind === 'station-outage' && !event.stations && !(event.corridor && event.count)) {
      throw new Error('invalid scenario: a station-outage needs `stations` or `corridor` + `count`');
    }
  }
  return scenario;
}

/** The stack's rescue timers for a time-compressed run: defaults divided by the speedup (integers ≥ 1). */
export function scaledRescueEnv(speedup: number): Record<string, string> {
  const scale = (seconds: number, min = 1) => String(Math.max(min, Math.round(seconds / speedup)));
  return {
    STATION_OFFER_TIMEOUT_S: scale(180),
    RESCUE_LAUNCH_WINDOW_S: scale(900, 2),
    ESCALATE_BEFORE_S: scale(300),
    REPAIR_WINDOW_S: scale(86_400, 60),
    REPAIR_WARNING_BEFORE_S: scale(14_400),
    FOLLOW_UP_DELAY_S: scale(3 * 86_400),
    // A parts courier covers `speedup` times the distance per wall second, and packs `speedup` times faster.
    PARTS_COURIER_KMH: String(60 * speedup),
    PARTS_COURIER_HANDLING_MIN: String(Math.round((30 / speedup) * 1000) / 1000),
    DRIVING_CHECK_S: scale(600),
    DISPATCHER_SWEEP_INTERVAL_S: scale(30),
  };
}

// ---- KPIs ----

export interface CaseForKpi {
  id: string;
  status: string;
  source: string;
  reportedAt: string;
  launchDeadline: string;
  escalated: boolean;
  offers: Array<{ outcome: string; reason?: string }>;
  launch?: { at: string; etaMin?: number; manual: boolean };
  repair?: { repairedAt?: string; withinDeadline?: boolean };
  repairBreach?: { at: string };
  partsReadyAtArrival?: boolean;
  parts?: Array<{ status: string; readyAt?: string }>;
  timeline?: Array<{ at: string; event: string }>;
  rating?: { score: number };
}

/**
 * Parts at the station by the van's actual arrival (the `on_site` time): measured on the timeline, because in a
 * time-compressed run the case's own `partsReadyAtArrival` compares the courier's (scaled) ready time with the
 * van's promised ETA in unscaled minutes. Undefined when no part was needed or the van has not arrived.
 */
export function partsReadyAtOnSite(c: CaseForKpi): boolean | undefined {
  const lines = (c.parts ?? []).filter((p) => p.status !== 'released');
  const onSite = c.timeline?.find((t) => t.event === 'on_site');
  if (lines.length === 0 || !onSite) return undefined;
  return lines.every((p) => p.status !== 'unavailable' && p.readyAt !== undefined && Date.parse(p.readyAt) <= Date.parse(onSite.at));
}

export interface RepairKpis {
  /** Cases repaired (status repaired/resolved, or closed after a repair). */
  repaired: number;
  repairedWithin24h: number;
  /** repairedWithin24h / repaired (null without repairs). */
  shareRepairedWithin24h: number | null;
  /** Repair deadlines escalated (repaired late or not yet). */
  repairBreaches: number;
  /** Cases whose van arrived and that needed parts, and those whose parts were all at the station by then. */
  partsNeeded: number;
  partsReadyAtArrival: number;
  sharePartsReadyAtArrival: number | null;
  /** Scores 1–5 → count. */
  ratings: Record<string, number>;
  averageRating: number | null;
  /** Complaints filed by the simulated customers and answered by the simulated desk (null: none filed). */
  complaints: ComplaintKpis | null;
}

/**
 * Complaints measured on simulated time: the API stamps `answerDue` and `inTime` on the wall clock, which a
 * compressed scenario makes meaningless (two working days are hours of wall time at ×48), so the due time is
 * computed again here from the simulated filing time on the same working calendar.
 */
export interface ComplaintKpis {
  filed: number;
  answered: number;
  answeredInTime: number;
  /** Not answered and already past its simulated due time when the scenario ended. */
  overdueOpen: number;
  /** Not answered and not yet due when the scenario ended (left out of the share). */
  openNotDue: number;
  /** answeredInTime / (answered + overdueOpen). */
  shareAnsweredInTime: number | null;
  /** Simulated hours from filing to answer: median and max. */
  answerHours: { median: number | null; max: number | null };
}

export function computeComplaintKpis(
  complaints: ReadonlyArray<{ filedAt: string; answeredAt?: string }>,
  opts: { simAt: (wallMs: number) => number; simEnd: number; workingDays: number; calendar: WorkingCalendar },
): ComplaintKpis | null {
  if (complaints.length === 0) return null;
  let answered = 0;
  let inTime = 0;
  let overdueOpen = 0;
  let openNotDue = 0;
  const hours: number[] = [];
  for (const c of complaints) {
    const filed = opts.simAt(Date.parse(c.filedAt));
    const due = workingDaysDue(new Date(filed), opts.workingDays, opts.calendar).getTime();
    if (c.answeredAt) {
      const at = opts.simAt(Date.parse(c.answeredAt));
      answered++;
      if (at <= due) inTime++;
      hours.push((at - filed) / 3_600_000);
    } else if (opts.simEnd > due) overdueOpen++;
    else openNotDue++;
  }
  hours.sort((a, b) => a - b);
  const judged = answered + overdueOpen;
  return {
    filed: complaints.length, answered, answeredInTime: inTime, overdueOpen, openNotDue,
    shareAnsweredInTime: judged === 0 ? null : Math.round((inTime / judged) * 1000) / 1000,
    answerHours: { median: round1(quantile(hours, 0.5)), max: round1(hours.at(-1) ?? null) },
  };
}

export function computeRepairKpis(cases: readonly CaseForKpi[]): RepairKpis {
  const repaired = cases.filter((c) => c.repair?.repairedAt);
  const within = repaired.filter((c) => c.repair?.withinDeadline && !c.repairBreach).length;
  const needed = cases.filter((c) => partsReadyAtOnSite(c) !== undefined);
  const ready = needed.filter((c) => partsReadyAtOnSite(c)).length;
  const ratings: Record<string, number> = {};
  let sum = 0;
  let n = 0;
  for (const c of cases) {
    if (!c.rating) continue;
    ratings[c.rating.score] = (ratings[c.rating.score] ?? 0) + 1;
    sum += c.rating.score;
    n++;
  }
  const share = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);
  return {
    repaired: repaired.length, repairedWithin24h: within, shareRepairedWithin24h: share(within, repaired.length),
    repairBreaches: cases.filter((c) => c.repairBreach).length,
    partsNeeded: needed.length, partsReadyAtArrival: ready, sharePartsReadyAtArrival: share(ready, needed.length),
    ratings, averageRating: n ? Math.round((sum / n) * 100) / 100 : null, complaints: null,
  };
}

export interface MessageCounts {
  published: number;
  acknowledged: number;
  failed: number;
  positionRecordsPublished: number;
  positionRecordsAcknowledged: number;
  positionPointsStored: number;
  dm1Published: number;
  dm1Acknowledged: number;
  dm1PointsStored: number;
}

export interface KpiReport {
  scenario: string;
  speedup: number;
  simulatedHours: number;
  breakdownsInjected: number;
  cases: number;
  casesFromTelematics: number;
  launched: number;
  launchedWithinWindow: number;
  /** Share of cases launched within their launch deadline (0–1). */
  shareLaunchedWithinWindow: number;
  /** Time from report to launch, simulated minutes. */
  timeToLaunchMin: { median: number | null; p95: number | null; max: number | null };
  escalations: number;
  manualAssignments: number;
  declines: number;
  declinesByReason: Record<string, number>;
  offerTimeouts: number;
  medianEtaMin: number | null;
  statuses: Record<string, number>;
  /**
   * `…Lost`: acknowledged by the broker but not stored (must be 0). `…StoredUnacknowledged`: stored although
   * the PUBACK never reached the truck (a connection cut before the acknowledgement; QoS 1 may then
   * deliver twice, which the store absorbs).
   */
  messages: MessageCounts & { positionRecordsLost: number; dm1Lost: number; positionRecordsStoredUnacknowledged: number; dm1StoredUnacknowledged: number };
  ingest: { drainSeconds: number | null; maxBacklogRecords: number };
  /** Simulated minutes to launch of every launched case (for the chart). */
  timeToLaunchSamples: number[];
  /** The second half of the cases: repairs within 24 h, parts ready at arrival, ratings. */
  repairs: RepairKpis;
}

export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

export function computeKpis(input: {
  scenario: Scenario;
  cases: readonly CaseForKpi[];
  breakdownsInjected: number;
  messages: MessageCounts;
  ingest: { drainSeconds: number | null; maxBacklogRecords: number };
}): KpiReport {
  const { scenario, cases } = input;
  const k = scenario.speedup;
  const launchedCases = cases.filter((c) => c.launch);
  const minutesToLaunch = launchedCases
    .map((c) => ((Date.parse(c.launch!.at) - Date.parse(c.reportedAt)) * k) / 60_000)
    .sort((a, b) => a - b);
  const withinWindow = launchedCases.filter((c) => Date.parse(c.launch!.at) <= Date.parse(c.launchDeadline)).length;
  const declinesByReason: Record<string, number> = {};
  let declines = 0;
  let offerTimeouts = 0;
  for (const c of cases) {
    for (const o of c.offers) {
      if (o.outcome === 'declined') {
        declines++;
        const reason = o.reason ?? '(none)';
        declinesByReason[reason] = (declinesByReason[reason] ?? 0) + 1;
      } else if (o.outcome === 'timed_out') offerTimeouts++;
    }
  }
  const statuses: Record<string, number> = {};
  for (const c of cases) statuses[c.status] = (statuses[c.status] ?? 0) + 1;
  const etas = launchedCases.flatMap((c) => (c.launch!.etaMin !== undefined ? [c.launch!.etaMin] : [])).sort((a, b) => a - b);
  const m = input.messages;
  return {
    scenario: scenario.name,
    speedup: k,
    simulatedHours: scenario.simulatedHours,
    breakdownsInjected: input.breakdownsInjected,
    cases: cases.length,
    casesFromTelematics: cases.filter((c) => c.source === 'telematics').length,
    launched: launchedCases.length,
    launchedWithinWindow: withinWindow,
    shareLaunchedWithinWindow: cases.length === 0 ? 1 : withinWindow / cases.length,
    timeToLaunchMin: {
      median: round1(quantile(minutesToLaunch, 0.5)),
      p95: round1(quantile(minutesToLaunch, 0.95)),
      max: round1(minutesToLaunch.at(-1) ?? null),
    },
    escalations: cases.filter((c) => c.escalated).length,
    manualAssignments: launchedCases.filter((c) => c.launch!.manual).length,
    declines,
    declinesByReason,
    offerTimeouts,
    medianEtaMin: round1(quantile(etas, 0.5)),
    statuses,
    messages: {
      ...m,
      positionRecordsLost: Math.max(0, m.positionRecordsAcknowledged - m.positionPointsStored),
      dm1Lost: Math.max(0, m.dm1Acknowledged - m.dm1PointsStored),
      positionRecordsStoredUnacknowledged: Math.max(0, m.positionPointsStored - m.positionRecordsAcknowledged),
      dm1StoredUnacknowledged: Math.max(0, m.dm1PointsStored - m.dm1Acknowledged),
    },
    ingest: input.ingest,
    timeToLaunchSamples: minutesToLaunch.map((x) => Math.round(x * 100) / 100),
    repairs: computeRepairKpis(cases),
  };
}

// ---- readable report ----

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function barChart(title: string, bars: ReadonlyArray<readonly [string, number]>, opts: { marker?: number } = {}): string {
  const width = 640;
  const barH = 22;
  const labelW = 230;
  const max = Math.max(1, ...bars.map(([, v]) => v));
  const rows = bars.map(([label, value], i) => {
    const w = ((width - labelW - 60) * value) / max;
    return `<text x="${labelW - 8}" y="${i * barH + 15}" text-anchor="end">${esc(label)}</text>` +
      `<rect x="${labelW}" y="${i * barH + 3}" width="${w.toFixed(1)}" height="${barH - 6}" fill="#3b7dd8"/>` +
      `<text x="${labelW + w + 6}" y="${i * barH + 15}">${value}</text>`;
  });
  return `<h3>${esc(title)}</h3><svg width="${width}" height="${bars.length * barH + 6}" font-size="12" font-family="sans-serif">${rows.join('')}</svg>`;
}

/** Histogram of time to launch in minute buckets up to the window and beyond. */
function launchHistogram(samples: readonly number[]): Array<[string, number]> {
  const edges = [0, 1, 2, 3, 5, 7.5, 10, 12.5, 15, 20, 30];
  const buckets: Array<[string, number]> = [];
  for (let i = 0; i < edges.length; i++) {
    const lo = edges[i]!;
    const hi = edges[i + 1];
    const label = hi === undefined ? `≥ ${lo} min` : `${lo}–${hi} min`;
    buckets.push([label, samples.filter((s) => s >= lo && (hi === undefined || s < hi)).length]);
  }
  return buckets;
}

function complaintRow(c: ComplaintKpis, pct: (x: number) => string): string {
  const share = c.shareAnsweredInTime === null ? '–' : pct(c.shareAnsweredInTime);
  return `${c.answeredInTime} / ${c.answered + c.overdueOpen} = ${share} (filed ${c.filed}, open and not yet due ${c.openNotDue}; median answer ${c.answerHours.median ?? '–'} h)`;
}

export function renderReportHtml(report: KpiReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const rows: Array<[string, string]> = [
    ['Breakdowns injected (red stop lamp)', String(report.breakdownsInjected)],
    ['Rescue cases', `${report.cases} (${report.casesFromTelematics} from telematics)`],
    ['Launched within the window (15 min)', `${report.launchedWithinWindow} / ${report.cases} = ${pct(report.shareLaunchedWithinWindow)}`],
    ['Time to launch: median / p95 / max', `${report.timeToLaunchMin.median ?? '–'} / ${report.timeToLaunchMin.p95 ?? '–'} / ${report.timeToLaunchMin.max ?? '–'} min`],
    ['Escalations', String(report.escalations)],
    ['Declines / offer time-outs', `${report.declines} / ${report.offerTimeouts}`],
    ['Repaired within 24 h', report.repairs.shareRepairedWithin24h === null ? '–' : `${report.repairs.repairedWithin24h} / ${report.repairs.repaired} = ${pct(report.repairs.shareRepairedWithin24h)}`],
    ['Parts ready at arrival', report.repairs.sharePartsReadyAtArrival === null ? '–' : `${report.repairs.partsReadyAtArrival} / ${report.repairs.partsNeeded} = ${pct(report.repairs.sharePartsReadyAtArrival)}`],
    ['Ratings 1–5 (average)', `${[1, 2, 3, 4, 5].map((s) => report.repairs.ratings[s] ?? 0).join(' / ')} (${report.repairs.averageRating ?? '–'})`],
    ['Complaints answered in time (2 working days, simulated time)', report.repairs.complaints === null ? 'none filed' : complaintRow(report.repairs.complaints, pct)],
    ['Median promised ETA', report.medianEtaMin === null ? '–' : `${report.medianEtaMin} min`],
    ['MQTT publishes: published / acknowledged / failed', `${report.messages.published} / ${report.messages.acknowledged} / ${report.messages.failed}`],
    ['Position records: published / acknowledged / stored / lost', `${report.messages.positionRecordsPublished} / ${report.messages.positionRecordsAcknowledged} / ${report.messages.positionPointsStored} / ${report.messages.positionRecordsLost}`],
    ['DM1 snapshots: acknowledged / stored / lost', `${report.messages.dm1Acknowledged} / ${report.messages.dm1PointsStored} / ${report.messages.dm1Lost}`],
    ['Ingest: drain after the fleet stopped / max backlog', `${report.ingest.drainSeconds ?? '–'} s / ${report.ingest.maxBacklogRecords} records`],
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Scenario ${esc(report.scenario)}</title>
<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}table{border-collapse:collapse}td{padding:4px 12px;border-bottom:1px solid #ddd}td:first-child{color:#555}</style>
</head><body>
<h1>Scenario ${esc(report.scenario)}</h1>
<p>${report.simulatedHours} simulated hours at ×${report.speedup} (every duration below is in simulated time).</p>
<table>${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</table>
${barChart('Time from report to launch', launchHistogram(report.timeToLaunchSamples))}
${barChart('Declines by reason', Object.entries(report.declinesByReason).sort((a, b) => b[1] - a[1]))}
${barChart('Cases by final status', Object.entries(report.statuses).sort((a, b) => b[1] - a[1]))}
</body></html>
`;
}
