// Stage 3 of the pipeline: every Redis effect of one spool batch in ONE Lua script, atomically together with
// the spool checkpoint. A batch is therefore applied exactly once even when the process dies after Influx
// accepted it (replay finds the checkpoint already past it and the script returns without effect).
//   - live state: newest position by device time wins (`>`: a redelivery or a late batch changes nothing),
//     GEO index, one `vehicle.position` live event per vehicle and batch;
//   - DM1: newest snapshot by device time; when its set of (spn, fmi) or its lamps differ from the stored
//     one, a FaultEvent goes to the outbox stream (relayed to BullMQ) and a `vehicle.fault` live event;
//   - a terminal's critical alarm (core/alarm.ts): a FaultEvent with `alarms`, a `vehicle.alarm` live event;
//   - status changes, last-seen, dead letters (capped list + counts per reason).
// Two ingesters may race on one truck: each decision is a compare inside the script, so the newest wins.
import type { Redis } from 'ioredis';
import { LIVE_EVENT_FIELD, LIVE_STREAM_MAXLEN, type LiveEvent } from '../core/events.ts';
import { snapshotSeverity, type FaultSeverity } from '../core/j1939.ts';
import { redisKeys } from '../core/keys.ts';
import type { FaultEvent } from '../core/queues.ts';
import { DEAD_LETTER_LIST_MAX, type DeadLetter } from '../core/telemetry.ts';
import type { DecodedBatch } from './decode.ts';
import type { SpoolPosition } from './spool.ts';

const SCRIPT = `
local b = cjson.decode(ARGV[1])
local cp = b.cp
local stored = redis.call('HMGET', cp.key, 'spoolId', 'segment', 'offset')
if stored[1] == cp.spoolId then
  local s, o = tonumber(stored[2]), tonumber(stored[3])
  if s > cp.segment or (s == cp.segment and o >= cp.offset) then return {-1, 0} end
end
local function evt(json)
  redis.call('XADD', b.events, 'MAXLEN', '~', b.maxlen, '*', b.field, json)
end
local applied, faults = 0, 0
for _, s in ipairs(b.seen) do
  redis.call('HSET', s[1], 'lastSeen', b.now, 'customerId', s[2])
end
for _, p in ipairs(b.positions) do
  local cur = tonumber(redis.call('HGET', p.k, 'ts'))
  if (not cur) or p.ts > cur then
    redis.call('HSET', p.k, unpack(p.f))
    if p.g then redis.call('GEOADD', b.geo, p.lon, p.lat, p.vin) else redis.call('ZREM', b.geo, p.vin) end
    evt(p.e)
    applied = applied + 1
  end
end
for _, d in ipairs(b.dm1s) do
  local cur = tonumber(redis.call('HGET', d.k, 'dm1Ts'))
  if (not cur) or d.ts > cur then
    local prevJson = redis.call('HGET', d.k, 'dtcs')
    local prevLamps = redis.call('HGET', d.k, 'lamps')
    if not prevLamps then prevLamps = b.noLamps end
    local prev, order = {}, {}
    if prevJson then
      local ok, list = pcall(cjson.decode, prevJson)
      if ok and type(list) == 'table' then
        for _, x in ipairs(list) do
          if type(x) == 'table' and tonumber(x.spn) and tonumber(x.fmi) then
            local key = string.format('%d:%d', x.spn, x.fmi)
            prev[key] = string.format('{"spn":%d,"fmi":%d,"oc":%d}', x.spn, x.fmi, tonumber(x.oc) or 0)
            order[#order + 1] = key
          end
        end
      end
    end
    local now, added, cleared = {}, {}, {}
    for _, c in ipairs(d.dtcs) do
      now[c[1]] = true
      if not prev[c[1]] then added[#added + 1] = c[2] end
    end
    for _, key in ipairs(order) do
      if not now[key] then cleared[#cleared + 1] = prev[key] end
    end
    redis.call('HSET', d.k, unpack(d.f))
    if #added > 0 or #cleared > 0 or prevLamps ~= d.lamps then
      local tail = ',"added":[' .. table.concat(added, ',') .. '],"cleared":[' .. table.concat(cleared, ',') .. ']}'
      redis.call('XADD', b.outbox, '*', 'event', d.head .. tail)
      evt(d.live .. tail .. '}')
      faults = faults + 1
    end
  end
end
for _, a in ipairs(b.alarms) do
  local cur = tonumber(redis.call('HGET', a.k, 'alarmTs'))
  if (not cur) or a.ts > cur then redis.call('HSET', a.k, 'alarmTs', a.ts, 'alarms', a.alarms) end
  redis.call('XADD', b.outbox, '*', 'event', a.event)
  evt(a.live)
  faults = faults + 1
end
for _, s in ipairs(b.statuses) do
  if redis.call('HGET', s.k, 'status') ~= s.s then
    redis.call('HSET', s.k, 'status', s.s, 'statusTs', b.now)
    evt(s.e)
  end
end
if #b.dead > 0 then
  for i = 1, #b.dead, 500 do
    redis.call('LPUSH', b.dlList, unpack(b.dead, i, math.min(i + 499, #b.dead)))
  end
  redis.call('LTRIM', b.dlList, 0, b.dlMax - 1)
  for i = 1, #b.dlCounts, 2 do
    redis.call('HINCRBY', b.dlCountsHash, b.dlCounts[i], b.dlCounts[i + 1])
  end
end
redis.call('HSET', cp.key, 'spoolId', cp.spoolId, 'segment', cp.segment, 'offset', cp.offset, 'at', b.now)
return {applied, faults}
`;

