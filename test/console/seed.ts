// A small service network around Shanghai and two logistics customers for the console tests, and the maintenance
// state the maintenance screens start from.
import type { Advisor, Customer, Station, Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';
import type { RegistryStore } from '../../infra/registry-store.ts';
import { expect } from 'vitest';
import { cstDayStart, DAY_MS } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import { createRepairSettingsStore } from '../../infra/repair-settings-store.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { createDueScanner } from '../../maintenance/due-scan.ts';
import { createUsageRollup } from '../../maintenance/usage-rollup.ts';
import type { ApiHarness } from '../api/app-harness.ts';
import { drivingLog, writeDays } from '../maintenance/support.ts';

export const CENTRE = { lat: 31.23, lon: 121.47 };

export function consoleVin(n: number): string {
  return withCheckDigit(`LFWCNSL0X${String(n).padStart(8, '0')}`);
}

export const CUSTOMERS: Customer[] = [
  { id: 'acme', name: 'Acme Logistics', leadAdvisorId: 'adv-1', active: true },
  { id: 'globex', name: 'Globex Freight', active: true },
];

export const ADVISORS: Advisor[] = [{ id: 'adv-1', name: 'Chen Jing', phone: '+86 21 5555 0101', active: true }];

export const VEHICLES: Vehicle[] = [
  { vin: consoleVin(1), customerId: 'acme', plate: '沪A00001', active: true },
  { vin: consoleVin(2), customerId: 'acme', plate: '沪A00002', active: true },
  { vin: consoleVin(3), customerId: 'globex', plate: '沪B00003', active: true },
];

/** Six capable 24 h stations on a ring 5–30 km around the centre, plus one without the engine capability. */
export const STATIONS: Station[] = [
  ...Array.from({ length: 6 }, (_, i): Station => {
    const angle = (i / 6) * 2 * Math.PI;
    const r = 0.05 + i * 0.05;
    return {
      id: `cs-${i}`,
      name: `Console Station ${i}`,
      phone: `+86 21 6000 010${i}`,
      lat: CENTRE.lat + r * Math.sin(angle),
      lon: CENTRE.lon + r * Math.cos(angle),
      region: '310000',
      hours: '24h',
      capabilities: ['heavy-duty', 'engine', 'electrical'],
      vans: 2,
      rating: 4,
      partsCategories: ['engine', 'lubricants', 'cooling', 'fuel'],
      mobilisationMin: 10,
      active: true,
    };
  }),
  {
    id: 'cs-tyres', name: 'Tyres Only', lat: CENTRE.lat + 0.01, lon: CENTRE.lon + 0.01, region: '310000', hours: '24h',
    capabilities: ['heavy-duty', 'tyre'], vans: 3, rating: 3, partsCategories: ['tyre'], mobilisationMin: 5, active: true,
  },
];

export async function seedRegistry(registry: Pick<RegistryStore, 'putMany'>): Promise<void> {
  await registry.putMany('station', STATIONS);
  await registry.putMany('advisor', ADVISORS);
  await registry.putMany('customer', CUSTOMERS);
  await registry.putMany('vehicle', VEHICLES);
}

/**
 * The maintenance state the console's maintenance screens start from: the default plans, one oil service 120 days
 * ago at 100,000 km for `serviced` (at the first console station), four days of its driving in InfluxDB, then one
 * full due scan over the whole registry (usage roll-up, reminders).
 */
export async function seedMaintenance(harness: ApiHarness, serviced: Vehicle, admin: { authorization: string }, note?: string): Promise<void> {
  await harness.api.maintenanceStore.putPlans(DEFAULT_MAINTENANCE_PLANS);
  const date = new Date(Date.now() - 120 * DAY_MS).toISOString().slice(0, 10);
  const recorded = await harness.app.inject({ method: 'POST', url: `/v1/vehicles/${serviced.vin}/services`, headers: admin, payload: { id: 'svc-old', date, odometerKm: 100_000, engineHours: 2000, items: ['engine-oil'], stationId: 'cs-0', ...(note ? { note } : {}) } });
  expect(recorded.statusCode, recorded.body).toBe(201);
  const telemetry = createTelemetryStore({ version: 1, url: harness.services.influxUrl, database: harness.services.influxDb });
  await writeDays(telemetry, [drivingLog(serviced.vin, serviced.customerId, cstDayStart(Date.now()) - 5 * DAY_MS, 4, 500, 42, 150_500)], 0, 4);
  const scanner = createDueScanner({
    store: harness.api.maintenanceStore, registry: harness.api.registry,
    usage: createUsageRollup({ telemetry, redis: harness.redis, prefix: harness.services.redisPrefix }, { lagMs: 0, redoDays: 1, backfillDays: 10 }),
    warranty: createRepairSettingsStore({ redis: harness.redis, prefix: harness.services.redisPrefix }),
    rules: harness.api.config.maintenance.rules,
  });
  await scanner.run(Date.now(), 'full');
}
