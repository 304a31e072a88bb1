// Acceptance: a simulated year for 1,000 trucks yields exactly the reminders a brute-force computation over the
// same telemetry gives. The trucks' positions (odometer, engine hours) go into a real InfluxDB as ingest writes
// them; the scheduler's scan (usage roll-up, due items, atomic reminder claims in Redis) runs every 3 days of
// simulated time with an injected clock; half the fleet books its service when reminded, half lets items run
// overdue. The oracle re-reads the raw points for every scan moment — no roll-up, no Redis, no stored state —
// and applies the plan's rule from scratch. It also reports breakdowns of overdue vs maintained trucks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cstDateStart, cstDayStart, DAY_MS } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS, type MaintenanceItem } from '../../core/maintenance-plan.ts';
import type { PositionReport } from '../../core/telemetry.ts';
import type { Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { readMaintenanceConfig } from '../../infra/maintenance-config.ts';
import { createMaintenanceStore, type ServiceRecord } from '../../infra/maintenance-store.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { createDueScanner } from '../../maintenance/due-scan.ts';
import { createRepairSettingsStore } from '../../infra/repair-settings-store.ts';
import { DEFAULT_WARRANTY_POLICY } from '../../core/warranty.ts';
import { createUsageRollup } from '../../maintenance/usage-rollup.ts';
import { clearNamespace, testServices } from '../harness/context.ts';
import { countersAt, dayPositions, drivingLog, prng, writeDays, type TruckLog } from './support.ts';

const services = testServices('maintyear');
const telemetry = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb }, { timeoutMs: 120_000 });
const TRUCKS = 1000;
const DAY0 = cstDateStart('2026-01-01');
const FIRST_SCAN_DAY = 31;
const LAST_SCAN_DAY = FIRST_SCAN_DAY + 365;
const SCAN_EVERY_DAYS = 3;
const EVERY_MIN = 480; // two positions per driving day (06:00, 14:00)
const rules = readMaintenanceConfig({}).rules;
const plan = DEFAULT_MAINTENANCE_PLANS[0]!;
const scanAt = (day: number) => DAY0 + day * DAY_MS + 3600_000;

const rnd = prng(2026);
const vehicles: Vehicle[] = [];
const logs: TruckLog[] = [];
for (let i = 0; i < TRUCKS; i++) {
  const vin = withCheckDigit(`LFWADRJF0N${String(i).padStart(7, '0')}`);
  const inService = new Date(cstDateStart('2023-01-01') + Math.floor(rnd() * 1000) * DAY_MS + 8 * 3600_000).toISOString().slice(0, 10);
  vehicles.push({ vin, customerId: `C${i % 10}`, plate: `皖A${String(i).padStart(5, '0')}`, model: '6x4 tractor 460 hp', inServiceDate: inService, active: true });
  logs.push(drivingLog(vin, `C${i % 10}`, DAY0, LAST_SCAN_DAY + 1, 250 + rnd() * 650, i + 7, Math.round(20_000 + rnd() * 400_000)));
}
/** The raw points of each truck, as written to InfluxDB (the oracle's only input besides the service history). */
const points: PositionReport[][] = logs.map((log) => log.days.flatMap((_, d) => dayPositions(log, d, EVERY_MIN)));

