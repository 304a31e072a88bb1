// Vehicle use cases behind the API's vehicle routes: a truck with its live state and who serves it where it is,
// its downsampled track, and the rule that a plate belongs to one active truck. Routes translate HTTP to these.
import type { Redis } from 'ioredis';
import { customerInScope, type Caller, type CustomerScope } from '../core/auth.ts';
import { servingFor } from '../core/assignment-rules.ts';
import { etaMinutes, type EtaModel } from '../core/eta.ts';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { RedisKeys } from '../core/keys.ts';
import { parseLiveState } from '../core/live-state.ts';
import { normalisePlate } from '../core/plate.ts';
import type { RegionMap } from '../core/regions.ts';
import type { Advisor, Assignment, Customer, Station, Vehicle } from '../core/registry.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { TrackHistory, TrackPoint } from '../infra/track-history.ts';

/** Most points a track answer holds, whatever the range. */
export const MAX_TRACK_POINTS = 2000;
/** Longest range a track answer covers. */
export const MAX_TRACK_RANGE_MS = 400 * 24 * 3600 * 1000;
/** A track without `from` covers this long before `to`. */
const DEFAULT_TRACK_RANGE_MS = 24 * 3600 * 1000;

/** The registry maps the served-by answer reads from memory (api/registry-snapshot.ts, one registry cache view each). */
export interface ServedBySnapshot {
  readonly versionKeys: readonly string[];
  at(versions: ReadonlyArray<string | null | undefined>): Promise<{
    customers: ReadonlyMap<string, { customer: Customer; assignments: Assignment[] }>;
    stations: ReadonlyMap<string, Station>;
    advisors: ReadonlyMap<string, Advisor>;
  }>;
}

export interface VehicleUseCaseDeps {
  redis: Pick<Redis, 'hget' | 'hgetall' | 'mget'>;
  keys: Pick<RedisKeys, 'registry' | 'live'>;
  registry: Pick<RegistryStore, 'get' | 'list'>;
  scope: { customers(caller: Caller): Promise<CustomerScope> };
  snapshot: ServedBySnapshot;
  regions: Pick<RegionMap, 'locate' | 'get'>;
  etaModel: EtaModel;
  tracks: Pick<TrackHistory, 'downsampled'>;
  now?: () => Date;
}

