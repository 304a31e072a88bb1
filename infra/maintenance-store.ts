// Maintenance persistence in Redis: plans, service history (with each vehicle's last service per item), the
// usage snapshots and due items of the last scan, and reminders. Two rules are enforced inside Lua scripts so
// that concurrent writers and processes killed at any point cannot break them:
//  - a service record never contradicts the odometer order of the vehicle's other services;
//  - a reminder id is claimed once (HSETNX), and the claim, the customer's list entry and the live event are
//    one atomic unit: a scheduler killed mid-run has either raised a reminder completely or not at all.
import type { Redis } from 'ioredis';
import { LIVE_EVENT_FIELD, LIVE_STREAM_MAXLEN, type LiveEvent } from '../core/events.ts';
import { redisKeys } from '../core/keys.ts';
import type { CycleStart, DueItem } from '../core/maintenance-due.ts';
import type { MaintenancePlan } from '../core/maintenance-plan.ts';
import type { Reminder } from '../core/maintenance-reminder.ts';
import type { UsageSnapshot } from '../core/maintenance-usage.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { ServiceDayOffer } from '../core/service-day.ts';

export interface ServiceRecord {
  readonly id: string;
  readonly vin: string;
  readonly customerId: string;
  /** When the service was done, epoch ms. */
  readonly atMs: number;
  readonly odometerKm: number;
  readonly engineHours?: number;
  readonly items: string[];
  readonly stationId?: string;
  /** Where it comes from: the services route, a repaired rescue case, a completed appointment. */
  readonly source: 'manual' | 'case' | 'appointment';
  readonly caseId?: string;
  readonly appointmentId?: string;
  readonly note?: string;
  readonly recordedAt: number;
  readonly recordedBy: string;
}

/** The due items of one vehicle at the last scan. */
export interface VehicleDue {
  readonly vin: string;
  readonly customerId: string;
  readonly computedAt: number;
  readonly items: DueItem[];
  /** Worst status of the items (warranty excluded). */
  readonly status: DueItem['status'];
}

const RECORD_SERVICE = `
local id, vin, json = ARGV[1], ARGV[2], ARGV[3]
local at, odo = tonumber(ARGV[4]), tonumber(ARGV[5])
local existing = redis.call('HGET', KEYS[1], id)
if existing then return {'exists', existing} end
for _, j in ipairs(redis.call('HVALS', KEYS[1])) do
  local s = cjson.decode(j)
  if s.atMs <= at and s.odometerKm > odo then return {'odometer_below', j} end
  if s.atMs >= at and s.odometerKm < odo then return {'odometer_above', j} end
end
redis.call('HSET', KEYS[1], id, json)
local last, any = {}, false
for _, j in ipairs(redis.call('HVALS', KEYS[1])) do
  local s = cjson.decode(j)
  for _, item in ipairs(s.items) do
    local l = last[item]
    if not l or l.atMs < s.atMs or (l.atMs == s.atMs and l.odometerKm < s.odometerKm) then
      local h = s.engineHours
      if type(h) ~= 'number' then h = 0 end
      last[item] = { cycle = s.id, atMs = s.atMs, odometerKm = s.odometerKm, engineHours = h }
      any = true
    end
  end
end
if any then redis.call('HSET', KEYS[2], vin, cjson.encode(last)) end
redis.call('SADD', KEYS[3], vin)
return {'ok', json}
`;

/**
 * Raises a batch of reminders, each unless its id was raised before: per reminder the claim (HSETNX), the customer's
 * list entry and the live event. KEYS = reminders, events, then the customer list of each reminder; ARGV = maxlen,
 * then id, json, raisedAt, eventJson per reminder. Returns 1 (raised now) or 0 (already raised) per reminder.
 * One script per batch instead of one per reminder: a first scan of 100,000 vehicles raises ~170,000.
 */
const RAISE_REMINDERS = `
local out = {}
local n = (#ARGV - 1) / 4
for i = 1, n do
  local a = 1 + (i - 1) * 4
  if redis.call('HSETNX', KEYS[1], ARGV[a + 1], ARGV[a + 2]) == 1 then
    redis.call('ZADD', KEYS[2 + i], ARGV[a + 3], ARGV[a + 1])
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', '${LIVE_EVENT_FIELD}', ARGV[a + 4])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`;

/** KEYS = hash; ARGV = field, expected JSON, new JSON. */
const COMPARE_AND_SET = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