// ---- the oracle: brute force over raw points, independent of the roll-up, the scan and Redis ----
function addMonths(ms: number, months: number): number {
  const d = new Date(ms + 8 * 3600_000);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), last));
  return target.getTime() + (ms + 8 * 3600_000 - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())) - 8 * 3600_000;
}
interface Reading { atMs: number; km: number; hours: number; kmPerDay?: number; hoursPerDay?: number }
/** The reading at `now` and whether it came from points in the window (else: the last such reading, idle). */
function oracleReading(pts: readonly PositionReport[], now: number, previous: Reading | undefined): { reading: Reading | undefined; fromWindow: boolean } {
  const to = cstDayStart(now);
  const from = to - 30 * DAY_MS;
  const maxByDay = new Map<number, { km: number; hours: number }>();
  for (const p of pts) {
    if (p.ts < from || p.ts >= to) continue;
    const day = cstDayStart(p.ts);
    const m = maxByDay.get(day) ?? { km: -Infinity, hours: -Infinity };
    maxByDay.set(day, { km: Math.max(m.km, p.odometerKm!), hours: Math.max(m.hours, p.engineHours!) });
  }
  if (maxByDay.size === 0) return { reading: previous ? { atMs: previous.atMs, km: previous.km, hours: previous.hours, kmPerDay: 0, hoursPerDay: 0 } : undefined, fromWindow: false };
  const days = [...maxByDay.keys()].sort((a, b) => a - b);
  const first = maxByDay.get(days[0]!)!;
  const last = maxByDay.get(days[days.length - 1]!)!;
  const span = (days[days.length - 1]! - days[0]!) / DAY_MS;
  return {
    reading: {
      atMs: days[days.length - 1]! + DAY_MS, km: last.km, hours: last.hours,
      ...(span >= 1 ? { kmPerDay: Math.max(0, (last.km - first.km) / span), hoursPerDay: Math.max(0, (last.hours - first.hours) / span) } : {}),
    },
    fromWindow: true,
  };
}
function oracleLevel(item: Pick<MaintenanceItem, 'every' | 'first'>, start: { cycle: string; atMs: number; km: number; hours: number }, r: Reading | undefined, now: number, t: { days: number; km: number; hours: number }): 'due_soon' | 'overdue' | undefined {
  const iv = start.cycle === 'initial' ? item.first ?? item.every : item.every;
  const dueKm = iv.km !== undefined ? start.km + iv.km : undefined;
  const dueH = iv.hours !== undefined ? start.hours + iv.hours : undefined;
  const dueDate = iv.months !== undefined ? addMonths(start.atMs, iv.months) : undefined;
  const remKm = dueKm !== undefined && r ? dueKm - r.km : undefined;
  const remH = dueH !== undefined && r ? dueH - r.hours : undefined;
  if ((remKm !== undefined && remKm <= 0) || (remH !== undefined && remH <= 0) || (dueDate !== undefined && now >= dueDate)) return 'overdue';
  if ((remKm !== undefined && remKm <= t.km) || (remH !== undefined && remH <= t.hours)) return 'due_soon';
  const predictions = [dueDate];
  if (r && remKm !== undefined && r.kmPerDay) predictions.push(r.atMs + (remKm / r.kmPerDay) * DAY_MS);
  if (r && remH !== undefined && r.hoursPerDay) predictions.push(r.atMs + (remH / r.hoursPerDay) * DAY_MS);
  return predictions.some((p) => p !== undefined && p - now <= t.days * DAY_MS) ? 'due_soon' : undefined;
}

/**
 * When the warranty ended, as far as the readings tell: the calendar limit, or the reading that showed the distance
 * limit passed, or when the distance limit is expected to be reached — whichever is earliest.
 */
function oracleWarrantyEnd(inService: number, r: Reading | undefined): number {
  let end = addMonths(inService, DEFAULT_WARRANTY_POLICY.years * 12);
  if (r) {
    const remKm = DEFAULT_WARRANTY_POLICY.km - r.km;
    const kmEnd = remKm <= 0 ? r.atMs : r.kmPerDay ? r.atMs + (remKm / r.kmPerDay) * DAY_MS : undefined;
    if (kmEnd !== undefined && kmEnd < end) end = kmEnd;
  }
  return end;
}

