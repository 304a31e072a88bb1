// The due scan: for every vehicle (full) or only those whose odometer or service history changed
// (incremental), compute what is due and when from the daily usage roll-up and the service history, store
// the result for the API, and raise the reminders it calls for — each exactly once, whoever runs the scan
// (infra/maintenance-store.ts claims reminder ids atomically).
import {
  cstDateStart, dueItem, reminderLevelOf, warrantyDue, warrantyTermsOf, WARRANTY_ITEM_ID,
  type CycleStart, type DueItem, type DueRules, type ReminderLevel,
} from '../core/maintenance-due.ts';
import { planFor, type LocalizedText, type MaintenanceItem, type MaintenancePlan } from '../core/maintenance-plan.ts';
import { REMINDER_RECORD, reminderId, WARRANTY_NAME } from '../core/maintenance-reminder.ts';
import { currentUsage, type UsageSnapshot } from '../core/maintenance-usage.ts';
import type { Vehicle } from '../core/registry.ts';
import { DEFAULT_WARRANTY_POLICY, type WarrantyPolicy } from '../core/warranty.ts';
import type { MaintenanceStore, ReminderClaim, VehicleDue } from '../infra/maintenance-store.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { RepairSettingsStore } from '../infra/repair-settings-store.ts';
import type { UsageRollup } from './usage-rollup.ts';

export interface DueScanStats {
  readonly mode: 'full' | 'incremental';
  readonly vehicles: number;
  readonly dueSoon: number;
  readonly overdue: number;
  readonly remindersRaised: number;
  /**
   * Milliseconds: roll-up step; waiting for reads (registry, history, usage; overlapped with the previous chunk's
   * work); computation; waiting for claims + writes; total.
   */
  readonly ms: { rollup: number; read: number; compute: number; write: number; total: number };
}

/** Vehicles per chunk: one round of pipelined reads, one claim script per 1,000 new reminders, one write. */
const CHUNK = 2000;

const STATUS_RANK = { ok: 0, due_soon: 1, overdue: 2 } as const;

/** Due items of one vehicle at `nowMs` (the pure part of the scan, also used by the API for one vehicle). */
export function vehicleDue(
  vehicle: Vehicle,
  plan: MaintenancePlan | undefined,
  last: Readonly<Record<string, CycleStart>> | undefined,
  usage: UsageSnapshot | undefined,
  nowMs: number,
  rules: DueRules,
  warrantyPolicy: WarrantyPolicy = DEFAULT_WARRANTY_POLICY,
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
  if (vehicle.inServiceDate !== undefined) items.push(warrantyDue(vehicle.inServiceDate, usage, nowMs, warrantyTermsOf(warrantyPolicy, rules.warranty)));
  return { vin: vehicle.vin, customerId: vehicle.customerId, computedAt: nowMs, items, status };
}

function withoutMonths<T extends { months?: number }>(interval: T): T {
  const { months: _m, ...rest } = interval;
  return (Object.keys(rest).length ? rest : { km: Number.MAX_SAFE_INTEGER }) as T;
}

function itemName(plan: MaintenancePlan | undefined, itemId: string) {
  return itemId === WARRANTY_ITEM_ID ? WARRANTY_NAME : plan?.items.find((i) => i.id === itemId)?.name;
}

const escapedNames = new WeakMap<LocalizedText, string>();
let escapedVehicle: { vehicle?: Vehicle; head: string } = { head: '' };
const fig = (x: number | undefined) => (x === undefined ? 'null' : String(x));

/**
 * The claim of the reminder of one due item at one level (`undefined` for an item the plan no longer names): its
 * record JSON, the string `reminderRecordJson` gives for it (plate else VIN, the plan's item names), written
 * directly with the vehicle's strings escaped once for its reminders (they come one vehicle after another) and the
 * plan's names once. A first scan of 100,000 trucks writes ~170,000.
 */
