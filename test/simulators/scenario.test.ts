import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { readRescueConfig } from '../../infra/rescue-config.ts';
import { chooseStationByHand } from '../../simulators/call-center.ts';
import { SEEDED_CALENDAR } from '../../core/working-calendar.ts';
import { createRandom } from '../../core/prng.ts';
import { customerComplains } from '../../simulators/station-behaviour.ts';
import { computeComplaintKpis, computeKpis, parseScenario, renderReportHtml, scaledRescueEnv, type CaseForKpi } from '../../simulators/scenario.ts';

const dir = join(import.meta.dirname, '../../simulators/scenarios');

describe('scenario files', () => {
  it('every shipped scenario parses, with defaults filled in', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['normal-day.yaml', 'g4-storm.yaml', 'station-outage.yaml', 'broker-restart.yaml']));
    for (const file of files) {
      const s = parseScenario(YAML.parse(readFileSync(join(dir, file), 'utf8')));
      expect(s.name).toBe(file.replace('.yaml', ''));
      expect(s.callCenter.enabled).toBe(true);
      expect(s.network.stations).toBeGreaterThan(0);
    }
    const day = parseScenario(YAML.parse(readFileSync(join(dir, 'normal-day.yaml'), 'utf8')));
    expect((day.simulatedHours * 60) / day.speedup).toBeLessThanOrEqual(30); // 24 h in ≤ 30 min
  });

  it('rejects bad scenarios with a readable reason', () => {
    expect(() => parseScenario({ name: 'x', simulatedHours: 2, fleet: { trucks: 0 } })).toThrow(/fleet\/trucks/);
    expect(() => parseScenario({ name: 'x', simulatedHours: 2, fleet: { trucks: 5 }, events: [{ kind: 'storm', atH: 3, corridor: 'G4', breakdowns: 2 }] }))
      .toThrow(/after the end/);
    expect(() => parseScenario({ name: 'x', simulatedHours: 2, fleet: { trucks: 5 }, events: [{ kind: 'station-outage', atH: 1, forMin: 5 }] }))
      .toThrow(/stations/);
    expect(() => parseScenario({ name: 'x', simulatedHours: 2, fleet: { trucks: 5 }, bogus: 1 })).toThrow(/invalid scenario/);
  });

  it('scales the stack rescue timers by the speedup into settings the processes accept', () => {
    const env = scaledRescueEnv(48);
    expect(env).toMatchObject({ STATION_OFFER_TIMEOUT_S: '4', RESCUE_LAUNCH_WINDOW_S: '19', ESCALATE_BEFORE_S: '6', REPAIR_WINDOW_S: '1800' });
    const config = readRescueConfig(env);
    expect(config.launchWindowS).toBe(19);
    expect(config.escalateBeforeS).toBeLessThan(config.launchWindowS);
    expect(readRescueConfig(scaledRescueEnv(1))).toMatchObject({ offerTimeoutS: 180, launchWindowS: 900, escalateBeforeS: 300 });
    expect(() => readRescueConfig(scaledRescueEnv(1000))).not.toThrow();
  });
});

describe('KPI report', () => {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
  // At ×10: 1 wall second = 10 simulated seconds; window 90 wall s = 15 simulated minutes.
  const mk = (id: string, launchAfterS: number | undefined, extra: Partial<CaseForKpi> = {}): CaseForKpi => ({
    id, status: launchAfterS === undefined ? 'offered' : 'launched', source: 'telematics', reportedAt: t(0), launchDeadline: t(90),
    escalated: false, offers: [], ...(launchAfterS !== undefined ? { launch: { at: t(launchAfterS), etaMin: 40, manual: false } } : {}), ...extra,
  });
  const scenario = parseScenario({ name: 'k', simulatedHours: 1, speedup: 10, fleet: { trucks: 1 } });
  const cases = [
    mk('a', 6), mk('b', 12, { offers: [{ outcome: 'declined', reason: 'parts not in stock' }, { outcome: 'accepted' }] }),
    mk('c', 30, { offers: [{ outcome: 'timed_out' }, { outcome: 'accepted' }] }),
    mk('d', 120, { escalated: true, launch: { at: t(120), etaMin: 60, manual: true } }), mk('e', undefined, { escalated: true }),
  ];
  const messages = {
    published: 100, acknowledged: 100, failed: 0, positionRecordsPublished: 950, positionRecordsAcknowledged: 950, positionPointsStored: 949,
    dm1Published: 10, dm1Acknowledged: 10, dm1PointsStored: 10,
  };
  const report = computeKpis({ scenario, cases, breakdownsInjected: 5, messages, ingest: { drainSeconds: 1.5, maxBacklogRecords: 12 } });

  it('computes launch share, time to launch in simulated minutes, escalations, declines and losses', () => {
    expect(report.cases).toBe(5);
    expect(report.launched).toBe(4);
    expect(report.launchedWithinWindow).toBe(3);
    expect(report.shareLaunchedWithinWindow).toBeCloseTo(0.6);
    expect(report.timeToLaunchSamples).toEqual([1, 2, 5, 20]);
    expect(report.timeToLaunchMin).toEqual({ median: 2, p95: 20, max: 20 });
    expect(report.escalations).toBe(2);
    expect(report.manualAssignments).toBe(1);
    expect(report.declinesByReason).toEqual({ 'parts not in stock': 1 });
    expect(report.offerTimeouts).toBe(1);
    expect(report.medianEtaMin).toBe(40);
    expect(report.messages.positionRecordsLost).toBe(1);
    expect(report.messages.dm1Lost).toBe(0);
    expect(report.messages.positionRecordsStoredUnacknowledged).toBe(0);
    const extra = computeKpis({ scenario, cases, breakdownsInjected: 5, messages: { ...messages, positionPointsStored: 951 }, ingest: report.ingest });
    expect(extra.messages).toMatchObject({ positionRecordsLost: 0, positionRecordsStoredUnacknowledged: 1 });
    expect(report.statuses).toEqual({ launched: 4, offered: 1 });
  });

  it('renders a readable HTML page with charts, escaping text', () => {
    const html = renderReportHtml({ ...report, declinesByReason: { '<script>': 2 } });
    expect(html).toContain('<svg');
    expect(html).toContain('3 / 5 = 60.0 %');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });
});

