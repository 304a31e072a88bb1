// Parts stock and reservations in Redis (key map: core/keys.ts, "parts"). A stock location is a station or a
// depot (`station:S1`, `depot:D1`); its on-hand counts, reserved counts and holds share one {hash tag}, and every
// change of one location is one Lua script, so:
//   - a reservation is all or nothing per location: every line fits (on hand − reserved ≥ qty) or nothing changes,
//     and two holders never get the same last unit;
//   - reserved never exceeds what was on hand when reserving, on hand never goes below zero;
//   - a hold is keyed by its holder and part: reserving a part the holder already holds there answers the existing
//     hold (a retry after a crash reserves nothing twice); releasing or consuming twice changes nothing the second time.
// The `parts:holds` index (location|holder → ms) is written before a hold and removed after it ends, so a hold
// whose holder never recorded it (a process killed between the two) is found and released by the reconciler.
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import type { Part, PartLine } from '../core/parts-catalog.ts';

/**
 * Adds to the holder's hold the parts it does not hold yet, all or nothing; parts it already holds are answered as
 * they are (a retry after a crash reserves nothing twice). Answers {'ok', repeat, partNo, qty, …} or {'short', partNo, free}.
 */
const RESERVE = `
local onhand, reserved, hold = KEYS[1], KEYS[2], KEYS[3]
local fresh = {}
for i = 1, #ARGV, 2 do
  if redis.call('HEXISTS', hold, ARGV[i]) == 0 then
    local have = tonumber(redis.call('HGET', onhand, ARGV[i]) or '0') - tonumber(redis.call('HGET', reserved, ARGV[i]) or '0')
    if have < tonumber(ARGV[i + 1]) then return {'short', ARGV[i], tostring(math.max(0, have)), tostring(redis.call('EXISTS', hold))} end
    fresh[#fresh + 1] = i
  end
end
for _, i in ipairs(fresh) do
  redis.call('HINCRBY', reserved, ARGV[i], ARGV[i + 1])
  redis.call('HSET', hold, ARGV[i], ARGV[i + 1])
end
local out = {'ok', #fresh == 0 and '1' or '0'}
for i = 1, #ARGV, 2 do
  out[#out + 1] = ARGV[i]
  out[#out + 1] = redis.call('HGET', hold, ARGV[i])
end
return out
`;

const RELEASE_HELD = `
local function releaseHeld(reserved, held)
  for i = 1, #held, 2 do
    local left = redis.call('HINCRBY', reserved, held[i], -tonumber(held[i + 1]))
    if left <= 0 then redis.call('HDEL', reserved, held[i]) end
  end
end
`;

const RELEASE = `${RELEASE_HELD}
local held = redis.call('HGETALL', KEYS[2])
releaseHeld(KEYS[1], held)
redis.call('DEL', KEYS[2])
return held
`;

/**
 * ARGV = partNo, qty pairs actually used here; units beyond the hold come from this location's free stock.
 * KEYS[4] marks the holder's consumption here as done (30 days), so a retry after a crash consumes nothing twice.
 */
const CONSUME = `${RELEASE_HELD}
local onhand, reserved, hold, done = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if redis.call('EXISTS', done) == 1 then return {'ok', 'repeat'} end
local heldList = redis.call('HGETALL', hold)
local held = {}
for i = 1, #heldList, 2 do held[heldList[i]] = tonumber(heldList[i + 1]) end
for i = 1, #ARGV, 2 do
  local extra = tonumber(ARGV[i + 1]) - (held[ARGV[i]] or 0)
  if extra > 0 then
    local have = tonumber(redis.call('HGET', onhand, ARGV[i]) or '0') - tonumber(redis.call('HGET', reserved, ARGV[i]) or '0')
    if have < extra then return {'short', ARGV[i], tostring(math.max(0, have))} end
  end
end
releaseHeld(reserved, heldList)
redis.call('DEL', hold)
for i = 1, #ARGV, 2 do
  local left = tonumber(redis.call('HGET', onhand, ARGV[i]) or '0') - tonumber(ARGV[i + 1])
  if left > 0 then redis.call('HSET', onhand, ARGV[i], left) else redis.call('HDEL', onhand, ARGV[i]) end
end
redis.call('SET', done, '1', 'EX', 2592000)
return {'ok'}
`;

/** KEYS = onhand; ARGV = partNo, qty pairs: the whole shelf, replaced. */
const REPLACE = `
redis.call('DEL', KEYS[1])
for i = 1, #ARGV, 2 do
  if tonumber(ARGV[i + 1]) > 0 then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
`;

export interface StockRow {
  readonly partNo: string;
  readonly onHand: number;
  readonly reserved: number;
  /** on hand − reserved, never below zero. */
  readonly available: number;
}

export type ReserveOutcome =
  | { readonly ok: true; readonly lines: PartLine[]; /** true when the holder already held every line here (a repeat). */ readonly repeat: boolean }
  | { readonly ok: false; readonly partNo: string; readonly available: number };

export type ConsumeOutcome = { readonly ok: true } | { readonly ok: false; readonly partNo: string; readonly available: number };

type Scripted = Redis & {
  fleetPartsReserve(...args: Array<string | number>): Promise<string[]>;
  fleetPartsRelease(...args: Array<string | number>): Promise<string[]>;
  fleetPartsConsume(...args: Array<string | number>): Promise<string[]>;
  fleetPartsReplace(...args: Array<string | number>): Promise<number>;
};

function pairs(lines: readonly PartLine[]): Array<string | number> {
  return lines.flatMap((l) => [l.partNo, l.qty]);
}