export function reminderClaimFor(vehicle: Vehicle, plan: MaintenancePlan | undefined, d: DueItem, level: ReminderLevel, nowMs: number): ReminderClaim | undefined {
  const name = itemName(plan, d.itemId);
  if (!name) return undefined;
  let names = escapedNames.get(name);
  if (names === undefined) escapedNames.set(name, (names = `${JSON.stringify(name.zh)},${JSON.stringify(name.en)}`));
  if (escapedVehicle.vehicle !== vehicle) {
    const q = JSON.stringify;
    escapedVehicle = { vehicle, head: `${q(vehicle.customerId)},${q(vehicle.vin)},${q(vehicle.plate ?? vehicle.vin)}` };
  }
  return {
    id: reminderId(vehicle.vin, d.itemId, d.cycle, level), customerId: vehicle.customerId, raisedAt: nowMs,
    record: `[${REMINDER_RECORD},${nowMs},${escapedVehicle.head},${JSON.stringify(d.itemId)},${JSON.stringify(d.cycle)},"${level}",${names},` +
      `${fig(d.dueKm)},${fig(d.dueHours)},${fig(d.dueDateMs)},${fig(d.predictedMs)},${d.basis === undefined ? 'null' : `"${d.basis}"`},${fig(d.remainingKm)},${fig(d.remainingHours)}]`,
  };
}

const STATUS_CODE = { ok: 1, due_soon: 2, overdue: 3 } as const;
/** A due item's figures as float64, read back as their 32-bit halves for the hash below. */
const figures = new Float64Array(6);
const figureWords = new Uint32Array(figures.buffer);

/**
 * A 53-bit hash of a vehicle's customer and due items (cyrb53-style mixing over their fields), in base 36: what
 * the scans last wrote for it, stored with the due items, and cheaper than serialising the items to compare them.
 * Each full scan hashes every vehicle: the mixing step is written out in place (no closures over the state, which
 * took twice the time), with the same result as before (fingerprints already in Redis stay valid).
 */
