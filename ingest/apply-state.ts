// Stage 3 of the pipeline: every Redis effect of one spool batch, then the spool checkpoint, as an idempotent,
// ordered protocol that holds on Redis Cluster, where one script cannot span many vehicles' keys (docs/scaling.md):
//   0. the checkpoint is read: a batch it is already past changes nothing (replay after a crash);
//   1. VEHICLE_SCRIPT, once per group of live-state keys that share a slot (every vehicle of the batch in one call
//      on a standalone Redis), decides each vehicle's changes against its stored state and returns the effects
//      for step 2:
//      - live state: newest position by device time wins (`>`: a redelivery or a late batch changes nothing);
//      - DM1: newest snapshot by device time; when its set of (spn, fmi) or its lamps differ from the stored one,
//        a FaultEvent for the outbox stream (relayed to BullMQ) and a `vehicle.fault` live event;
//      - a terminal's critical alarm (core/alarm.ts): a FaultEvent with `alarms`, a `vehicle.alarm` live event;
//      - status changes, last-seen;
//      - the GEO index region of the newest position (`geoRegion`, core/regions.ts geoIndexRegion) and the region
//        it was indexed in before, which step 2 removes it from when the truck changed region;
//      each vehicle remembers the batch it last took and what that batch did to it (`batch`, `batchFx`): the same
//      batch again (a crash between the steps) returns the very same effects instead of finding nothing new;
//   2. GEO_SCRIPT, once per slot group of regions (one call on a standalone Redis): each region's GEO set and its
//      device-time hash (`live-geo` / `live-geo-ts`, one hash tag per region) take an entry only at a device time
//      not older than the one they hold; a truck that left a region is removed from it with the time it left, so
//      a late or replayed write of an older position there cannot bring it back;
//   3. CONTROL_SCRIPT, over the control-plane keys (one hash-tag slot), atomically: checks the checkpoint again,
//      appends the live and outbox events and the dead letters, and moves the checkpoint — after every vehicle and
//      GEO effect is stored.
// A crash anywhere repeats at most steps 1–3 of the last batch; outbox events carry deterministic ids (the relay's
// job id), so a repeated one is no second fault event. Two ingesters may race on one truck: each decision is a
// compare inside a script, so the newest wins, in the live hash and in the GEO index.
import type { Redis } from 'ioredis';
import { LIVE_EVENT_FIELD, LIVE_STREAM_MAXLEN, type LiveEvent } from '../core/events.ts';
import { snapshotSeverity, type FaultSeverity } from '../core/j1939.ts';
import { redisKeys } from '../core/keys.ts';
import { createGeoIndexRegions, type ProvinceLocator } from '../core/regions.ts';
import type { FaultEvent } from '../core/queues.ts';
import { DEAD_LETTER_LIST_MAX, type DeadLetter } from '../core/telemetry.ts';
import { replicationGate, scriptGroupOf, writeThenWait } from '../infra/redis.ts';
import type { DecodedBatch } from './decode.ts';
import { loadProvinceLocator } from './province-locator.ts';
import type { SpoolPosition } from './spool.ts';

const VEHICLE_SCRIPT = `
local b = cjson.decode(ARGV[1])
local positions, left, events, outbox, faults = {}, {}, {}, {}, 0
for _, v in ipairs(b.vehicles) do
  local k = v.k
  local replay = redis.call('HGET', k, 'batch') == b.bid
  local fx
  if replay then fx = cjson.decode(redis.call('HGET', k, 'batchFx')) else fx = {p = 0, d = {}, s = {}} end
  if not replay then redis.call('HSET', k, 'lastSeen', b.now, 'customerId', v.c) end
  local p = v.p
  if p then
    if not replay then
      local cur = tonumber(redis.call('HGET', k, 'ts'))
      if (not cur) or p.ts > cur then
        fx.g = redis.call('HGET', k, 'geoRegion') or ''
        redis.call('HSET', k, unpack(p.f))
        fx.p = 1
      end
    end
    if fx.p == 1 then
      positions[#positions + 1] = v.vin
      left[#left + 1] = fx.g or ''
      events[#events + 1] = p.e
    end
  end
  for i, d in ipairs(v.d) do
    local tail = false
    if replay then
      tail = fx.d[i]
    else
      local cur = tonumber(redis.call('HGET', k, 'dm1Ts'))
      if (not cur) or d.ts > cur then
        local prevJson = redis.call('HGET', k, 'dtcs')
        local prevLamps = redis.call('HGET', k, 'lamps')
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
        redis.call('HSET', k, unpack(d.f))
        if #added > 0 or #cleared > 0 or prevLamps ~= d.lamps then
          tail = ',"added":[' .. table.concat(added, ',') .. '],"cleared":[' .. table.concat(cleared, ',') .. ']}'
        end
      end
      fx.d[i] = tail
    end
    if tail then
      outbox[#outbox + 1] = d.head .. tail
      events[#events + 1] = d.live .. tail .. '}'
      faults = faults + 1
    end
  end
  for _, a in ipairs(v.a) do
    if not replay then
      local cur = tonumber(redis.call('HGET', k, 'alarmTs'))
      if (not cur) or a.ts > cur then redis.call('HSET', k, 'alarmTs', a.ts, 'alarms', a.alarms) end
    end
    outbox[#outbox + 1] = a.event
    events[#events + 1] = a.live
    faults = faults + 1
  end
  for i, s in ipairs(v.s) do
    if not replay then
      fx.s[i] = redis.call('HGET', k, 'status') ~= s.s
      if fx.s[i] then redis.call('HSET', k, 'status', s.s, 'statusTs', b.now) end
    end
    if fx.s[i] then events[#events + 1] = s.e end
  end
  if not replay then redis.call('HSET', k, 'batch', b.bid, 'batchFx', cjson.encode(fx)) end
end
return {positions, events, outbox, faults, left}
`;