describe('call center', () => {
  it('assigns the best kept candidate that has not declined or timed out, skipping unreachable stations', () => {
    const c = {
      id: 'rc-1', status: 'offered', escalated: true, offers: [
        { attempt: 1, stationId: 'A', outcome: 'declined', etaMin: 20 }, { attempt: 2, stationId: 'B', outcome: 'timed_out', etaMin: 25 },
      ],
      candidates: [
        { stationId: 'A', kept: true, etaMin: 20 }, { stationId: 'B', kept: true, etaMin: 25 }, { stationId: 'C', kept: true, etaMin: 31.4 },
        { stationId: 'D', kept: true, etaMin: 40 }, { stationId: 'E', kept: false, etaMin: 10 },
      ],
    };
    expect(chooseStationByHand(c, new Set())).toEqual({ stationId: 'C', etaMin: 31 });
    expect(chooseStationByHand(c, new Set(['C']))).toEqual({ stationId: 'D', etaMin: 40 });
    expect(chooseStationByHand({ ...c, candidates: [] }, new Set())).toBeUndefined();
  });
});

describe('complaint KPIs on simulated time', () => {
  // ×48: a wall-clock hour is two simulated days. Filed Friday 2026-10-09 10:00 China time, after National Day:
  // Saturday 10-10 is an adjusted working day, Sunday is off, so the second working day is Monday 10-12 (24:00).
  const k = 48;
  const wallStart = Date.parse('2026-11-29T00:00:00Z');
  const simStart = Date.parse('2026-10-09T02:00:00Z');
  const simAt = (wallMs: number) => simStart + (wallMs - wallStart) * k;
  const wallAtSimH = (h: number) => new Date(wallStart + (h * 3_600_000) / k).toISOString();

  it('counts an answer in time against the working-day due time, not against wall-clock hours', () => {
    const kpis = computeComplaintKpis([
      { filedAt: wallAtSimH(0), answeredAt: wallAtSimH(70) }, // Monday 08:00: in time
      { filedAt: wallAtSimH(0), answeredAt: wallAtSimH(90) }, // Tuesday 04:00: late
      { filedAt: wallAtSimH(0) }, // never answered, and the scenario ended after the due time: overdue
      { filedAt: wallAtSimH(99) }, // filed Tuesday 13:00 and not yet due when the scenario ended
    ], { simAt, simEnd: simStart + 100 * 3_600_000, workingDays: 2, calendar: SEEDED_CALENDAR });
    expect(kpis).toEqual({
      filed: 4, answered: 2, answeredInTime: 1, overdueOpen: 1, openNotDue: 1, shareAnsweredInTime: 0.333,
      answerHours: { median: 70, max: 90 },
    });
  });

  it('the adjusted Saturday counts as a working day: without it the due time is a day later', () => {
    const noAdjustment = new Map(SEEDED_CALENDAR);
    const y = SEEDED_CALENDAR.get(2026)!;
    noAdjustment.set(2026, { ...y, workdays: y.workdays.filter((d) => d !== '2026-10-10') });
    const tuesday = [{ filedAt: wallAtSimH(0), answeredAt: wallAtSimH(96) }]; // Tuesday 10-13 10:00
    const opts = { simAt, simEnd: simStart + 100 * 3_600_000, workingDays: 2 };
    expect(computeComplaintKpis(tuesday, { ...opts, calendar: SEEDED_CALENDAR })?.answeredInTime).toBe(0);
    expect(computeComplaintKpis(tuesday, { ...opts, calendar: noAdjustment })?.answeredInTime).toBe(1);
    expect(computeComplaintKpis([], { ...opts, calendar: SEEDED_CALENDAR })).toBeNull();
  });

  it('unhappy customers complain far more often than happy ones', () => {
    const rng = createRandom(7);
    const rate = (score: number) => Array.from({ length: 4000 }, () => customerComplains(rng, score, true)).filter(Boolean).length / 4000;
    expect(rate(1)).toBeGreaterThan(0.6);
    expect(rate(2)).toBeGreaterThan(0.3);
    expect(rate(5)).toBeLessThan(0.02);
  });
});
