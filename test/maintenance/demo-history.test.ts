// The demo's seeded service history (maintenance/demo-history.ts) on the real app's maintenance service (real
// Redis and InfluxDB): the demo's generated fleet, seeded, then the scheduler's full scan. Without the history
// every truck was overdue (65,496 reminders for 10,000 trucks); with it, a realistic few per cent are due soon or
// overdue, and "warranty expired" only for trucks whose cover ended recently. Seeding twice records nothing new.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAINTENANCE_PLANS, planFor } from '../../core/maintenance-plan.ts';
import { createRepairSettingsStore } from '../../infra/repair-settings-store.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { demoServiceHistory, seedDemoServiceHistory } from '../../maintenance/demo-history.ts';
import { createDueScanner } from '../../maintenance/due-scan.ts';
import { createUsageRollup } from '../../maintenance/usage-rollup.ts';
import { loadChinaCities } from '../../simulators/cities.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork } from '../../simulators/network.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';

const VEHICLES = 1000;

describe('demo service history', () => {
  let h: ApiHarness;
  const network = generateNetwork(loadChinaCities(), { ...DEFAULT_NETWORK_OPTIONS, stations: 300, vehicles: VEHICLES, customers: 4, advisors: 5 });

  beforeAll(async () => {
    h = await startApiHarness('demohist');
    await h.api.registry.putMany('customer', network.customers);
    await h.api.registry.putMany('vehicle', network.vehicles);
    await h.api.maintenanceStore.putPlans(DEFAULT_MAINTENANCE_PLANS);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('gives the generated fleet a plausible few per cent due soon and overdue, and seeds once', async () => {
    const caller = { sub: 'demo', role: 'admin' as const };
    const seeding = { maintenance: h.api.maintenance, store: h.api.maintenanceStore, caller, now: () => Date.now() };
    const first = await seedDemoServiceHistory(seeding, network.vehicles);
    expect(first.vehicles).toBeGreaterThan(VEHICLES * 0.9);
    expect(first.services).toBeGreaterThan(first.vehicles);

    const telemetry = createTelemetryStore({ version: 1, url: h.services.influxUrl, database: h.services.influxDb });
    const scanner = createDueScanner({
      store: h.api.maintenanceStore, registry: h.api.registry,
      usage: createUsageRollup({ telemetry, redis: h.redis, prefix: h.services.redisPrefix }, { lagMs: 0, redoDays: 1, backfillDays: 3 }),
      warranty: createRepairSettingsStore({ redis: h.redis, prefix: h.services.redisPrefix }),
      rules: h.api.config.maintenance.rules,
    });
    const scan = await scanner.run(Date.now(), 'full');
    expect(scan.vehicles).toBe(VEHICLES);
    const maintenanceReminders = (await h.api.maintenanceStore.allReminders()).filter((r) => r.itemId !== 'warranty');
    console.log(`demo history: ${first.services} services for ${first.vehicles} of ${VEHICLES} trucks; due soon ${scan.dueSoon}, overdue ${scan.overdue}; ${maintenanceReminders.length} maintenance reminders (+ warranty: ${scan.remindersRaised - maintenanceReminders.length})`);
    // Vehicle status = its worst plan item (warranty excluded).
    expect(scan.overdue).toBeGreaterThan(0);
    expect(scan.overdue / VEHICLES).toBeLessThan(0.15);
    expect(scan.dueSoon).toBeGreaterThan(0);
    expect(scan.dueSoon / VEHICLES).toBeLessThan(0.2);
    expect(maintenanceReminders.length).toBeGreaterThan(0);
    expect(maintenanceReminders.length).toBeLessThan(VEHICLES * 0.5);
    // Warranty: only trucks whose cover ends within the reminder lead or ended within WARRANTY_EXPIRED_REMIND_DAYS
    // (in-service dates from 2019 on: a few per cent), not every truck past its third anniversary (~77 % before).
    expect(scan.remindersRaised - maintenanceReminders.length).toBeLessThan(VEHICLES * 0.05);

    // A second demo run on the same data: every vehicle already has its history, nothing is recorded.
    const again = await seedDemoServiceHistory(seeding, network.vehicles);
    expect(again).toMatchObject({ vehicles: 0, services: 0 });
    expect(again.alreadyHadHistory).toBe(first.vehicles);
  });

  it('keeps each truck\'s services in odometer order after its in-service date, never in the future', () => {
    const now = Date.now();
    for (const v of network.vehicles) {
      const history = demoServiceHistory(v, planFor(new Map(DEFAULT_MAINTENANCE_PLANS.map((p) => [p.model, p])), v.model)!, now);
      for (let i = 0; i < history.length; i++) {
        expect(history[i]!.date >= v.inServiceDate!).toBe(true);
        expect(Date.parse(`${history[i]!.date}T00:00:00+08:00`)).toBeLessThanOrEqual(now);
        if (i > 0) {
          expect(history[i]!.date > history[i - 1]!.date).toBe(true);
          expect(history[i]!.odometerKm).toBeGreaterThan(history[i - 1]!.odometerKm);
        }
      }
    }
  });
});