export function createMaintenanceStore(deps: { redis: Redis; prefix: string }) {
  const { redis } = deps;
  const keys = redisKeys(deps.prefix);

  async function plans(): Promise<Map<string, MaintenancePlan>> {
    const all = await redis.hgetall(keys.maintPlans);
    return new Map(Object.entries(all).map(([model, json]) => [model, JSON.parse(json) as MaintenancePlan]));
  }

  async function putPlans(list: readonly MaintenancePlan[]): Promise<void> {
    if (list.length === 0) return;
    await redis.hset(keys.maintPlans, ...list.flatMap((p) => [p.model, JSON.stringify(p)]));
  }

  /** Seeds plans that are not there yet (the default plan on first start); existing plans stay. */
  async function seedPlans(list: readonly MaintenancePlan[]): Promise<void> {
    const tx = redis.multi();
    for (const p of list) tx.hsetnx(keys.maintPlans, p.model, JSON.stringify(p));
    await tx.exec();
  }

  async function deletePlan(model: string): Promise<boolean> {
    return (await redis.hdel(keys.maintPlans, model)) === 1;
  }

  /**
   * Records a service; the same id twice returns the stored record (`created: false`). Rejects a record whose
   * odometer is lower than an earlier service's or higher than a later one's (409 with the conflicting one).
   */
  async function recordService(record: ServiceRecord): Promise<{ created: boolean; record: ServiceRecord }> {
    const [outcome, json] = (await redis.eval(
      RECORD_SERVICE, 3, keys.maintServices(record.vin), keys.maintLastServices, keys.maintDirty,
      record.id, record.vin, JSON.stringify(record), String(record.atMs), String(record.odometerKm),
    )) as [string, string];
    if (outcome === 'ok') return { created: true, record };
    if (outcome === 'exists') return { created: false, record: JSON.parse(json) as ServiceRecord };
    const other = JSON.parse(json) as ServiceRecord;
    const message = outcome === 'odometer_below'
      ? `odometer ${record.odometerKm} km is lower than ${other.odometerKm} km of the earlier service ${other.id}`
      : `odometer ${record.odometerKm} km is higher than ${other.odometerKm} km of the later service ${other.id}`;
    throw new ConflictError(message, [{ field: 'body.odometerKm', message }]);
  }

  async function services(vin: string): Promise<ServiceRecord[]> {
    const all = await redis.hvals(keys.maintServices(vin));
    return all.map((j) => JSON.parse(j) as ServiceRecord).sort((a, b) => b.atMs - a.atMs || b.odometerKm - a.odometerKm);
  }

  /** Last service per item of the given vehicles (all when undefined). */
  async function lastServices(vins?: readonly string[]): Promise<Map<string, Record<string, CycleStart>>> {
    const out = new Map<string, Record<string, CycleStart>>();
    if (vins === undefined) {
      const all = await redis.hgetall(keys.maintLastServices);
      for (const [vin, json] of Object.entries(all)) out.set(vin, JSON.parse(json) as Record<string, CycleStart>);
      return out;
    }
    for (let i = 0; i < vins.length; i += 5000) {
      const chunk = vins.slice(i, i + 5000);
      if (chunk.length === 0) continue;
      const values = await redis.hmget(keys.maintLastServices, ...chunk);
      chunk.forEach((vin, j) => {
        const json = values[j];
        if (json) out.set(vin, JSON.parse(json) as Record<string, CycleStart>);
      });
    }
    return out;
  }

  /** Takes the VINs whose history changed (the incremental scan's work list). */
  async function takeDirty(): Promise<string[]> {
    const [[, members]] = (await redis.multi().smembers(keys.maintDirty).del(keys.maintDirty).exec()) as [[unknown, string[]], unknown];
    return members;
  }

  /** Puts VINs back on the work list (a scan that failed after taking them). */
  async function markDirty(vins: readonly string[]): Promise<void> {
    if (vins.length) await redis.sadd(keys.maintDirty, ...vins);
  }

  async function usage(vins?: readonly string[]): Promise<Map<string, UsageSnapshot>> {
    const out = new Map<string, UsageSnapshot>();
    if (vins === undefined) {
      for (const [vin, json] of Object.entries(await redis.hgetall(keys.maintUsage))) out.set(vin, JSON.parse(json) as UsageSnapshot);
      return out;
    }
    for (let i = 0; i < vins.length; i += 5000) {
      const chunk = vins.slice(i, i + 5000);
      if (chunk.length === 0) continue;
      const values = await redis.hmget(keys.maintUsage, ...chunk);
      chunk.forEach((vin, j) => values[j] && out.set(vin, JSON.parse(values[j]!) as UsageSnapshot));
    }
    return out;
  }

  /** 00:00 CST of the newest usage summary the snapshots come from (0 before the first). */
  async function usageSummaryDay(): Promise<number> {
    return Number((await redis.get(keys.maintUsageSummaryDay)) ?? 0);
  }

  async function putUsage(entries: ReadonlyArray<readonly [string, UsageSnapshot]>): Promise<void> {
    for (let i = 0; i < entries.length; i += 5000) {
      const chunk = entries.slice(i, i + 5000);
      if (chunk.length) await redis.hset(keys.maintUsage, ...chunk.flatMap(([vin, u]) => [vin, JSON.stringify(u)]));
    }
  }

  async function due(vins: readonly string[]): Promise<Array<VehicleDue | undefined>> {
    const out: Array<VehicleDue | undefined> = [];
    for (let i = 0; i < vins.length; i += 5000) {
      const chunk = vins.slice(i, i + 5000);
      if (chunk.length === 0) continue;
      const values = await redis.hmget(keys.maintDue, ...chunk);
      for (const v of values) out.push(v ? (JSON.parse(v) as VehicleDue) : undefined);
    }
    return out;
  }

  async function putDue(list: readonly VehicleDue[]): Promise<void> {
    for (let i = 0; i < list.length; i += 5000) {
      const chunk = list.slice(i, i + 5000);
      if (chunk.length) await redis.hset(keys.maintDue, ...chunk.flatMap((d) => [d.vin, JSON.stringify(d)]));
    }
  }

  /** Raises each reminder unless its id was raised before; returns those raised by this call. */
  async function raiseReminders(reminders: readonly Reminder[]): Promise<Reminder[]> {
    const raised: Reminder[] = [];
    for (let i = 0; i < reminders.length; i += 500) {
      const chunk = reminders.slice(i, i + 500);
      const args: string[] = [String(LIVE_STREAM_MAXLEN)];
      for (const r of chunk) {
        const event: LiveEvent = {
          type: 'maintenance.reminder', at: new Date(r.raisedAt).toISOString(), vin: r.vin, customerId: r.customerId,
          data: { reminderId: r.id, itemId: r.itemId, level: r.level, cycle: r.cycle, text: r.text, due: r.due },
        };
        args.push(r.id, JSON.stringify(r), String(r.raisedAt), JSON.stringify(event));
      }
      const flags = (await redis.eval(RAISE_REMINDERS, 2 + chunk.length, keys.maintReminders, keys.events,
        ...chunk.map((r) => keys.maintCustomerReminders(r.customerId)), ...args)) as number[];
      flags.forEach((n, j) => n === 1 && raised.push(chunk[j]!));
    }
    return raised;
  }

  /** Ids already raised among `ids`. */
  async function raisedAmong(ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = ids.slice(i, i + 5000);
      if (chunk.length === 0) continue;
      const values = await redis.hmget(keys.maintReminders, ...chunk);
      chunk.forEach((id, j) => values[j] && out.add(id));
    }
    return out;
  }

  async function reminder(id: string): Promise<Reminder | undefined> {
    const json = await redis.hget(keys.maintReminders, id);
    return json ? (JSON.parse(json) as Reminder) : undefined;
  }

  /** Reminders of customers, newest first. */
  async function remindersOf(customerIds: readonly string[], limit: number): Promise<Reminder[]> {
    const ids: Array<[string, number]> = [];
    for (const c of customerIds) {
      const flat = await redis.zrevrange(keys.maintCustomerReminders(c), 0, limit - 1, 'WITHSCORES');
      for (let i = 0; i < flat.length; i += 2) ids.push([flat[i]!, Number(flat[i + 1])]);
    }
    ids.sort((a, b) => b[1] - a[1]);
    const chosen = ids.slice(0, limit).map(([id]) => id);
    if (chosen.length === 0) return [];
    const values = await redis.hmget(keys.maintReminders, ...chosen);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as Reminder);
  }

  /** Every reminder (tests, the simulated year, the benchmark's count). */
  async function allReminders(): Promise<Reminder[]> {
    return (await redis.hvals(keys.maintReminders)).map((v) => JSON.parse(v) as Reminder);
  }

  /** Changes a reminder's state (snooze, dismiss, reopen) with a compare-and-set on its JSON. */
  async function updateReminder(id: string, change: (r: Reminder) => Reminder): Promise<Reminder> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const json = await redis.hget(keys.maintReminders, id);
      if (!json) throw new NotFoundError('reminder', id);
      const next = change(JSON.parse(json) as Reminder);
      const swapped = await redis.eval(COMPARE_AND_SET, 1, keys.maintReminders, id, json, JSON.stringify(next));
      if (swapped === 1) return next;
    }
    throw new ConflictError(`reminder ${id} is changing concurrently; retry`);
  }

  async function putServiceDay(offer: ServiceDayOffer): Promise<void> {
    await redis.hset(keys.maintServiceDays, `${offer.stationId}:${offer.date}`, JSON.stringify(offer));
  }

  async function serviceDays(): Promise<ServiceDayOffer[]> {
    return (await redis.hvals(keys.maintServiceDays)).map((j) => JSON.parse(j) as ServiceDayOffer).sort((a, b) => a.date.localeCompare(b.date) || a.stationId.localeCompare(b.stationId));
  }

  return {
    putServiceDay, serviceDays,
    keys, plans, putPlans, seedPlans, deletePlan, recordService, services, lastServices, takeDirty, markDirty,
    usage, usageSummaryDay, putUsage, due, putDue, raiseReminders, raisedAmong, reminder, remindersOf, allReminders, updateReminder,
  };
}

export type MaintenanceStore = ReturnType<typeof createMaintenanceStore>;
