// Loading a caller's fleet: the vehicles the caller may see (advisor: its customers' trucks; customer:
// its own; agent/admin: the first page of all) and each truck's live state and serving station.
import { itemsOf } from '../api.ts';
import type { ViewContext } from '../context.ts';
import type { LiveState, ServedBy, Vehicle, VehicleView } from '../model.ts';

export const FLEET_LIMIT = 500;
/**
 * Trucks whose live state is fetched one by one when the page opens. The API limits requests per caller
 * (600 a minute by default) and has no bulk live-state route, so larger fleets fill in from the live
 * stream: every truck appears with its next position report (every 30 s when driving).
 */
export const LIVE_SNAPSHOT_LIMIT = 100;

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' && v !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** The live part of a `GET /v1/vehicles/{vin}` answer (top level or under `live` / `liveState`). */
export function liveOf(detail: Record<string, unknown>): LiveState {
  const src = (detail['live'] ?? detail['liveState'] ?? detail) as Record<string, unknown> | null;
  if (!src || typeof src !== 'object') return {};
  const position = (src['position'] ?? src) as Record<string, unknown>;
  const out: LiveState = {};
  const lat = num(position['lat']);
  const lon = num(position['lon']);
  if (lat !== undefined) out.lat = lat;
  if (lon !== undefined) out.lon = lon;
  const speed = num(position['speedKmh'] ?? src['speedKmh']);
  if (speed !== undefined) out.speedKmh = speed;
  const ts = src['ts'] ?? position['ts'];
  if (typeof ts === 'number' || typeof ts === 'string') out.ts = ts;
  if (typeof src['severity'] === 'string') out.severity = src['severity'];
  if (typeof src['status'] === 'string') out.status = src['status'];
  if (Array.isArray(src['dtcs'])) out.dtcs = src['dtcs'] as LiveState['dtcs'];
  return out;
}

export function servedByOf(detail: Record<string, unknown>): ServedBy | undefined {
  const s = (detail['servedBy'] ?? detail['serving'] ?? detail['whoServes']) as Record<string, unknown> | undefined;
  if (!s || typeof s !== 'object') return undefined;
  const station = s['station'] as { id?: string; name?: string } | undefined;
  const advisor = s['advisor'] as { id?: string; name?: string } | undefined;
  const pick = (...vals: unknown[]) => vals.find((v): v is string => typeof v === 'string');
  const out: ServedBy = {};
  const stationId = pick(s['stationId'], station?.id);
  const stationName = pick(s['stationName'], station?.name);
  const advisorId = pick(s['advisorId'], advisor?.id);
  const advisorName = pick(s['advisorName'], advisor?.name);
  if (stationId) out.stationId = stationId;
  if (stationName) out.stationName = stationName;
  if (advisorId) out.advisorId = advisorId;
  if (advisorName) out.advisorName = advisorName;
  return out;
}

async function vehiclesOf(ctx: ViewContext): Promise<Vehicle[]> {
  const { role, advisorId, customerId } = ctx.session.claims;
  if (role === 'advisor' && advisorId) return itemsOf<Vehicle>(await ctx.api.get(`/v1/advisors/${encodeURIComponent(advisorId)}/vehicles`, { limit: FLEET_LIMIT }));
  if (role === 'customer' && customerId) return itemsOf<Vehicle>(await ctx.api.get('/v1/vehicles', { customerId, limit: FLEET_LIMIT }));
  return itemsOf<Vehicle>(await ctx.api.get('/v1/vehicles', { limit: FLEET_LIMIT }));
}

/** Runs `fn` over `items` with at most `width` calls in flight. */
async function pool<T, R>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}

export async function loadFleet(ctx: ViewContext): Promise<VehicleView[]> {
  const vehicles = (await vehiclesOf(ctx)).slice(0, FLEET_LIMIT);
  return pool(vehicles, 6, async (vehicle, i) => {
    if (i >= LIVE_SNAPSHOT_LIMIT) return { vehicle, live: {} };
    try {
      const detail = await ctx.api.get<Record<string, unknown>>(`/v1/vehicles/${encodeURIComponent(vehicle.vin)}`);
      const servedBy = servedByOf(detail);
      return { vehicle, live: liveOf(detail), ...(servedBy ? { servedBy } : {}) };
    } catch {
      return { vehicle, live: {} };
    }
  });
}
