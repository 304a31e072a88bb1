// Maintenance persistence in Redis: plans, service history (with each vehicle's last service per item), the
// usage snapshots and due items of the last scan, and reminders. Two rules are enforced inside Lua scripts so
// that concurrent writers and processes killed at any point cannot break them:
//  - a service record never contradicts the odometer order of the vehicle's other services;
//  - a reminder id is claimed once (HSETNX), and the claim, the customer's list entry and its announcement on the
//    live stream are one atomic unit: a scheduler killed mid-run has either raised a reminder completely or not at all.
import type { Redis } from 'ioredis';
import { LIVE_EVENT_FIELD, LIVE_STREAM_MAXLEN, REMINDERS_RAISED } from '../core/events.ts';
import { redisKeys } from '../core/keys.ts';
import type { CycleStart, DueItem } from '../core/maintenance-due.ts';
import type { MaintenancePlan } from '../core/maintenance-plan.ts';
import { reminderOfStored, type Reminder } from '../core/maintenance-reminder.ts';
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
  /**
   * Recorded without `engineHours`: the truck's reading at the service taken from its usage roll-up when the record
   * was made (core/maintenance-usage.ts `engineHoursAt`); the cycle's hours limit counts from it. Absent when the
   * usage could not tell: that cycle then has no hours limit (km and months only).
   */
  readonly engineHoursFromUsage?: number;
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

/**
 * Rebuilds a vehicle's last service per item from all its records (KEYS[1] its services, KEYS[2] the last-services
 * hash, `vin` set): shared by recording a service and by the repair of cycle starts stored at 0 h.
 */
const REBUILD_LAST_SERVICES = `
local last, any = {}, false
for _, j in ipairs(redis.call('HVALS', KEYS[1])) do
  local s = cjson.decode(j)
  for _, item in ipairs(s.items) do
    local l = last[item]
    if not l or l.atMs < s.atMs or (l.atMs == s.atMs and l.odometerKm < s.odometerKm) then
      -- Engine hours at the service: as recorded, else as taken from the truck's usage when it was recorded
      -- (maintenance/maintenance-service.ts), else none — the item's hours limit is left out of that cycle.
      local h = s.engineHours
      if type(h) ~= 'number' then h = s.engineHoursFromUsage end
      if type(h) ~= 'number' then h = nil end
      last[item] = { cycle = s.id, atMs = s.atMs, odometerKm = s.odometerKm, engineHours = h }
      any = true
    end
  end
end
if any then redis.call('HSET', KEYS[2], vin, cjson.encode(last)) end
`;

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
${REBUILD_LAST_SERVICES}redis.call('SADD', KEYS[3], vin)
return {'ok', json}
`;

type OdometerRefusal = 'odometer_below' | 'odometer_above';

/** The 409 of a service whose odometer is lower than an earlier service's or higher than a later one's. */
function odometerConflict(refusal: OdometerRefusal, record: ServiceRecord, other: ServiceRecord): ConflictError {
  const message = refusal === 'odometer_below'
    ? `odometer ${record.odometerKm} km is lower than ${other.odometerKm} km of the earlier service ${other.id}`
    : `odometer ${record.odometerKm} km is higher than ${other.odometerKm} km of the later service ${other.id}`;
  return new ConflictError(message, [{ field: 'body.odometerKm', message }]);
}

/**
 * KEYS = services of the vehicle, last-services hash, dirty set; ARGV = vin. Rebuilds its last services (a record
 * without engine hours then starts its cycles without an hours limit, not at 0 h) and puts it on the scan's work list.
 */
const REPAIR_LAST_SERVICES = `
local vin = ARGV[1]
${REBUILD_LAST_SERVICES}redis.call('SADD', KEYS[3], vin)
return 1
`;

/**
 * Raises a batch of reminders, each unless its id was raised before: per reminder the claim (its record into the hash),
 * the customer's list entry, and for the batch one live-stream entry announcing the reminders it raised
 * (`maintenance.reminders`, core/events.ts). KEYS = reminders, events, then each customer list of the batch once;
 * ARGV = maxlen, the announcement's JSON up to its list of records, then groups (one per customer and raising time):
 * index of the customer list in KEYS, raisedAt (the list score), count, and per reminder its id and record. A
 * group's list entries go in one ZADD. Returns 1 (raised now) or 0 (already raised) per reminder, in argument order.
 * One script per batch instead of one per reminder: a first scan of 100,000 vehicles raises ~170,000; and one
 * stream entry per batch (not per reminder), which a first scan would otherwise push every other event out of the
 * capped stream with.
 * The announcement's id `ms-s` comes with the n sequence numbers below it free (the ids of its n reminders,
 * core/events.ts): a throwaway entry takes the next id `ms-t` (above every entry ever added), is deleted, and the
 * announcement is added as `ms-(t + n)`.
 */
const RAISE_REMINDERS = `
local ids, n = {}, 0
local a, last = 3, #ARGV
while a <= last do
  local count = tonumber(ARGV[a + 2])
  a = a + 3
  for i = 1, count do
    n = n + 1
    ids[n] = ARGV[a]
    a = a + 2
  end
