// Service appointments in Redis. Booking (or moving) a slot and storing the appointment are one Lua unit that
// checks the station's daily capacity and a compare-and-set on the appointment's JSON: two bookings racing for
// the last bay hours cannot both win, and a process killed mid-booking leaves no half-booked slot. The live event of
// the change (`maintenance.appointment.*`, SSE and webhooks) is added in the same unit: one event per stored change.
import type { Redis } from 'ioredis';
import { LIVE_EVENT_FIELD, LIVE_STREAM_MAXLEN, type LiveEvent } from '../core/events.ts';
import { redisKeys } from '../core/keys.ts';
import { cstDate } from '../core/maintenance-due.ts';
import type { Appointment } from '../core/maintenance-appointment.ts';
import { ConflictError } from '../core/errors.ts';

/**
 * KEYS = appointments, newDay (or '' placeholder), oldDay (or placeholder), customerIndex, stationIndex, events
 * ARGV = id, expected JSON ('' = new), json, hours (0 = free the slot), capacity, startMs, event JSON ('' = none), maxlen
 * → {1} stored; {0, 'changed'} concurrent change; {0, 'full', usedHours}
 */
const BOOK = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current or '') ~= ARGV[2] then return {0, 'changed'} end
local hours = tonumber(ARGV[4])
local old = redis.call('HGET', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if hours > 0 then
  local used = 0
  for _, v in ipairs(redis.call('HVALS', KEYS[2])) do used = used + tonumber(v) end
  if used + hours > tonumber(ARGV[5]) + 1e-9 then
    if old then redis.call('HSET', KEYS[3], ARGV[1], old) end
    return {0, 'full', tostring(used)}
  end
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[6], ARGV[1])
if ARGV[7] ~= '' then redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[8], '*', '${LIVE_EVENT_FIELD}', ARGV[7]) end
return {1}
`;

export function createAppointmentStore(deps: { redis: Redis; prefix: string }) {
  const { redis } = deps;
  const keys = redisKeys(deps.prefix);
  const dayKey = (a: Pick<Appointment, 'stationId' | 'startMs'>) => keys.maintStationDay(a.stationId, cstDate(a.startMs));

  async function get(id: string): Promise<{ appointment: Appointment; json: string } | undefined> {
    const json = await redis.hget(keys.maintAppointments, id);
    return json ? { appointment: JSON.parse(json) as Appointment, json } : undefined;
  }

  /**
   * Stores `next` if the stored JSON is still `expected` ('' for a new one). `slot`: book next's slot against
   * `capacityHours` (moving it off `previous`'s day), or `free` it. 409 when the day is full; 409 on a concurrent change.
   * `event` goes on the live stream only when the change is stored.
   */
  async function save(next: Appointment, expected: string, slot: { book: true; capacityHours: number; previous?: Appointment } | { book: false; previous: Appointment } | { keep: true }, event?: LiveEvent): Promise<void> {
    const placeholder = keys.maintStationDay('-', '-');
    let newDay = placeholder;
    let oldDay = placeholder;
    let hours = 0;
    let capacity = 0;
    if ('keep' in slot) {
      // No slot change: release nothing, book nothing (the old day keeps its entry).
    } else if (slot.book) {
      newDay = dayKey(next);
      oldDay = slot.previous ? dayKey(slot.previous) : placeholder;
      hours = next.bayHours;
      capacity = slot.capacityHours;
    } else {
      oldDay = dayKey(slot.previous);
    }
    const result = (await redis.eval(BOOK, 6, keys.maintAppointments, newDay, oldDay, keys.maintCustomerAppointments(next.customerId), keys.maintStationAppointments(next.stationId), keys.events,
      next.id, expected, JSON.stringify(next), String(hours), String(capacity), String(next.startMs), event ? JSON.stringify(event) : '', String(LIVE_STREAM_MAXLEN))) as [number, string?, string?];
    if (result[0] === 1) return;
    if (result[1] === 'full') {
      const message = `the station is fully booked on ${cstDate(next.startMs)} (${result[2]} of ${capacity} bay hours taken, ${next.bayHours} needed)`;
      throw new ConflictError(message, [{ field: 'body.start', message }]);
    }
    throw new ConflictError(`appointment ${next.id} changed concurrently; retry`);
  }

  async function bookedHours(stationId: string, date: string): Promise<number> {
    return (await redis.hvals(keys.maintStationDay(stationId, date))).reduce((s, v) => s + Number(v), 0);
  }

  async function list(index: { customerId: string } | { stationId: string }, limit: number): Promise<Appointment[]> {
    const key = 'customerId' in index ? keys.maintCustomerAppointments(index.customerId) : keys.maintStationAppointments(index.stationId);
    const ids = await redis.zrevrange(key, 0, limit - 1);
    if (ids.length === 0) return [];
    return (await redis.hmget(keys.maintAppointments, ...ids)).filter((j): j is string => j !== null).map((j) => JSON.parse(j) as Appointment);
  }

  async function all(limit: number): Promise<Appointment[]> {
    const values = await redis.hvals(keys.maintAppointments);
    return values.map((j) => JSON.parse(j) as Appointment).sort((a, b) => b.startMs - a.startMs).slice(0, limit);
  }

  return { get, save, bookedHours, list, all };
}

export type AppointmentStore = ReturnType<typeof createAppointmentStore>;
