// Acceptance: a truck driving ~800 km a day with oil due every 20,000 km. After 30 days of history the due
// date predicted from the daily usage roll-up (real InfluxDB, real Redis) is within one day of the truth
// (the moment the truck's own odometer crosses the limit in the days that follow), and as the days pass the
// "due soon" and "overdue" reminders are each raised once — by two schedulers scanning the same days.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveEventsOfEntry } from '../../core/events.ts';
import { cstDateStart, DAY_MS } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import type { Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { readMaintenanceConfig } from '../../infra/maintenance-config.ts';
import { createMaintenanceStore } from '../../infra/maintenance-store.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { createDueScanner } from '../../maintenance/due-scan.ts';
import { createRepairSettingsStore } from '../../infra/repair-settings-store.ts';
import { createUsageRollup } from '../../maintenance/usage-rollup.ts';
import { clearNamespace, testServices } from '../harness/context.ts';
import { countersAt, drivingLog, timeOdometerReaches, writeDays } from './support.ts';

const services = testServices('maintdue');
const telemetry = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });
const DAY0 = cstDateStart('2026-03-01');
const VIN = withCheckDigit('LFWADRJF0L0000001');
const vehicle: Vehicle = { vin: VIN, customerId: 'C1', plate: '皖A80000', model: '6x4 tractor 460 hp', inServiceDate: '2025-06-15', active: true };
const log = drivingLog(VIN, 'C1', DAY0, 60, 800, 18);
/** The oil change that starts the cycle: day 13 at noon CST, so the next one is ~12 days after the 30 days of history. */
const SERVICE_AT = DAY0 + 13 * DAY_MS + 12 * 3600_000;
const rules = readMaintenanceConfig({}).rules;

describe('due date from the truck\'s own usage (acceptance: ~800 km a day, oil every 20,000 km)', () => {
  let redis: Redis;
  let store: ReturnType<typeof createMaintenanceStore>;
  const scanners: Array<ReturnType<typeof createDueScanner>> = [];
  /** Oil status seen by the scan at `DAY0 + k days + 1 h`, by k. */
  const statusAt = new Map<number, string>();
  const scanTime = (k: number) => DAY0 + k * DAY_MS + 3600_000;

  beforeAll(async () => {
    redis = createRedis(services, 'fail-fast');
    await telemetry.ensureDatabase();
    store = createMaintenanceStore({ redis, prefix: services.redisPrefix });
    await store.putPlans(DEFAULT_MAINTENANCE_PLANS);
    const registry = createRegistryStore({ redis, prefix: services.redisPrefix });
    await registry.put('customer', { id: 'C1', name: 'Anhui Freight', active: true });
    await registry.put('vehicle', vehicle);
    const c = countersAt(log, SERVICE_AT);
    await store.recordService({
      id: 'svc-1', vin: VIN, customerId: 'C1', atMs: SERVICE_AT, odometerKm: Math.round(c.km), engineHours: Math.round(c.hours),
      items: ['engine-oil'], source: 'manual', recordedAt: SERVICE_AT, recordedBy: 'test',
    });
    // Two schedulers: separate scanner objects and Redis connections, as two processes would have.
    for (let i = 0; i < 2; i++) {
      const own = createRedis(services, 'fail-fast');
      scanners.push(createDueScanner({
        store: createMaintenanceStore({ redis: own, prefix: services.redisPrefix }),
        registry: createRegistryStore({ redis: own, prefix: services.redisPrefix }),
        usage: createUsageRollup({ telemetry, redis: own, prefix: services.redisPrefix }, { lagMs: 1800_000, redoDays: 1, backfillDays: 40 }),
        warranty: createRepairSettingsStore({ redis: own, prefix: services.redisPrefix }),
        rules,
      }));
    }
    await writeDays(telemetry, [log], 0, 30);
  });

  afterAll(async () => {
    await clearNamespace(redis, services);
    redis.disconnect();
  });

  it('predicts the oil change within one day of the truth after 30 days of history', async () => {
    const now = scanTime(30); // day 30, 01:00 CST: days 0–29 are rolled up
    await scanners[0]!.run(now, 'full');
    const [due] = await store.due([VIN]);
    const oil = due!.items.find((i) => i.itemId === 'engine-oil')!;
    statusAt.set(30, oil.status);
    const serviceKm = Math.round(countersAt(log, SERVICE_AT).km);
    expect(oil.cycle).toBe('svc-1');
    expect(oil.dueKm).toBe(serviceKm + 20_000);
    expect(oil.basis).toBe('km');
    const truth = timeOdometerReaches(log, serviceKm + 20_000)!;
    expect(truth).toBeGreaterThan(now); // still ahead: a prediction, not a reading
    console.log(`oil change predicted ${((oil.predictedMs! - truth) / 3600_000).toFixed(1)} h from the truth, ${((truth - now) / DAY_MS).toFixed(1)} days ahead; ${due!.items.length} items`);
    expect(Math.abs(oil.predictedMs! - truth)).toBeLessThanOrEqual(DAY_MS);
  });

  it('raises "due soon" once and "overdue" once as the days pass, with two schedulers scanning each day', async () => {
    const dueKm = Math.round(countersAt(log, SERVICE_AT).km) + 20_000;
    for (let day = 30; day < 45; day++) {
      await writeDays(telemetry, [log], day, day + 1);
      const k = day + 1;
      // Both schedulers scan the same moment concurrently, then once more each (a rerun raises nothing).
      await Promise.all(scanners.map((s) => s.run(scanTime(k), 'incremental')));
      await Promise.all(scanners.map((s) => s.run(scanTime(k), 'full')));
      const [due] = await store.due([VIN]);
      statusAt.set(k, due!.items.find((i) => i.itemId === 'engine-oil')!.status);
    }
    const oilReminders = (await store.allReminders()).filter((r) => r.itemId === 'engine-oil');
    expect(oilReminders.map((r) => r.id).sort()).toEqual([`${VIN}:engine-oil:svc-1:due_soon`, `${VIN}:engine-oil:svc-1:overdue`]);
    // Raised by the first scan that saw each status, not later.
    const firstScan = (status: string) => [...statusAt].find(([, s]) => s === status)![0];
    const raisedScan = (level: string) => (oilReminders.find((r) => r.level === level)!.raisedAt - 3600_000 - DAY0) / DAY_MS;
    expect(raisedScan('due_soon')).toBe(firstScan('due_soon'));
    expect(raisedScan('overdue')).toBe(firstScan('overdue'));
    // Overdue from the first scan whose newest rolled-up day ends past the limit (measured, not extrapolated).
    let expectedOverdue = 30;
    while (countersAt(log, DAY0 + expectedOverdue * DAY_MS).km < dueKm) expectedOverdue++;
    expect(firstScan('overdue')).toBe(expectedOverdue);
    // The live stream carries each reminder once.
    const events = await redis.xrange(store.keys.events, '-', '+');
    const ids = events.flatMap(([id, f]) => liveEventsOfEntry(id, f)).map((e) => e.event as unknown as { type: string; data: { reminderId: string } })
      .filter((e) => e.type === 'maintenance.reminder' && e.data.reminderId.includes('engine-oil')).map((e) => e.data.reminderId);
    expect(ids.sort()).toEqual(oilReminders.map((r) => r.id).sort());
  });
});
