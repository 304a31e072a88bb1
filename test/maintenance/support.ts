// Telemetry of trucks with a known driving pattern, written to InfluxDB exactly as ingest writes positions
// (ingest/line-protocol.ts), so the usage roll-up and the due scan run on what the real pipeline stores.
import type { PositionReport } from '../../core/telemetry.ts';
import { DAY_MS } from '../../core/maintenance-due.ts';
import { positionLine, positionSeries } from '../../ingest/line-protocol.ts';
import type { TelemetryStore } from '../../infra/telemetry-store.ts';

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One CST day of driving: km and engine hours driven, and whether the truck reported at all (a gap still drives). */
export interface DrivingDay {
  readonly dayMs: number;
  readonly km: number;
  readonly hours: number;
  readonly reported: boolean;
}

/** The counters at the end of each day (the truth the oracle and the truth-date come from). */
export interface TruckLog {
  readonly vin: string;
  readonly customerId: string;
  readonly startKm: number;
  readonly startHours: number;
  readonly days: DrivingDay[];
}

/** Odometer and engine hours at `ms`, driving spread evenly over 06:00–20:00 CST of each day. */
export function countersAt(log: TruckLog, ms: number): { km: number; hours: number } {
  let km = log.startKm;
  let hours = log.startHours;
  for (const d of log.days) {
    if (ms <= d.dayMs) break;
    const share = Math.min(1, Math.max(0, (ms - (d.dayMs + 6 * 3600_000)) / (14 * 3600_000)));
    km += d.km * share;
    hours += d.hours * share;
  }
  return { km, hours };
}

/** First time the odometer reaches `km` (linear within the day's driving), or undefined. */
export function timeOdometerReaches(log: TruckLog, km: number): number | undefined {
  let at = log.startKm;
  for (const d of log.days) {
    if (at + d.km >= km && d.km > 0) return d.dayMs + 6 * 3600_000 + ((km - at) / d.km) * 14 * 3600_000;
    at += d.km;
  }
  return undefined;
}

/** Position reports of one day of a truck: every `everyMin` minutes while driving (none on a gap day). */
export function dayPositions(log: TruckLog, dayIndex: number, everyMin = 120): PositionReport[] {
  const d = log.days[dayIndex]!;
  if (!d.reported || d.km === 0) return [];
  const out: PositionReport[] = [];
  for (let m = 6 * 60; m <= 20 * 60; m += everyMin) {
    const ts = d.dayMs + m * 60_000;
    const c = countersAt(log, ts);
    out.push({ ts, lat: 31.8 + (dayIndex % 5) * 0.01, lon: 117.2, speedKmh: 70, odometerKm: Math.round(c.km * 10) / 10, engineHours: Math.round(c.hours * 10) / 10 });
  }
  return out;
}

export async function writeDays(telemetry: Pick<TelemetryStore, 'write'>, logs: readonly TruckLog[], fromDay: number, toDay: number, everyMin = 120): Promise<void> {
  let lines: string[] = [];
  for (const log of logs) {
    const series = positionSeries(log.vin, log.customerId);
    for (let i = fromDay; i < toDay; i++) for (const p of dayPositions(log, i, everyMin)) lines.push(positionLine(series, p));
    if (lines.length > 50_000) {
      await telemetry.write(lines);
      lines = [];
    }
  }
  await telemetry.write(lines);
}

/** A truck driving about `kmPerDay` (±10 %), idle about one day in eight, silent (but driving) one day in ten. */
export function drivingLog(vin: string, customerId: string, firstDayMs: number, days: number, kmPerDay: number, seed: number, startKm = 100_000): TruckLog {
  const rnd = prng(seed);
  const out: DrivingDay[] = [];
  for (let i = 0; i < days; i++) {
    const idle = rnd() < 0.125;
    const km = idle ? 0 : kmPerDay * (0.9 + rnd() * 0.2);
    out.push({ dayMs: firstDayMs + i * DAY_MS, km, hours: km / 62, reported: rnd() >= 0.1 });
  }
  return { vin, customerId, startKm, startHours: startKm / 55, days: out };
}
