// The due scan: for every vehicle (full) or only those whose odometer or service history changed
// (incremental), compute what is due and when from the daily usage roll-up and the service history, store
// the result for the API, and raise the reminders it calls for — each exactly once, whoever runs the scan
// (infra/maintenance-store.ts claims reminder ids atomically).
import {
  cstDateStart, dueItem, reminderLevelOf, warrantyDue, WARRANTY_ITEM_ID,
  type CycleStart, type DueItem, type DueSoonThresholds, type WarrantyTerms,
} from '../core/maintenance-due.ts';
import { planFor, type MaintenanceItem, type MaintenancePlan } from '../core/maintenance-plan.ts';
import { reminderId, reminderText, WARRANTY_NAME, type Reminder } from '../core/maintenance-reminder.ts';
import { idleUsage, usageFromWindow, type UsageSnapshot } from '../core/maintenance-usage.ts';
import type { Vehicle } from '../core/registry.ts';
import type { MaintenanceStore, VehicleDue } from '../infra/maintenance-store.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { UsageRollup } from './usage-rollup.ts';

export interface DueRules {
  readonly thresholds: DueSoonThresholds;
  readonly warranty: WarrantyTerms;
}

export interface DueScanStats {
  readonly mode: 'full' | 'incremental';
  readonly vehicles: number;
  readonly dueSoon: number;
  readonly overdue: number;
  readonly remindersRaised: number;
  /** Milliseconds per step: roll-up, registry + history reads, roll-up reads, computation, writes + claims. */
  readonly ms: { rollup: number; read: number; usage: number; compute: number; write: number; total: number };
}

const STATUS_RANK = { ok: 0, due_soon: 1, overdue: 2 } as const;

/** Due items of one vehicle at `nowMs` (the pure part of the scan, also used by the API for one vehicle). */
export function vehicleDue(
  vehicle: Vehicle,
  plan: MaintenancePlan | undefined,
  last: Readonly<Record<string, CycleStart>> | undefined,
  usage: UsageSnapshot | undefined,
  nowMs: number,
  rules: DueRules,
): VehicleDue {
  const inService = vehicle.inServiceDate !== undefined ? cstDateStart(vehicle.inServiceDate) : undefined;
  const items: DueItem[] = [];
  let status: DueItem['status'] = 'ok';
  for (const item of plan?.items ?? []) {
    const start = last?.[item.id] ?? { cycle: 'initial', atMs: inService ?? nowMs, odometerKm: 0, engineHours: 0 };
    // Without an in-service date and a service, no calendar limit can be placed: distance and hours only.
    const rule: Pick<MaintenanceItem, 'id' | 'every' | 'first'> =
      last?.[item.id] || inService !== undefined ? item : { id: item.id, every: withoutMonths(item.every), ...(item.first ? { first: withoutMonths(item.first) } : {}) };
    const d = dueItem(rule, start, usage, nowMs, rules.thresholds);
    items.push(d);
    if (STATUS_RANK[d.status] > STATUS_RANK[status]) status = d.status;
  }
  if (vehicle.inServiceDate !== undefined) items.push(warrantyDue(vehicle.inServiceDate, usage, nowMs, rules.warranty));
  return { vin: vehicle.vin, customerId: vehicle.customerId, computedAt: nowMs, items, status };
}

function withoutMonths<T extends { months?: number }>(interval: T): T {
  const { months: _m, ...rest } = interval;
  return (Object.keys(rest).length ? rest : { km: Number.MAX_SAFE_INTEGER }) as T;
}

/** The reminders a vehicle's due items call for (ids only decide; the store raises each id once). */
export function remindersFor(vehicle: Vehicle, plan: MaintenancePlan | undefined, due: VehicleDue, nowMs: number): Reminder[] {
  const out: Reminder[] = [];
  for (const d of due.items) {
    const level = reminderLevelOf(d.status);
    if (!level) continue;
    const name = d.itemId === WARRANTY_ITEM_ID ? WARRANTY_NAME : plan?.items.find((i) => i.id === d.itemId)?.name;
    if (!name) continue;
    const { status: _s, itemId: _i, cycle: _c, ...dueFigures } = d;
    out.push({
      id: reminderId(vehicle.vin, d.itemId, d.cycle, level), vin: vehicle.vin, customerId: vehicle.customerId,
      itemId: d.itemId, cycle: d.cycle, level, raisedAt: nowMs, due: dueFigures,
      text: reminderText(vehicle.plate ?? vehicle.vin, name, level, dueFigures), state: 'open',
    });
  }
  return out;
}