describe('a simulated year for 1,000 trucks', () => {
  let redis: Redis;
  let store: ReturnType<typeof createMaintenanceStore>;
  const serviceLog: ServiceRecord[] = [];

  beforeAll(async () => {
    redis = createRedis(services, 'fail-fast');
    await telemetry.ensureDatabase();
    store = createMaintenanceStore({ redis, prefix: services.redisPrefix });
    await store.putPlans(DEFAULT_MAINTENANCE_PLANS);
    const registry = createRegistryStore({ redis, prefix: services.redisPrefix });
    await registry.putMany('customer', Array.from({ length: 10 }, (_, c) => ({ id: `C${c}`, name: `Customer ${c}`, active: true })));
    await registry.putMany('vehicle', vehicles);
    // Half the fleet has a full service on record 20 days before the year starts; the rest starts from in-service.
    for (let i = 0; i < TRUCKS; i += 2) {
      const s: ServiceRecord = { id: `svc-start-${i}`, vin: vehicles[i]!.vin, customerId: vehicles[i]!.customerId, atMs: DAY0 - 20 * DAY_MS, odometerKm: logs[i]!.startKm - 8000, engineHours: Math.round(logs[i]!.startHours - 140), items: plan.items.map((x) => x.id), source: 'manual', recordedAt: DAY0, recordedBy: 'sim' };
      await store.recordService(s);
      serviceLog.push(s);
    }
    await writeDays(telemetry, logs, 0, LAST_SCAN_DAY, EVERY_MIN);
  }, 600_000);

  afterAll(async () => {
    await clearNamespace(redis, services);
    redis.disconnect();
  });

  it('raises exactly the reminders the brute-force computation gives', async () => {
    const scanner = createDueScanner({
      store, registry: createRegistryStore({ redis, prefix: services.redisPrefix }),
      usage: createUsageRollup({ telemetry, redis, prefix: services.redisPrefix }, { lagMs: 1800_000, redoDays: 0, backfillDays: 40 }),
      warranty: createRepairSettingsStore({ redis, prefix: services.redisPrefix }),
      rules,
    });
    const seen = new Set<string>();
    /** Services decided after a reminder, recorded before the scan of `day`. */
    const pending: Array<{ day: number; record: ServiceRecord }> = [];
    const rng = prng(99);
    let booked = 0;
    for (let day = FIRST_SCAN_DAY; day <= LAST_SCAN_DAY; day += SCAN_EVERY_DAYS) {
      for (const p of pending.filter((x) => x.day <= day)) {
        await store.recordService({ ...p.record, recordedAt: scanAt(day) - 1 });
        serviceLog.push({ ...p.record, recordedAt: scanAt(day) - 1 });
      }
      pending.splice(0, pending.length, ...pending.filter((x) => x.day > day));
      await scanner.run(scanAt(day), 'full');
      const fresh = (await store.allReminders()).filter((r) => !seen.has(r.id));
      for (const r of fresh) seen.add(r.id);
      // Maintained trucks (even) book the service 2 days after any reminder; the others 40 days after "overdue", half of them never.
      const byTruck = new Map<string, string[]>();
      for (const r of fresh) if (r.itemId !== 'warranty') byTruck.set(r.vin, [...(byTruck.get(r.vin) ?? []), r.itemId]);
      for (const [vin, itemIds] of byTruck) {
        const i = vehicles.findIndex((v) => v.vin === vin);
        const maintained = i % 2 === 0;
        const levels = fresh.filter((r) => r.vin === vin).map((r) => r.level);
        if (!maintained && (!levels.includes('overdue') || rng() < 0.5)) continue;
        if (pending.some((p) => p.record.vin === vin)) continue;
        const atDay = day + (maintained ? 2 : 40);
        const atMs = DAY0 + atDay * DAY_MS + 12 * 3600_000;
        const c = countersAt(logs[i]!, atMs);
        booked++;
        pending.push({ day: atDay + 1, record: { id: `svc-${vin}-${atDay}`, vin, customerId: vehicles[i]!.customerId, atMs, odometerKm: Math.round(c.km), engineHours: Math.round(c.hours), items: [...new Set(itemIds)], source: 'appointment', recordedAt: 0, recordedBy: 'sim' } });
      }
    }

    // The oracle, from raw points and the service history only.
    const expected = new Set<string>();
    const servicesOf = new Map<string, ServiceRecord[]>();
    for (const s of serviceLog) servicesOf.set(s.vin, [...(servicesOf.get(s.vin) ?? []), s]);
    for (let i = 0; i < TRUCKS; i++) {
      const v = vehicles[i]!;
      let previous: Reading | undefined;
      for (let day = FIRST_SCAN_DAY; day <= LAST_SCAN_DAY; day += SCAN_EVERY_DAYS) {
        const now = scanAt(day);
        const { reading, fromWindow } = oracleReading(points[i]!, now, previous);
        if (fromWindow) previous = reading;
        const known = (servicesOf.get(v.vin) ?? []).filter((s) => s.recordedAt < now);
        for (const item of plan.items) {
          const last = known.filter((s) => s.items.includes(item.id)).sort((a, b) => b.atMs - a.atMs || b.odometerKm - a.odometerKm)[0];
          const start = last ? { cycle: last.id, atMs: last.atMs, km: last.odometerKm, hours: last.engineHours ?? 0 } : { cycle: 'initial', atMs: cstDateStart(v.inServiceDate!), km: 0, hours: 0 };
          const level = oracleLevel(item, start, reading, now, rules.thresholds);
          if (level) expected.add(`${v.vin}:${item.id}:${start.cycle}:${level}`);
        }
        const w = oracleLevel({ every: { km: DEFAULT_WARRANTY_POLICY.km, months: DEFAULT_WARRANTY_POLICY.years * 12 } }, { cycle: 'warranty', atMs: cstDateStart(v.inServiceDate!), km: 0, hours: 0 }, reading, now, { days: rules.warranty.remindDays, km: rules.warranty.remindKm, hours: 0 });
        // "Expired" only within the window after the warranty ended: a truck whose cover ended long before is not told.
        const expiredLongAgo = w === 'overdue' && now - oracleWarrantyEnd(cstDateStart(v.inServiceDate!), reading) > rules.warranty.expiredDays * DAY_MS;
        if (w && !expiredLongAgo) expected.add(`${v.vin}:warranty:warranty:${w}`);
      }
    }
    const raised = new Set((await store.allReminders()).map((r) => r.id));
    const missing = [...expected].filter((id) => !raised.has(id));
    const extra = [...raised].filter((id) => !expected.has(id));
    expect({ missing: missing.slice(0, 5), extra: extra.slice(0, 5) }).toEqual({ missing: [], extra: [] });
    expect(raised.size).toBe(expected.size);
    expect(raised.size).toBeGreaterThan(TRUCKS); // a real year: several reminders per truck

    // Report: breakdowns by a fault model whose daily rate triples per overdue item (truth, not the system's view).
    const fault = prng(7);
    let maintainedBreakdowns = 0;
    let neglectedBreakdowns = 0;
    for (let i = 0; i < TRUCKS; i++) {
      for (let day = FIRST_SCAN_DAY; day <= LAST_SCAN_DAY; day++) {
        const now = DAY0 + day * DAY_MS;
        const c = countersAt(logs[i]!, now);
        const known = (servicesOf.get(vehicles[i]!.vin) ?? []).filter((s) => s.atMs < now);
        const overdueItems = plan.items.filter((item) => {
          const last = known.filter((s) => s.items.includes(item.id)).sort((a, b) => b.atMs - a.atMs)[0];
          const iv = last ? item.every : item.first ?? item.every;
          return iv.km !== undefined && c.km >= (last?.odometerKm ?? 0) + iv.km;
        }).length;
        if (fault() < 0.0005 * (1 + 2 * overdueItems)) {
          if (i % 2 === 0) maintainedBreakdowns++;
          else neglectedBreakdowns++;
        }
      }
    }
    console.log(`simulated year, ${TRUCKS} trucks: ${raised.size} reminders raised (${[...raised].filter((id) => id.includes(':warranty:')).length} warranty), ` +
      `${booked} services booked; breakdowns: maintained half ${maintainedBreakdowns}, neglectful half ${neglectedBreakdowns}`);
    expect(neglectedBreakdowns).toBeGreaterThan(maintainedBreakdowns);
  }, 900_000);
});