/** Redis GEO accepts latitudes up to ±85.05112878°; trucks beyond are kept out of the index. */
const GEO_MAX_LAT = 85.05112878;
const NO_LAMPS = JSON.stringify({ mil: false, redStop: false, amberWarning: false, protect: false });

export interface ApplyOutcome {
  /** False when the checkpoint showed this batch had already been applied (replay after a crash). */
  applied: boolean;
  positionsApplied: number;
  faultEvents: number;
}

function liveEvent(event: LiveEvent): string {
  return JSON.stringify(event);
}

/**
 * The newest position of each vehicle in a batch: only it can matter to the live state (older ones are in
 * InfluxDB and cannot win in Redis anyway).
 */
export function newestPerVehicle(positions: DecodedBatch['positions']): DecodedBatch['positions'] {
  const newest = new Map<string, DecodedBatch['positions'][number]>();
  for (const p of positions) {
    const seen = newest.get(p.vin);
    if (!seen || p.report.ts > seen.report.ts) newest.set(p.vin, p);
  }
  return [...newest.values()];
}

export function createStateApplier(deps: { redis: Pick<Redis, 'eval' | 'evalsha' | 'script'>; prefix: string; clientId: string; spoolId: string }) {
  const keys = redisKeys(deps.prefix);
  let sha: string | undefined;

  function payload(batch: DecodedBatch, checkpoint: SpoolPosition, now: number): string {
    const at = new Date(now).toISOString();
    const seen = new Map<string, string>();
    for (const list of [batch.positions, batch.dm1s, batch.statuses, batch.alarms]) for (const item of list) seen.set(item.vin, item.customerId);

    const positions = newestPerVehicle(batch.positions).map(({ vin, customerId, report: r }) => {
      const f: string[] = ['customerId', customerId, 'ts', String(r.ts), 'lat', String(r.lat), 'lon', String(r.lon)];
      if (r.speedKmh !== undefined) f.push('speedKmh', String(r.speedKmh));
      if (r.heading !== undefined) f.push('heading', String(r.heading));
      if (r.odometerKm !== undefined) f.push('odometerKm', String(r.odometerKm));
      if (r.engineHours !== undefined) f.push('engineHours', String(r.engineHours));
      if (r.fuelPct !== undefined) f.push('fuelPct', String(r.fuelPct));
      if (r.ignition !== undefined) f.push('ignition', String(r.ignition));
      if (r.seq !== undefined) f.push('seq', String(r.seq));
      return {
        k: keys.live(vin), vin, ts: r.ts, f, lat: r.lat, lon: r.lon, g: Math.abs(r.lat) <= GEO_MAX_LAT,
        e: liveEvent({ type: 'vehicle.position', at, vin, customerId, data: { ...r } }),
      };
    });

    const dm1s = [...batch.dm1s]
      .sort((a, b) => (a.vin < b.vin ? -1 : a.vin > b.vin ? 1 : a.report.ts - b.report.ts))
      .map(({ vin, customerId, report: r, receivedAt }) => {
        const lamps = JSON.stringify(r.lamps);
        const live = snapshotSeverity(r.lamps, r.dtcs);
        const severity: FaultSeverity = live === 'none' ? 'info' : live;
        const active = JSON.stringify(r.dtcs);
        const id = `${vin}-${r.ts}`;
        const location = r.lat !== undefined && r.lon !== undefined ? { lat: r.lat, lon: r.lon } : {};
        // The FaultEvent (core/queues.ts) and its LiveEvent without `added` and `cleared`, which only the script
        // can know: typed here, serialised, and left open (`active` last) for the script to append them.
        const event: Omit<FaultEvent, 'added' | 'cleared'> = {
          id, vin, customerId, ts: r.ts, receivedAt, ...location, lamps: r.lamps, severity, active: r.dtcs,
        };
        const fault = liveEvent({
          type: 'vehicle.fault', at, vin, customerId,
          data: { faultEventId: id, ts: r.ts, ...location, lamps: r.lamps, severity, active: r.dtcs },
        });
        const head = JSON.stringify(event).slice(0, -1);
        const liveHead = fault.slice(0, -2);
        return {
          k: keys.live(vin), ts: r.ts, lamps,
          dtcs: r.dtcs.map((d) => [`${d.spn}:${d.fmi}`, JSON.stringify({ spn: d.spn, fmi: d.fmi, oc: d.oc })]),
          f: ['customerId', customerId, 'dm1Ts', String(r.ts), 'dtcs', active, 'lamps', lamps, 'severity', live],
          head, live: liveHead,
        };
      });

    // A critical alarm is a fault event of its own (id by VIN and device time: a resent alarm is the same event,
    // which the outbox relay's job id and the dispatcher's fault-event ids deduplicate).
    const alarms = batch.alarms.map(({ vin, customerId, report: r, receivedAt }) => {
      const id = `${vin}-alarm-${r.ts}`;
      const location = r.lat !== undefined && r.lon !== undefined ? { lat: r.lat, lon: r.lon } : {};
      const event: FaultEvent = {
        id, vin, customerId, ts: r.ts, receivedAt, ...location, lamps: JSON.parse(NO_LAMPS) as FaultEvent['lamps'],
        severity: 'critical', active: [], added: [], cleared: [], alarms: r.alarms,
      };
      return {
        k: keys.live(vin), ts: r.ts, alarms: r.alarms.join(','),
        event: JSON.stringify(event),
        live: liveEvent({ type: 'vehicle.alarm', at, vin, customerId, data: { faultEventId: id, ts: r.ts, ...location, alarms: r.alarms, alarmBits: r.alarmBits } }),
      };
    });

    const statuses = batch.statuses.map(({ vin, customerId, report }) => ({
      k: keys.live(vin), s: report,
      e: liveEvent({ type: 'vehicle.status', at, vin, customerId, data: { status: report } }),
    }));

    const counts = new Map<string, number>();
    for (const d of batch.deadLetters) counts.set(d.reason, (counts.get(d.reason) ?? 0) + 1);

    return JSON.stringify({
      cp: { key: keys.ingestCheckpoint(deps.clientId), spoolId: deps.spoolId, segment: checkpoint.segment, offset: checkpoint.offset },
      now,
      events: keys.events, maxlen: LIVE_STREAM_MAXLEN, field: LIVE_EVENT_FIELD,
      geo: keys.liveGeo, outbox: keys.ingestOutbox, noLamps: NO_LAMPS,
      seen: [...seen.entries()].map(([vin, customerId]) => [keys.live(vin), customerId]),
      positions, dm1s, alarms, statuses,
      dead: batch.deadLetters.map((d: DeadLetter) => JSON.stringify(d)),
      dlList: keys.deadLetters, dlMax: DEAD_LETTER_LIST_MAX, dlCountsHash: keys.deadLetterCounts,
      dlCounts: [...counts.entries()].flat(),
    });
  }

  /** Applies the batch's Redis effects and moves the checkpoint to `checkpoint`, atomically. */
  async function apply(batch: DecodedBatch, checkpoint: SpoolPosition, now: number): Promise<ApplyOutcome> {
    const arg = payload(batch, checkpoint, now);
    let result: unknown;
    try {
      sha ??= (await deps.redis.script('LOAD', SCRIPT)) as string;
      result = await deps.redis.evalsha(sha, 0, arg);
    } catch (err) {
      if (err instanceof Error && err.message.includes('NOSCRIPT')) {
        sha = undefined;
        result = await deps.redis.eval(SCRIPT, 0, arg);
      } else {
        throw err;
      }
    }
    const [positionsApplied, faultEvents] = result as [number, number];
    if (positionsApplied < 0) return { applied: false, positionsApplied: 0, faultEvents: 0 };
    return { applied: true, positionsApplied, faultEvents };
  }

  return { apply };
}

export type StateApplier = ReturnType<typeof createStateApplier>;
