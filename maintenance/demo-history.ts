// A plausible service history for the demo's generated fleet, so that the scheduler's first scan finds what a
// real, mostly well-kept fleet shows — a few trucks due soon or overdue — and not every truck overdue (a fleet
// with no history at all is measured from its in-service date). Recorded through the maintenance service, the
// same use case as `POST /v1/vehicles/{vin}/services`; deterministic per VIN, and a vehicle that already has
// a service history is left alone (a second demo run, or services recorded by hand).
//
// Per truck: a "major" service of every plan item some time in the last year (3 % of the trucks are late with
// it), and when that is older than five months, an oil-and-brakes service since (3 % late again). Odometers
// follow a steady 250–600 km a day from the in-service date.
import type { Caller } from '../core/auth.ts';
import { cstDate, cstDateStart, DAY_MS } from '../core/maintenance-due.ts';
import { planFor, type MaintenancePlan } from '../core/maintenance-plan.ts';
import type { Vehicle } from '../core/registry.ts';
import type { MaintenanceStore } from '../infra/maintenance-store.ts';
import { createRandom } from '../core/prng.ts';
import type { MaintenanceService, ServiceInput } from './maintenance-service.ts';

/** Trucks younger than this have not had a service yet (their first service is measured from the in-service date). */
const FIRST_SERVICE_AGE_DAYS = 100;
const NOTE = '演示数据 / demo history';

/** The simulators' seeded generator (mulberry32), seeded by the VIN (FNV-1a): the same history on every run. */
function rngOf(vin: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < vin.length; i++) h = Math.imul(h ^ vin.charCodeAt(i), 0x01000193);
  const random = createRandom(h >>> 0);
  return () => random.next();
}

/** The demo services of one vehicle at `nowMs`, oldest first ([] for a truck too young for its first service). */
export function demoServiceHistory(vehicle: Vehicle, plan: MaintenancePlan, nowMs: number): Array<ServiceInput & { id: string }> {
  const r = rngOf(vehicle.vin);
  const kmPerDay = 250 + r() * 350;
  const inService = vehicle.inServiceDate !== undefined ? cstDateStart(vehicle.inServiceDate) : nowMs - 3 * 365 * DAY_MS;
  const ageDays = Math.floor((nowMs - inService) / DAY_MS);
  if (ageDays < FIRST_SERVICE_AGE_DAYS) return [];
  const late = r() < 0.03;
  let majorAgo = Math.floor(late ? 365 + r() * 60 : r() * 330);
  majorAgo = Math.min(majorAgo, ageDays - FIRST_SERVICE_AGE_DAYS + 10);
  const minorLate = r() < 0.03;
  const minorAgo = Math.floor(minorLate ? 183 + r() * 30 : r() * 170);
  const at = (ago: number) => {
    const odometerKm = Math.round((ageDays - ago) * kmPerDay);
    return { date: cstDate(nowMs - ago * DAY_MS), odometerKm, engineHours: Math.round(odometerKm / 55) };
  };
  const out: Array<ServiceInput & { id: string }> = [
    { id: `demo-major-${vehicle.vin}`, ...at(majorAgo), items: plan.items.map((i) => i.id), note: NOTE },
  ];
  const short = plan.items.filter((i) => i.every.months !== undefined && i.every.months <= 6).map((i) => i.id);
  if (majorAgo > 150 && minorAgo < majorAgo - 30 && short.length > 0) {
    out.push({ id: `demo-minor-${vehicle.vin}`, ...at(minorAgo), items: short, note: NOTE });
  }
  return out;
}

/**
 * Records the demo history of every vehicle without one, `concurrency` vehicles at a time, as `caller` (an admin).
 * Returns how many vehicles got a history and how many services were recorded.
 */
export async function seedDemoServiceHistory(
  deps: { maintenance: Pick<MaintenanceService, 'recordService'>; store: Pick<MaintenanceStore, 'plans' | 'services'>; caller: Caller; now: () => number },
  vehicles: readonly Vehicle[],
  concurrency = 32,
): Promise<{ vehicles: number; services: number; alreadyHadHistory: number }> {
  const plans = await deps.store.plans();
  let seeded = 0;
  let services = 0;
  let alreadyHadHistory = 0;
  let next = 0;
  const worker = async () => {
    while (next < vehicles.length) {
      const vehicle = vehicles[next++]!;
      const plan = planFor(plans, vehicle.model);
      if (!vehicle.active || !plan) continue;
      if ((await deps.store.services(vehicle.vin)).length > 0) {
        alreadyHadHistory++;
        continue;
      }
      const history = demoServiceHistory(vehicle, plan, deps.now());
      for (const service of history) await deps.maintenance.recordService(deps.caller, vehicle.vin, service);
      if (history.length) seeded++;
      services += history.length;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { vehicles: seeded, services, alreadyHadHistory };
}