function toLines(flat: readonly string[]): PartLine[] {
  const out: PartLine[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ partNo: flat[i]!, qty: Number(flat[i + 1]) });
  return out;
}

export function createPartsStore(deps: { redis: Redis; prefix: string }) {
  const redis = deps.redis as Scripted;
  const keys = redisKeys(deps.prefix);
  redis.defineCommand('fleetPartsReserve', { numberOfKeys: 3, lua: RESERVE });
  redis.defineCommand('fleetPartsRelease', { numberOfKeys: 2, lua: RELEASE });
  redis.defineCommand('fleetPartsConsume', { numberOfKeys: 4, lua: CONSUME });
  redis.defineCommand('fleetPartsReplace', { numberOfKeys: 1, lua: REPLACE });

  async function replaceStock(location: string, items: readonly PartLine[]): Promise<void> {
    await redis.fleetPartsReplace(keys.stockOnHand(location), ...pairs(items));
  }

  async function stock(location: string): Promise<StockRow[]> {
    const [onHand, reserved] = await Promise.all([redis.hgetall(keys.stockOnHand(location)), redis.hgetall(keys.stockReserved(location))]);
    const partNos = [...new Set([...Object.keys(onHand), ...Object.keys(reserved)])].sort();
    return partNos.map((partNo) => {
      const have = Number(onHand[partNo] ?? 0);
      const held = Number(reserved[partNo] ?? 0);
      return { partNo, onHand: have, reserved: held, available: Math.max(0, have - held) };
    });
  }

  /** Free units (on hand − reserved) of `partNos` at each location, in one round trip. */
  async function available(locations: readonly string[], partNos: readonly string[]): Promise<Map<string, Map<string, number>>> {
    const result = new Map<string, Map<string, number>>();
    if (locations.length === 0 || partNos.length === 0) return result;
    const pipeline = redis.pipeline();
    for (const loc of locations) {
      pipeline.hmget(keys.stockOnHand(loc), ...partNos);
      pipeline.hmget(keys.stockReserved(loc), ...partNos);
    }
    const rows = (await pipeline.exec()) ?? [];
    locations.forEach((loc, i) => {
      const onHand = (rows[2 * i]?.[1] ?? []) as Array<string | null>;
      const reserved = (rows[2 * i + 1]?.[1] ?? []) as Array<string | null>;
      result.set(loc, new Map(partNos.map((p, j) => [p, Math.max(0, Number(onHand[j] ?? 0) - Number(reserved[j] ?? 0))])));
    });
    return result;
  }

  async function reserve(location: string, holder: string, lines: readonly PartLine[]): Promise<ReserveOutcome> {
    await redis.zadd(keys.partsHolds, 'NX', Date.now(), `${location}|${holder}`);
    const [result, ...rest] = await redis.fleetPartsReserve(keys.stockOnHand(location), keys.stockReserved(location), keys.partsHold(location, holder), ...pairs(lines));
    if (result === 'ok') return { ok: true, repeat: rest[0] === '1', lines: toLines(rest.slice(1)) };
    // Refused and holding nothing here: the index entry written ahead is not needed.
    if (rest[2] === '0') await redis.zrem(keys.partsHolds, `${location}|${holder}`);
    return { ok: false, partNo: rest[0]!, available: Number(rest[1]) };
  }

  /** Gives the holder's units back to the location's free stock; answers what was released (nothing on a repeat). */
  async function release(location: string, holder: string): Promise<PartLine[]> {
    const released = await redis.fleetPartsRelease(keys.stockReserved(location), keys.partsHold(location, holder));
    await redis.zrem(keys.partsHolds, `${location}|${holder}`);
    return toLines(released);
  }

  /** Ends the holder's hold here and takes `used` off the shelf (beyond the hold: from free stock, or nothing changes). */
  async function consume(location: string, holder: string, used: readonly PartLine[]): Promise<ConsumeOutcome> {
    const [result, partNo, have] = await redis.fleetPartsConsume(keys.stockOnHand(location), keys.stockReserved(location), keys.partsHold(location, holder), keys.partsConsumed(location, holder), ...pairs(used.filter((l) => l.qty > 0)));
    if (result !== 'ok') return { ok: false, partNo: partNo!, available: Number(have) };
    await redis.zrem(keys.partsHolds, `${location}|${holder}`);
    return { ok: true };
  }

  async function hold(location: string, holder: string): Promise<PartLine[]> {
    return toLines(Object.entries(await redis.hgetall(keys.partsHold(location, holder))).flat());
  }

  /** Holds (location, holder) recorded in the index before `olderThanMs` (epoch ms). */
  async function holdsBefore(olderThanMs: number, limit = 1000): Promise<Array<{ location: string; holder: string }>> {
    const members = await redis.zrangebyscore(keys.partsHolds, '-inf', olderThanMs, 'LIMIT', 0, limit);
    return members.map((m) => {
      const bar = m.lastIndexOf('|');
      return { location: m.slice(0, bar), holder: m.slice(bar + 1) };
    });
  }

  /** Parts an admin added to or changed in the built-in catalog. */
  async function catalogEntries(): Promise<Part[]> {
    return Object.values(await redis.hgetall(keys.partsCatalog)).map((json) => JSON.parse(json) as Part);
  }

  async function putCatalogEntry(part: Part): Promise<void> {
    await redis.hset(keys.partsCatalog, part.partNo, JSON.stringify(part));
  }

  return { replaceStock, stock, available, reserve, release, consume, hold, holdsBefore, catalogEntries, putCatalogEntry };
}

export type PartsStore = ReturnType<typeof createPartsStore>;