export function createDueScanner(deps: {
  store: MaintenanceStore;
  registry: Pick<RegistryStore, 'list' | 'getMany'>;
  usage: Pick<UsageRollup, 'rollUp' | 'latestWindows'>;
  rules: DueRules;
}) {
  const { store } = deps;
  // What this process already knows, so that a steady-state scan neither re-checks every reminder id nor rewrites
  // every vehicle's due items. Correctness never depends on these: the claim is the atomic HSETNX.
  const knownRaised = new Set<string>();
  const writtenDue = new Map<string, string>();

  async function run(nowMs: number, mode: 'full' | 'incremental'): Promise<DueScanStats> {
    const t0 = performance.now();
    const rolled = await deps.usage.rollUp(nowMs);
    const t1 = performance.now();

    let vehicles: Vehicle[];
    let taken: string[] = [];
    if (mode === 'full') {
      vehicles = await deps.registry.list('vehicle');
      await store.takeDirty();
    } else {
      taken = await store.takeDirty();
      const vins = [...new Set([...taken, ...(rolled?.vins ?? [])])];
      vehicles = (await deps.registry.getMany('vehicle', vins)).filter((v): v is Vehicle => v !== undefined);
    }
    try {
      vehicles = vehicles.filter((v) => v.active);
      const vins = mode === 'full' ? undefined : vehicles.map((v) => v.vin);
      const [plans, last] = await Promise.all([store.plans(), store.lastServices(vins)]);
      const t2 = performance.now();

      const windows = vins && vins.length === 0 ? new Map() : await deps.usage.latestWindows(vins);
      // Trucks without a row in the window keep their last readings (idle): only those are read from Redis.
      const previousUsage = await store.usage(vehicles.filter((v) => !windows.has(v.vin)).map((v) => v.vin));
      const t3 = performance.now();

      const changedDue: VehicleDue[] = [];
      const usageUpdates: Array<[string, UsageSnapshot]> = [];
      const candidates: Array<{ id: string; vehicle: Vehicle; plan: MaintenancePlan | undefined; due: VehicleDue }> = [];
      let dueSoon = 0;
      let overdue = 0;
      for (const vehicle of vehicles) {
        const w = windows.get(vehicle.vin);
        const before = previousUsage.get(vehicle.vin);
        const usage = w ? usageFromWindow(w) : before ? idleUsage(before) : undefined;
        if (w) usageUpdates.push([vehicle.vin, usage!]);
        const plan = planFor(plans, vehicle.model);
        const due = vehicleDue(vehicle, plan, last.get(vehicle.vin), usage, nowMs, deps.rules);
        const fingerprint = JSON.stringify(due.items);
        if (writtenDue.get(vehicle.vin) !== fingerprint) {
          changedDue.push(due);
          writtenDue.set(vehicle.vin, fingerprint);
        }
        if (due.status === 'due_soon') dueSoon++;
        else if (due.status === 'overdue') overdue++;
        for (const d of due.items) {
          const level = reminderLevelOf(d.status);
          if (!level) continue;
          const id = reminderId(vehicle.vin, d.itemId, d.cycle, level);
          if (!knownRaised.has(id)) candidates.push({ id, vehicle, plan, due });
        }
      }
      const t4 = performance.now();

      // One HMGET pass for the ids this process has not seen raised; texts only for the new ones.
      const already = await store.raisedAmong(candidates.map((c) => c.id));
      const fresh = new Map<string, Reminder>();
      for (const c of candidates) {
        if (already.has(c.id) || fresh.has(c.id)) continue;
        for (const r of remindersFor(c.vehicle, c.plan, c.due, nowMs)) if (r.id === c.id) fresh.set(r.id, r);
      }
      const raised = await store.raiseReminders([...fresh.values()]);
      for (const c of candidates) knownRaised.add(c.id);
      await Promise.all([store.putUsage(usageUpdates), store.putDue(changedDue)]);
      const t5 = performance.now();
      return {
        mode, vehicles: vehicles.length, dueSoon, overdue, remindersRaised: raised.length,
        ms: { rollup: t1 - t0, read: t2 - t1, usage: t3 - t2, compute: t4 - t3, write: t5 - t4, total: t5 - t0 },
      };
    } catch (err) {
      // The work list goes back for the next scan, and what this process believed written is forgotten.
      writtenDue.clear();
      await store.markDirty(taken).catch(() => undefined);
      throw err;
    }
  }

  return { run };
}

export type DueScanner = ReturnType<typeof createDueScanner>;