function dueFingerprint(customerId: string, items: readonly DueItem[]): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  let w: number;
  for (let k = 0; k < items.length; k++) {
    const d = items[k]!;
    const { itemId, cycle } = d;
    for (let i = 0; i < itemId.length; i++) {
      w = itemId.charCodeAt(i);
      h1 = Math.imul(h1 ^ w, 2654435761);
      h2 = Math.imul(h2 ^ w, 1597334677);
    }
    for (let i = 0; i < cycle.length; i++) {
      w = cycle.charCodeAt(i);
      h1 = Math.imul(h1 ^ w, 2654435761);
      h2 = Math.imul(h2 ^ w, 1597334677);
    }
    w = STATUS_CODE[d.status];
    h1 = Math.imul(h1 ^ w, 2654435761);
    h2 = Math.imul(h2 ^ w, 1597334677);
    w = d.basis === undefined ? 0 : d.basis.charCodeAt(0);
    h1 = Math.imul(h1 ^ w, 2654435761);
    h2 = Math.imul(h2 ^ w, 1597334677);
    figures[0] = d.dueKm ?? Number.NaN;
    figures[1] = d.dueHours ?? Number.NaN;
    figures[2] = d.dueDateMs ?? Number.NaN;
    figures[3] = d.predictedMs ?? Number.NaN;
    figures[4] = d.remainingKm ?? Number.NaN;
    figures[5] = d.remainingHours ?? Number.NaN;
    for (let i = 0; i < 12; i++) {
      w = figureWords[i]!;
      h1 = Math.imul(h1 ^ w, 2654435761);
      h2 = Math.imul(h2 ^ w, 1597334677);
    }
  }
  for (let i = 0; i < customerId.length; i++) {
    w = customerId.charCodeAt(i);
    h1 = Math.imul(h1 ^ w, 2654435761);
    h2 = Math.imul(h2 ^ w, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

export function createDueScanner(deps: {
  store: MaintenanceStore;
  registry: Pick<RegistryStore, 'ids' | 'getMany'>;
  usage: Pick<UsageRollup, 'rollUp'>;
  /** The repair loop's warranty policies per model (one source of truth for both halves). */
  warranty: Pick<RepairSettingsStore, 'warrantyPolicies'>;
  rules: DueRules;
}) {
  const { store } = deps;

  /**
   * Registry entries, last services, usage snapshots and the fingerprints of what the scans last wrote, of one
   * chunk: four commands in one round trip.
   */
  const readChunk = (vins: readonly string[]) =>
    Promise.all([deps.registry.getMany('vehicle', vins), store.lastServices(vins), store.usage(vins), store.dueFingerprints(vins)]);

  async function run(nowMs: number, mode: 'full' | 'incremental'): Promise<DueScanStats> {
    const t0 = performance.now();
    const rolled = await deps.usage.rollUp(nowMs);
    const t1 = performance.now();

    let vins: string[];
    let taken: string[] = [];
    if (mode === 'full') {
      vins = await deps.registry.ids('vehicle');
      await store.takeDirty();
    } else {
      taken = await store.takeDirty();
      vins = [...new Set([...taken, ...(rolled?.vins ?? [])])];
    }
    let read = performance.now() - t1;
    let compute = 0;
    let write = 0;
    let vehicles = 0;
    let dueSoon = 0;
    let overdue = 0;
    let raisedCount = 0;
    let next: ReturnType<typeof readChunk> | undefined;
    // The previous chunk's claims and writes, in flight while this chunk is computed (Redis and Node work at once).
    let writing: Promise<void> | undefined;
    try {
      const [plans, policies, summaryDay] = await Promise.all([store.plans(), deps.warranty.warrantyPolicies(), store.usageSummaryDay()]);
      // Chunks with bounded memory; the next chunk's reads are in flight while this one is computed and written.
      next = vins.length > 0 ? readChunk(vins.slice(0, CHUNK)) : undefined;
      for (let offset = 0; next; offset += CHUNK) {
        const r0 = performance.now();
        const [entries, last, stored, written] = await next;
        next = offset + CHUNK < vins.length ? readChunk(vins.slice(offset + CHUNK, offset + 2 * CHUNK)) : undefined;
        const c0 = performance.now();
        read += c0 - r0;

        const changedDue: VehicleDue[] = [];
        const fingerprints = new Map<string, string>();
        const candidates: Array<{ id: string; vehicle: Vehicle; plan: MaintenancePlan | undefined; item: DueItem; level: ReminderLevel }> = [];
        const unseen: typeof candidates = [];
        for (const vehicle of entries) {
          if (!vehicle?.active) continue;
          vehicles++;
          const plan = planFor(plans, vehicle.model);
          const policy = (vehicle.model !== undefined ? policies[vehicle.model] : undefined) ?? DEFAULT_WARRANTY_POLICY;
          const due = vehicleDue(vehicle, plan, last.get(vehicle.vin), currentUsage(stored.get(vehicle.vin), summaryDay), nowMs, deps.rules, policy);
          if (due.status === 'due_soon') dueSoon++;
          else if (due.status === 'overdue') overdue++;
          // The same items as the scans last wrote (and claimed the reminders of): nothing to claim or write.
          const fingerprint = dueFingerprint(vehicle.customerId, due.items);
          if (written.get(vehicle.vin) === fingerprint) continue;
          changedDue.push(due);
          fingerprints.set(vehicle.vin, fingerprint);
          // A vehicle no scan has finished with (a new fleet) most likely has no reminder yet: its candidates go to
          // the claim without the HMGET (the claim still refuses an id raised before). The others are checked first.
          const seen = written.has(vehicle.vin);
          for (const d of due.items) {
            const level = reminderLevelOf(d, nowMs, deps.rules.warranty);
            if (level) (seen ? candidates : unseen).push({ id: reminderId(vehicle.vin, d.itemId, d.cycle, level), vehicle, plan, item: d, level });
          }
        }
        const w0 = performance.now();
        compute += w0 - c0;

        const claimAndWrite = async () => {
          // One HMGET for the checked candidates; texts only for the ids not raised yet.
          const already = candidates.length ? await store.raisedAmong(candidates.map((c) => c.id)) : new Set<string>();
          const fresh = new Map<string, ReminderClaim>();
          for (const c of [...candidates, ...unseen]) {
            if (already.has(c.id) || fresh.has(c.id)) continue;
            const r = reminderClaimFor(c.vehicle, c.plan, c.item, c.level, nowMs);
            if (r) fresh.set(r.id, r);
          }
          // Not `raisedCount += await …`: that reads the count before the wait, and two chunks' claims overlap.
          const raised = await store.raiseReminders([...fresh.values()]);
          raisedCount += raised;
          // The fingerprints only once the claims are in: a scan killed before this redoes the vehicles.
          await store.putDue(changedDue, fingerprints);
        };
        const previous = writing;
        writing = claimAndWrite();
        writing.catch(() => undefined); // handled when awaited below; not an unhandled rejection meanwhile
        if (previous) await previous;
        write += performance.now() - w0;
      }
      const w0 = performance.now();
      if (writing) await writing;
      const t5 = performance.now();
      write += t5 - w0;
      return {
        mode, vehicles, dueSoon, overdue, remindersRaised: raisedCount,
        ms: { rollup: t1 - t0, read, compute, write, total: t5 - t0 },
      };
    } catch (err) {
      next?.catch(() => undefined); // the prefetched chunk of a failed scan is not waited for
      // The work list goes back for the next scan.
      await store.markDirty(taken).catch(() => undefined);
      throw err;
    }
  }

  return { run };
}

export type DueScanner = ReturnType<typeof createDueScanner>;