end
-- One HMGET and one HSET for the batch rather than an HSETNX per reminder (the script is atomic all the same).
local stored = redis.call('HMGET', KEYS[1], unpack(ids))
local out, o, fresh, f, raised, r, seen = {}, 0, {}, 0, {}, 0, {}
a = 3
while a <= last do
  local k, score, count = tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2])
  a = a + 3
  local l, m = {}, 0
  for i = 1, count do
    o = o + 1
    local id = ARGV[a]
    if stored[o] == false and not seen[id] then
      seen[id] = true
      fresh[f + 1] = id
      fresh[f + 2] = ARGV[a + 1]
      f = f + 2
      l[m + 1] = score
      l[m + 2] = id
      m = m + 2
      r = r + 1
      raised[r] = ARGV[a + 1]
      out[o] = 1
    else
      out[o] = 0
    end
    a = a + 2
  end
  if m > 0 then redis.call('ZADD', KEYS[k], unpack(l)) end
end
if r > 0 then
  redis.call('HSET', KEYS[1], unpack(fresh))
  local next = redis.call('XADD', KEYS[2], '*', 'reserve', '')
  redis.call('XDEL', KEYS[2], next)
  local ms, seq = string.match(next, '^(%d+)-(%d+)$')
  redis.call('XADD', KEYS[2], ms .. '-' .. string.format('%d', tonumber(seq) + r), '${LIVE_EVENT_FIELD}', ARGV[2] .. table.concat(raised, ',') .. ']}}')
  redis.call('XTRIM', KEYS[2], 'MAXLEN', '~', ARGV[1])