const GEO_SCRIPT = `
local entries = cjson.decode(ARGV[1])
for _, g in ipairs(entries) do
  local geoKey, tsKey = KEYS[g[1] * 2 - 1], KEYS[g[1] * 2]
  local cur = tonumber(redis.call('HGET', tsKey, g[2]))
  if (not cur) or tonumber(g[3]) >= cur then
    redis.call('HSET', tsKey, g[2], g[3])
    if g[4] then redis.call('GEOADD', geoKey, g[4], g[5], g[2]) else redis.call('ZREM', geoKey, g[2]) end
  end
end
return #entries
`;

const CONTROL_SCRIPT = `
local cpKey, eventsKey, outboxKey, dlList, dlCounts = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local b = cjson.decode(ARGV[1])
local stored = redis.call('HMGET', cpKey, 'spoolId', 'segment', 'offset')
if stored[1] == b.spoolId then
  local s, o = tonumber(stored[2]), tonumber(stored[3])
  if s > b.segment or (s == b.segment and o >= b.offset) then return -1 end
end
for _, json in ipairs(b.events) do
  redis.call('XADD', eventsKey, 'MAXLEN', '~', b.maxlen, '*', b.field, json)
end
for _, json in ipairs(b.outbox) do
  redis.call('XADD', outboxKey, '*', 'event', json)
end
if #b.dead > 0 then
  for i = 1, #b.dead, 500 do
    redis.call('LPUSH', dlList, unpack(b.dead, i, math.min(i + 499, #b.dead)))
  end
  redis.call('LTRIM', dlList, 0, b.dlMax - 1)
  for i = 1, #b.dlCounts, 2 do
    redis.call('HINCRBY', dlCounts, b.dlCounts[i], b.dlCounts[i + 1])
  end
end
redis.call('HSET', cpKey, 'spoolId', b.spoolId, 'segment', b.segment, 'offset', b.offset, 'at', b.now)
return 1
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

type VehicleEffects = {
  k: string; vin: string; c: string;
  p?: { ts: number; f: string[]; e: string; report: DecodedBatch['positions'][number]['report']; region: string };
  d: Array<{ ts: number; lamps: string; dtcs: string[][]; f: string[]; head: string; live: string }>;
  a: Array<{ ts: number; alarms: string; event: string; live: string }>;
  s: Array<{ s: string; e: string }>;
};

type WithScripts = Redis & {
  fleetIngestVehicles(...args: Array<string | number>): Promise<[string[], string[], string[], number, string[]]>;
  fleetIngestGeo(...args: Array<string | number>): Promise<number>;
  fleetIngestControl(...args: Array<string | number>): Promise<number>;
};

export function createStateApplier(deps: {
  redis: Pick<Redis, 'defineCommand' | 'hmget' | 'pipeline'>;
  prefix: string;
  clientId: string;
  spoolId: string;
  /** Position → province, for the GEO index regions (core/regions.ts); echarts' province boundaries when not given. */
  provinceAt?: ProvinceLocator;
}) {
  const keys = redisKeys(deps.prefix);
  const redis = deps.redis as WithScripts;
  const regionOf = createGeoIndexRegions(deps.provinceAt ?? loadProvinceLocator());
  // defineCommand: EVALSHA with a fall-back to EVAL on NOSCRIPT, per node of a cluster.
  redis.defineCommand('fleetIngestVehicles', { lua: VEHICLE_SCRIPT });
  redis.defineCommand('fleetIngestGeo', { lua: GEO_SCRIPT });
  redis.defineCommand('fleetIngestControl', { lua: CONTROL_SCRIPT, numberOfKeys: 5 });
  const groupOf = scriptGroupOf(deps.redis);
  const checkpointKey = keys.ingestCheckpoint(deps.clientId);
  // Outbox entries (fault events on their way to the dispatcher) must survive a failover: a batch that carries any
  // is acknowledged — and its spool released — only after WAIT for the configured replicas, through the same gate
  // as case commits (infra/redis.ts replicationGate). Batches of positions alone skip it: what they wrote is
  // re-derived (live state by the next position, the checkpoint by replay).
  const gate = replicationGate(deps.redis);

  /** Each vehicle's share of the batch, in the batch's order per vehicle. */
  function vehicleEffects(batch: DecodedBatch, now: number): Map<string, VehicleEffects> {
    const at = new Date(now).toISOString();
    const byVin = new Map<string, VehicleEffects>();
    const of = (vin: string, customerId: string): VehicleEffects => {
      let v = byVin.get(vin);
      if (!v) byVin.set(vin, (v = { k: keys.live(vin), vin, c: customerId, d: [], a: [], s: [] }));
      v.c = customerId;
      return v;
    };

    for (const { vin, customerId, report: r } of newestPerVehicle(batch.positions)) {
      const f: string[] = ['customerId', customerId, 'ts', String(r.ts), 'lat', String(r.lat), 'lon', String(r.lon)];
      if (r.speedKmh !== undefined) f.push('speedKmh', String(r.speedKmh));
      if (r.heading !== undefined) f.push('heading', String(r.heading));
      if (r.odometerKm !== undefined) f.push('odometerKm', String(r.odometerKm));
      if (r.engineHours !== undefined) f.push('engineHours', String(r.engineHours));
      if (r.fuelPct !== undefined) f.push('fuelPct', String(r.fuelPct));
      if (r.ignition !== undefined) f.push('ignition', String(r.ignition));
      if (r.seq !== undefined) f.push('seq', String(r.seq));
      const region = regionOf(r.lat, r.lon);
      f.push('geoRegion', region);
      of(vin, customerId).p = { ts: r.ts, f, e: liveEvent({ type: 'vehicle.position', at, vin, customerId, data: { ...r } }), report: r, region };
    }

    const dm1s = [...batch.dm1s].sort((a, b) => (a.vin < b.vin ? -1 : a.vin > b.vin ? 1 : a.report.ts - b.report.ts));
    for (const { vin, customerId, report: r, receivedAt } of dm1s) {
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
      of(vin, customerId).d.push({
        ts: r.ts, lamps,
        dtcs: r.dtcs.map((d) => [`${d.spn}:${d.fmi}`, JSON.stringify({ spn: d.spn, fmi: d.fmi, oc: d.oc })]),
        f: ['customerId', customerId, 'dm1Ts', String(r.ts), 'dtcs', active, 'lamps', lamps, 'severity', live],
        head: JSON.stringify(event).slice(0, -1), live: fault.slice(0, -2),
      });
    }

    // A critical alarm is a fault event of its own (id by VIN and device time: a resent alarm is the same event,
    // which the outbox relay's job id and the dispatcher's fault-event ids deduplicate).
    for (const { vin, customerId, report: r, receivedAt } of batch.alarms) {
      const id = `${vin}-alarm-${r.ts}`;
      const location = r.lat !== undefined && r.lon !== undefined ? { lat: r.lat, lon: r.lon } : {};
      const event: FaultEvent = {
        id, vin, customerId, ts: r.ts, receivedAt, ...location, lamps: JSON.parse(NO_LAMPS) as FaultEvent['lamps'],
        severity: 'critical', active: [], added: [], cleared: [], alarms: r.alarms,
      };
      of(vin, customerId).a.push({
        ts: r.ts, alarms: r.alarms.join(','), event: JSON.stringify(event),
        live: liveEvent({ type: 'vehicle.alarm', at, vin, customerId, data: { faultEventId: id, ts: r.ts, ...location, alarms: r.alarms, alarmBits: r.alarmBits } }),
      });
    }

    for (const { vin, customerId, report } of batch.statuses) {
      of(vin, customerId).s.push({ s: report, e: liveEvent({ type: 'vehicle.status', at, vin, customerId, data: { status: report } }) });
    }
    return byVin;
  }

  function isPast(stored: Array<string | null>, checkpoint: SpoolPosition): boolean {
    if (stored[0] !== deps.spoolId) return false;
    const segment = Number(stored[1]);
    return segment > checkpoint.segment || (segment === checkpoint.segment && Number(stored[2]) >= checkpoint.offset);
  }

  /** Applies the batch's Redis effects, then moves the checkpoint to `checkpoint` (the protocol at the top). */
  async function apply(batch: DecodedBatch, checkpoint: SpoolPosition, now: number): Promise<ApplyOutcome> {
    if (isPast(await deps.redis.hmget(checkpointKey, 'spoolId', 'segment', 'offset'), checkpoint)) {
      return { applied: false, positionsApplied: 0, faultEvents: 0 };
    }
    const vehicles = vehicleEffects(batch, now);
    const groups = new Map<number, VehicleEffects[]>();
    for (const v of vehicles.values()) {
      const group = groupOf(v.k);
      const list = groups.get(group);
      if (list) list.push(v);
      else groups.set(group, [v]);
    }
    // Stable per batch and ingester: the same batch replayed is recognised by every vehicle it touched.
    const bid = `${deps.spoolId}:${checkpoint.segment}:${checkpoint.offset}`;
    const results = await Promise.all(
      [...groups.values()].map((list) =>
        redis.fleetIngestVehicles(
          list.length, ...list.map((v) => v.k),
          JSON.stringify({ bid, now, noLamps: NO_LAMPS, vehicles: list }, (key, value: unknown) => (key === 'report' || key === 'region' ? undefined : value)),
        ),
      ),
    );

    // Step 2: per region, [vin, device time, lon, lat] to index, or [vin, device time] to remove (the region the
    // truck left, or a latitude Redis GEO cannot hold).
    const geo = new Map<string, Array<[string, string, number, number] | [string, string]>>();
    const toRegion = (region: string, entry: [string, string, number, number] | [string, string]) => {
      const list = geo.get(region);
      if (list) list.push(entry);
      else geo.set(region, [entry]);
    };
    const events: string[] = [];
    const outbox: string[] = [];
    let faultEvents = 0;
    let positionsApplied = 0;
    for (const [positions, groupEvents, groupOutbox, faults, left] of results) {
      positions.forEach((vin, i) => {
        const { report: p, region } = vehicles.get(vin)!.p!;
        const ts = String(p.ts);
        toRegion(region, Math.abs(p.lat) <= GEO_MAX_LAT ? [vin, ts, p.lon, p.lat] : [vin, ts]);
        const previous = left[i];
        if (previous && previous !== region) toRegion(previous, [vin, ts]);
      });
      positionsApplied += positions.length;
      events.push(...groupEvents);
      outbox.push(...groupOutbox);
      faultEvents += faults;
    }
    const geoGroups = new Map<number, string[]>();
    for (const region of geo.keys()) {
      const group = groupOf(keys.liveGeo(region));
      const list = geoGroups.get(group);
      if (list) list.push(region);
      else geoGroups.set(group, [region]);
    }
    await Promise.all(
      [...geoGroups.values()].map((regionList) =>
        redis.fleetIngestGeo(
          regionList.length * 2, ...regionList.flatMap((r) => [keys.liveGeo(r), keys.liveGeoTs(r)]),
          JSON.stringify(regionList.flatMap((r, i) => geo.get(r)!.map((entry) => [i + 1, ...entry]))),
        ),
      ),
    );

    const counts = new Map<string, number>();
    for (const d of batch.deadLetters) counts.set(d.reason, (counts.get(d.reason) ?? 0) + 1);
    const controlArgs = [
      checkpointKey, keys.events, keys.ingestOutbox, keys.deadLetters, keys.deadLetterCounts,
      JSON.stringify({
        spoolId: deps.spoolId, segment: checkpoint.segment, offset: checkpoint.offset, now,
        events, outbox, maxlen: LIVE_STREAM_MAXLEN, field: LIVE_EVENT_FIELD,
        dead: batch.deadLetters.map((d: DeadLetter) => JSON.stringify(d)), dlMax: DEAD_LETTER_LIST_MAX,
        dlCounts: [...counts.entries()].flat(),
      }),
    ];
    const wait = outbox.length > 0 ? gate.next() : undefined;
    let done: number;
    if (wait) {
      // WAIT in the same pipeline goes to the master that ran the script (the control-plane slot's).
      const { reply } = await writeThenWait<number>(deps.redis as Redis, gate, wait, (pipeline) =>
        (pipeline as unknown as { fleetIngestControl(...a: Array<string | number>): unknown }).fleetIngestControl(...controlArgs));
      done = Number(reply);
    } else {
      done = await redis.fleetIngestControl(...controlArgs);
    }
    if (done < 0) return { applied: false, positionsApplied: 0, faultEvents: 0 };
    return { applied: true, positionsApplied, faultEvents };
  }

  return { apply };
}

export type StateApplier = ReturnType<typeof createStateApplier>;