export function createVehicleUseCases(deps: VehicleUseCaseDeps) {
  const now = deps.now ?? (() => new Date());

  /** The vehicle if the caller may see it; 404 otherwise (never reveals existence). */
  async function visibleVehicle(caller: Caller, vin: string): Promise<Vehicle> {
    const vehicle = await deps.registry.get('vehicle', vin);
    if (!vehicle || !customerInScope(await deps.scope.customers(caller), vehicle.customerId)) throw new NotFoundError('vehicle', vin);
    return vehicle;
  }

  /** The truck, its live state, and who serves it at `at` (else at its live position, else in its home region). */
  async function servedView(caller: Caller, vin: string, at?: { lat: number; lon: number }) {
    // One round trip: the vehicle, its live hash and the registry versions; the rest comes from memory.
    const [vehicleJson, liveHash, versions] = await Promise.all([
      deps.redis.hget(deps.keys.registry('vehicle'), vin),
      deps.redis.hgetall(deps.keys.live(vin)),
      deps.redis.mget(...deps.snapshot.versionKeys),
    ]);
    if (!vehicleJson) throw new NotFoundError('vehicle', vin);
    const vehicle = JSON.parse(vehicleJson) as Vehicle;
    if (!customerInScope(await deps.scope.customers(caller), vehicle.customerId)) throw new NotFoundError('vehicle', vin);
    const live = parseLiveState(vin, liveHash);
    const snapshot = await deps.snapshot.at(versions);

    const position = at
      ? { lat: at.lat, lon: at.lon, source: 'query' }
      : live?.lat !== undefined && live.lon !== undefined
        ? { lat: live.lat, lon: live.lon, source: 'live' }
        : null;
    const region = position ? deps.regions.locate(position.lat, position.lon) : vehicle.homeRegion ? deps.regions.get(vehicle.homeRegion) : undefined;
    const entry = snapshot.customers.get(vehicle.customerId);
    const serving = servingFor(entry?.assignments ?? [], region?.code, entry?.customer.leadAdvisorId);
    const station = serving.assignment ? snapshot.stations.get(serving.assignment.stationId) : undefined;
    const advisor = serving.advisorId ? snapshot.advisors.get(serving.advisorId) : undefined;
    const { vin: _vin, customerId: _customer, ...liveView } = live ?? { vin, dtcs: [], severity: 'none' };
    return {
      vehicle,
      live: live ? liveView : null,
      servedBy: {
        position,
        region: region ? { code: region.code, name: region.name, provinceCode: region.provinceCode } : null,
        basis: serving.basis,
        station: station
          ? {
              id: station.id,
              name: station.name,
              ...(station.phone ? { phone: station.phone } : {}),
              lat: station.lat,
              lon: station.lon,
              active: station.active,
              ...(position ? { etaMin: Math.round(etaMinutes(station, position, deps.etaModel) * 10) / 10 } : {}),
            }
          : null,
        advisor: advisor
          ? { id: advisor.id, name: advisor.name, ...(advisor.phone ? { phone: advisor.phone } : {}), ...(advisor.email ? { email: advisor.email } : {}) }
          : null,
      },
    };
  }

  /** The truck's track in [from, to) (default: the 24 h before now), at most MAX_TRACK_POINTS buckets of at least `step` seconds. */
  async function track(caller: Caller, vin: string, q: { fromMs?: number; toMs?: number; stepS?: number }): Promise<{ vin: string; fromMs: number; toMs: number; stepS: number; points: TrackPoint[] }> {
    const vehicle = await visibleVehicle(caller, vin);
    const toMs = q.toMs ?? now().getTime();
    const fromMs = q.fromMs ?? toMs - DEFAULT_TRACK_RANGE_MS;
    if (!(fromMs < toMs)) throw new ValidationError('querystring.from must be before querystring.to', [{ field: 'querystring.from', message: 'must be before to' }]);
    if (toMs - fromMs > MAX_TRACK_RANGE_MS) {
      throw new ValidationError('querystring.from the range may span at most 400 days', [{ field: 'querystring.from', message: 'range longer than 400 days' }]);
    }
    // Buckets are aligned to epoch multiples of the step, so the range touches at most range/step + 1 of them.
    const minStep = Math.max(1, Math.ceil((toMs - fromMs) / 1000 / (MAX_TRACK_POINTS - 1)));
    const stepS = Math.max(minStep, q.stepS ?? minStep);
    let points: TrackPoint[];
    try {
      points = await deps.tracks.downsampled(vehicle.vin, fromMs, toMs, stepS, MAX_TRACK_POINTS);
    } catch {
      throw new DomainError('unavailable', 'telemetry store unavailable');
    }
    return { vin: vehicle.vin, fromMs, toMs, stepS, points };
  }

  /** A plate belongs to one active truck: registering or editing another with it is refused (409). */
  async function checkPlate(vehicle: Vehicle): Promise<void> {
    if (!vehicle.plate || vehicle.active === false) return;
    const plate = normalisePlate(vehicle.plate);
    const holder = (await deps.registry.list('vehicle')).find((v) => v.vin !== vehicle.vin && v.active !== false && v.plate && normalisePlate(v.plate) === plate);
    if (holder) throw new ConflictError(`plate ${vehicle.plate} is used by active vehicle ${holder.vin}`, [{ field: 'body.plate', message: 'is used by another active vehicle' }]);
  }

  return { visibleVehicle, servedView, track, checkPlate };
}

export type VehicleUseCases = ReturnType<typeof createVehicleUseCases>;