end
return out
`;

/** A reminder ready to claim: its id, customer, time and record (`reminderRecordJson`). */
export interface ReminderClaim {
  readonly id: string;
  readonly customerId: string;
  readonly raisedAt: number;
  readonly record: string;
}

/** A stored reminder (any form: core/maintenance-reminder.ts `reminderOfStored`). */
function decodeReminder(json: string): Reminder {
  const r = reminderOfStored(JSON.parse(json));
  if (!r) throw new Error(`unreadable stored reminder: ${json.slice(0, 80)}`);
  return r;
}

const STATUS_CODE = { ok: 0, due_soon: 1, overdue: 2 } as const;
const STATUS_OF = ['ok', 'due_soon', 'overdue'] as const;
const BASIS_CODE = { km: 0, hours: 1, months: 2 } as const;
const BASIS_OF = ['km', 'hours', 'months'] as const;

/** First byte of the binary form of a vehicle's due items (the JSON forms start with `[` or `{`). */
const DUE_BINARY = 3;
/** Numbers per item in the binary form: status, dueKm, dueHours, dueDateMs, predictedMs, basis, remainingKm, remainingHours. */
const ITEM_NUMBERS = 8;

/**
 * A vehicle's due items as stored: binary (a first scan writes 100,000 of them, and turning their ~10 million figures
 * — most of them fractions — into decimal text was most of the write's Node CPU). Byte 3, the byte length of a JSON
 * array of the strings `[customerId, itemId, cycle, itemId, cycle, …]` (uint32 LE) and that JSON, then float64 LE:
 * computedAt, status, and per item the `ITEM_NUMBERS` figures in that order (NaN for an absent figure, codes for
 * status and basis).
 */
function encodeDue(d: VehicleDue): Buffer {
  let head = JSON.stringify(d.customerId);
  for (const i of d.items) head += `,${JSON.stringify(i.itemId)},${JSON.stringify(i.cycle)}`;
  head = `[${head}]`;
  const headBytes = Buffer.byteLength(head);
  const at = 5 + headBytes;
  const buf = Buffer.allocUnsafe(at + 8 * (2 + ITEM_NUMBERS * d.items.length));
  buf[0] = DUE_BINARY;
  buf.writeUInt32LE(headBytes, 1);
  buf.write(head, 5, 'utf8');
  buf.writeDoubleLE(d.computedAt, at);
  buf.writeDoubleLE(STATUS_CODE[d.status], at + 8);
  let o = at + 16;
  const put = (x: number | undefined) => {
    buf.writeDoubleLE(x ?? Number.NaN, o);
    o += 8;
  };
  for (const i of d.items) {
    put(STATUS_CODE[i.status]); put(i.dueKm); put(i.dueHours); put(i.dueDateMs); put(i.predictedMs);
    put(i.basis === undefined ? undefined : BASIS_CODE[i.basis]); put(i.remainingKm); put(i.remainingHours);
  }
  return buf;
}

function decodeBinaryDue(vin: string, buf: Buffer): VehicleDue {
  const headBytes = buf.readUInt32LE(1);
  const strings = JSON.parse(buf.toString('utf8', 5, 5 + headBytes)) as string[];
  let o = 5 + headBytes;
  const next = () => {
    const x = buf.readDoubleLE(o);
    o += 8;
    return x;
  };
  const computedAt = next();
  const status = STATUS_OF[next() as 0 | 1 | 2];
  const items: DueItem[] = [];
  for (let k = 1; k + 1 < strings.length; k += 2) {
    const item: { -readonly [K in keyof DueItem]?: DueItem[K] } = { itemId: strings[k]!, cycle: strings[k + 1]! };
    const itemStatus = STATUS_OF[next() as 0 | 1 | 2];
    const dueKm = next(), dueHours = next(), dueDateMs = next(), predictedMs = next(), basis = next(), remainingKm = next(), remainingHours = next();
    if (!Number.isNaN(dueKm)) item.dueKm = dueKm;
    if (!Number.isNaN(dueHours)) item.dueHours = dueHours;
    if (!Number.isNaN(dueDateMs)) item.dueDateMs = dueDateMs;
    if (!Number.isNaN(predictedMs)) item.predictedMs = predictedMs;
    if (!Number.isNaN(basis)) item.basis = BASIS_OF[basis as 0 | 1 | 2];
    if (!Number.isNaN(remainingKm)) item.remainingKm = remainingKm;
    if (!Number.isNaN(remainingHours)) item.remainingHours = remainingHours;
    item.status = itemStatus;
    items.push(item as DueItem);
  }
  return { vin, customerId: strings[0]!, computedAt, items, status };
}

type EncodedItem = [string, string, 0 | 1 | 2, ...Array<number | null>];

/**
 * Reads any stored form: the binary one, the positional JSON of the previous version (`[2, customerId, computedAt,
 * status, [itemId, cycle, status, dueKm, dueHours, dueDateMs, predictedMs, basis, remainingKm, remainingHours], …]`),
 * or the object JSON of earlier ones.
 */
function decodeDue(vin: string, stored: Buffer): VehicleDue {
  if (stored[0] === DUE_BINARY) return decodeBinaryDue(vin, stored);
  const v = JSON.parse(stored.toString('utf8')) as VehicleDue | [2, string, number, 0 | 1 | 2, ...EncodedItem[]];
  if (!Array.isArray(v)) return v;
  const items: DueItem[] = [];
  for (let k = 4; k < v.length; k++) {
    const [itemId, cycle, status, dueKm, dueHours, dueDateMs, predictedMs, basis, remainingKm, remainingHours] = v[k] as EncodedItem;
    const item: { -readonly [K in keyof DueItem]?: DueItem[K] } = { itemId, cycle };
    if (dueKm != null) item.dueKm = dueKm;
    if (dueHours != null) item.dueHours = dueHours;
    if (dueDateMs != null) item.dueDateMs = dueDateMs;
    if (predictedMs != null) item.predictedMs = predictedMs;
    if (basis != null) item.basis = BASIS_OF[basis];
    if (remainingKm != null) item.remainingKm = remainingKm;
    if (remainingHours != null) item.remainingHours = remainingHours;
    item.status = STATUS_OF[status];
    items.push(item as DueItem);
  }
  return { vin, customerId: v[1], computedAt: v[2], items, status: STATUS_OF[v[3]] };
}

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
    throw odometerConflict(outcome as OdometerRefusal, record, JSON.parse(json) as ServiceRecord);
  }

  /**
   * Would `recordService` refuse `record` now? The same odometer rule as its script (read, not atomic: the script
   * decides again when the record is written), for a caller that must check before doing something irreversible.
   * A record whose id is already stored passes (recording it again is a no-op).
   */
  async function checkOdometer(record: ServiceRecord): Promise<void> {
    const history = await services(record.vin);
    if (history.some((s) => s.id === record.id)) return;
    for (const other of history) {
      if (other.atMs <= record.atMs && other.odometerKm > record.odometerKm) throw odometerConflict('odometer_below', record, other);
      if (other.atMs >= record.atMs && other.odometerKm < record.odometerKm) throw odometerConflict('odometer_above', record, other);
    }
  }

  /**
   * Once per deployment (a flag key marks it done): cycle starts stored at 0 h by services recorded without engine hours
   * before such a service stopped counting as 0 h. Every vehicle with a service cycle starting at 0 h gets its last
   * services rebuilt from its records (a record without hours: no hours limit in that cycle; a record of 0 h stays 0 h)
   * and goes on the scan's work list. Idempotent: schedulers doing it at once, or one killed midway and redoing it,
   * end the same. Returns how many vehicles it rebuilt (0 once done).
   */
  async function repairHourlessCycleStarts(): Promise<number> {
    const done = `${keys.maintLastServices}:hours-repaired`;
    if (await redis.exists(done)) return 0;
    let cursor = '0';
    let repaired = 0;
    do {
      const [nextCursor, flat] = await redis.hscan(keys.maintLastServices, cursor, 'COUNT', 2000);
      cursor = nextCursor;
      const vins: string[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const starts = Object.values(JSON.parse(flat[i + 1]!) as Record<string, CycleStart>);
        if (starts.some((c) => c.cycle !== 'initial' && c.engineHours === 0)) vins.push(flat[i]!);
      }
      await Promise.all(vins.map((vin) => redis.eval(REPAIR_LAST_SERVICES, 3, keys.maintServices(vin), keys.maintLastServices, keys.maintDirty, vin)));
      repaired += vins.length;
    } while (cursor !== '0');
    await redis.set(done, String(Date.now()));
    return repaired;
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
      const values = await redis.hmgetBuffer(keys.maintDue, ...chunk);
      values.forEach((v, j) => out.push(v ? decodeDue(chunk[j]!, v) : undefined));
    }
    return out;
  }

  /**
   * Stores due items; with `fingerprints`, also what the scan wrote for each vehicle (written after the reminders
   * those items call for were claimed, so a scan that finds the same fingerprint has nothing to claim or write).
   */
  async function putDue(list: readonly VehicleDue[], fingerprints?: ReadonlyMap<string, string>): Promise<void> {
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < list.length; i += 5000) {
      const chunk = list.slice(i, i + 5000);
      if (chunk.length) writes.push(redis.hset(keys.maintDue, ...chunk.flatMap((d) => [d.vin, encodeDue(d)])));
    }
    await Promise.all(writes);
    if (fingerprints?.size) await redis.hset(keys.maintDueFingerprints, ...[...fingerprints].flat());
  }

  /** What the scans last wrote for each of `vins` (see putDue). */
  async function dueFingerprints(vins: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (vins.length === 0) return out;
    const values = await redis.hmget(keys.maintDueFingerprints, ...vins);
    values.forEach((v, j) => v !== null && out.set(vins[j]!, v));
    return out;
  }

  /**
   * Raises each reminder unless its id was raised before (claimed, listed for its customer and announced on the live
   * stream together); returns how many this call raised. In batches of up to 1,000, sent together, each atomic.
   */
  async function raiseReminders(claims: readonly ReminderClaim[]): Promise<number> {
    const batches: Array<Promise<number>> = [];
    for (let i = 0; i < claims.length; i += 1000) {
      const chunk = claims.slice(i, i + 1000);
      const lists = new Map<string, number>();
      const groups = new Map<string, ReminderClaim[]>();
      for (const c of chunk) {
        if (!lists.has(c.customerId)) lists.set(c.customerId, 3 + lists.size);
        const g = `${c.raisedAt} ${c.customerId}`;
        const list = groups.get(g);
        if (list) list.push(c);
        else groups.set(g, [c]);
      }
      const announcement = `{"type":"${REMINDERS_RAISED}","at":"${new Date(chunk[0]!.raisedAt).toISOString()}","data":{"reminders":[`;
      const args: Array<string | number> = [LIVE_STREAM_MAXLEN, announcement];
      for (const list of groups.values()) {
        args.push(lists.get(list[0]!.customerId)!, list[0]!.raisedAt, list.length);
        for (const c of list) args.push(c.id, c.record);
      }
      // The batches go out together (one connection, pipelined); each is atomic on its own.
      batches.push((redis.eval(RAISE_REMINDERS, 2 + lists.size, keys.maintReminders, keys.events,
        ...[...lists.keys()].map((c) => keys.maintCustomerReminders(c)), ...args) as Promise<number[]>)
        .then((flags) => flags.reduce((sum, f) => sum + f, 0)));
    }
    return (await Promise.all(batches)).reduce((sum, n) => sum + n, 0);
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
    return json ? decodeReminder(json) : undefined;
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
    return values.filter((v): v is string => v !== null).map(decodeReminder);
  }

  /** Every reminder (tests, the simulated year, the benchmark's count). */
  async function allReminders(): Promise<Reminder[]> {
    return (await redis.hvals(keys.maintReminders)).map(decodeReminder);
  }

  /** Changes a reminder's state (snooze, dismiss, reopen) with a compare-and-set on its JSON. */
  async function updateReminder(id: string, change: (r: Reminder) => Reminder): Promise<Reminder> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const json = await redis.hget(keys.maintReminders, id);
      if (!json) throw new NotFoundError('reminder', id);
      const next = change(decodeReminder(json));
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
    keys, plans, putPlans, seedPlans, deletePlan, recordService, checkOdometer, repairHourlessCycleStarts, services, lastServices, takeDirty, markDirty,
    usage, usageSummaryDay, putUsage, due, putDue, dueFingerprints, raiseReminders, raisedAmong, reminder, remindersOf, allReminders, updateReminder,
  };
}

export type MaintenanceStore = ReturnType<typeof createMaintenanceStore>;
