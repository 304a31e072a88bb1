// Vehicles: CRUD, live state + who serves the truck where it is, and its track from InfluxDB.
import { Type } from '@sinclair/typebox';
import { customerInScope, type Caller } from '../../core/auth.ts';
import { servingFor } from '../../core/assignment-rules.ts';
import { etaMinutes } from '../../core/eta.ts';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { normalisePlate } from '../../core/plate.ts';
import { parseLiveState } from '../../core/live-state.ts';
import { VehicleSchema, type Vehicle } from '../../core/registry.ts';
import { influxString, type InfluxRow } from '../../infra/telemetry-store.ts';
import { callerOf } from '../auth.ts';
import type { ApiContext, RoutePlugin } from '../context.ts';
import { objectSchema, registerRegistryCrud } from '../registry-crud.ts';

const VehicleResponse = objectSchema(VehicleSchema, { title: 'Vehicle' });
const VinParams = Type.Object({ vin: VehicleSchema.properties.vin });

const DtcSchema = Type.Object({ spn: Type.Integer(), fmi: Type.Integer(), oc: Type.Integer() });
const LiveStateSchema = Type.Object(
  {
    ts: Type.Optional(Type.Number({ description: 'Device time of the newest position, epoch ms' })),
    lat: Type.Optional(Type.Number()),
    lon: Type.Optional(Type.Number()),
    speedKmh: Type.Optional(Type.Number()),
    heading: Type.Optional(Type.Number()),
    odometerKm: Type.Optional(Type.Number()),
    engineHours: Type.Optional(Type.Number()),
    fuelPct: Type.Optional(Type.Number()),
    ignition: Type.Optional(Type.Boolean()),
    seq: Type.Optional(Type.Number()),
    dm1Ts: Type.Optional(Type.Number()),
    dtcs: Type.Array(DtcSchema),
    lamps: Type.Optional(Type.Object({ mil: Type.Boolean(), redStop: Type.Boolean(), amberWarning: Type.Boolean(), protect: Type.Boolean() })),
    severity: Type.String({ description: 'critical | warning | emissions | info | none' }),
    lastSeen: Type.Optional(Type.Number({ description: 'Server time of the last message, epoch ms' })),
    status: Type.Optional(Type.String({ description: 'online | offline' })),
    statusTs: Type.Optional(Type.Number()),
  },
  { title: 'LiveState' },
);

const ServedBy = Type.Object({
  position: Type.Union([
    Type.Object({ lat: Type.Number(), lon: Type.Number(), source: Type.String({ description: 'query | live' }) }),
    Type.Null(),
  ]),
  region: Type.Union([Type.Object({ code: Type.String(), name: Type.String(), provinceCode: Type.String() }), Type.Null()]),
  basis: Type.String({ description: 'prefecture | province | lead-advisor | none: which assignment applied' }),
  station: Type.Union([
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      phone: Type.Optional(Type.String()),
      lat: Type.Number(),
      lon: Type.Number(),
      active: Type.Boolean(),
      etaMin: Type.Optional(Type.Number({ description: 'Estimated van arrival from the station to the position' })),
    }),
    Type.Null(),
  ]),
  advisor: Type.Union([
    Type.Object({ id: Type.String(), name: Type.String(), phone: Type.Optional(Type.String()), email: Type.Optional(Type.String()) }),
    Type.Null(),
  ]),
});

const VehicleView = Type.Object({
  vehicle: VehicleResponse,
  live: Type.Union([LiveStateSchema, Type.Null()], { description: 'Null until the truck has reported' }),
  servedBy: ServedBy,
});

const TrackQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 24 h before `to`' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
    step: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, description: 'Bucket in seconds; raised so that at most 2000 points come back' })),
  },
  { additionalProperties: false },
);

const Track = Type.Object({
  vin: Type.String(),
  from: Type.String(),
  to: Type.String(),
  stepS: Type.Integer({ description: 'Bucket actually used (seconds)' }),
  points: Type.Array(
    Type.Object({
      t: Type.Number({ description: 'Bucket start, epoch ms' }),
      lat: Type.Number({ description: 'Mean latitude in the bucket' }),
      lon: Type.Number(),
      speedKmh: Type.Union([Type.Number(), Type.Null()], { description: 'Highest speed in the bucket' }),
    }),
  ),
});

export const MAX_TRACK_POINTS = 2000;
const MAX_TRACK_RANGE_MS = 400 * 24 * 3600 * 1000;

async function vehicleOr404(ctx: ApiContext, caller: Caller, vin: string): Promise<Vehicle> {
  const vehicle = await ctx.registry.get('vehicle', vin);
  if (!vehicle || !customerInScope(await ctx.scope.customers(caller), vehicle.customerId)) throw new NotFoundError('vehicle', vin);
  return vehicle;
}

const vehicleRoutes: RoutePlugin = async (app, ctx) => {
  const registryCache = ctx.registrySnapshot;
  registerRegistryCrud(app, ctx, {
    kind: 'vehicle',
    plural: 'vehicles',
    idParam: 'vin',
    idSchema: VehicleSchema.properties.vin,
    entity: VehicleSchema,
    response: VehicleResponse,
    getRoute: false,
    filters: {
      customerId: Type.Optional(VehicleSchema.properties.customerId),
      homeRegion: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
      plate: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
      active: Type.Optional(Type.Boolean()),
    },
    where: (q) => (v: Vehicle) =>
      (q.customerId === undefined || v.customerId === q.customerId) &&
      (q.homeRegion === undefined || v.homeRegion === q.homeRegion) &&
      (q.plate === undefined || v.plate === q.plate) &&
      (q.active === undefined || v.active === q.active),
    visibility: async (caller) => {
      const scope = await ctx.scope.customers(caller);
      return {
        visible: (v: Vehicle) => customerInScope(scope, v.customerId),
        all: scope.all,
        ...(scope.all
          ? {}
          : { ids: async () => (await Promise.all([...scope.customerIds].map((c) => ctx.registry.vehiclesOfCustomer(c)))).flat() }),
      };
    },
    tag: 'vehicles',
    // A plate belongs to one active truck: registering or editing another with it is refused (409), so
    // a search by plate and a breakdown reported by plate always find the right truck.
    check: async (vehicle) => {
      if (!vehicle.plate || vehicle.active === false) return;
      const plate = normalisePlate(vehicle.plate);
      const holder = (await ctx.registry.list('vehicle')).find((v) => v.vin !== vehicle.vin && v.active !== false && v.plate && normalisePlate(v.plate) === plate);
      if (holder) throw new ConflictError(`plate ${vehicle.plate} is used by active vehicle ${holder.vin}`, [{ field: 'body.plate', message: 'is used by another active vehicle' }]);
    },
  });

  app.get('/vehicles/:vin', {
    schema: {
      tags: ['vehicles'],
      summary: 'A vehicle, its live state and who serves it where it is (fixed-point station + advisor)',
      description: 'Position: `lat`+`lon` of the query when given ("who serves this truck here?"), else the live position.',
      params: VinParams,
      querystring: Type.Object(
        { lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })), lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })) },
        { additionalProperties: false },
      ),
      response: { 200: VehicleView },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const { vin } = request.params;
    const { lat: qLat, lon: qLon } = request.query;
    if ((qLat === undefined) !== (qLon === undefined)) {
      throw new ValidationError('querystring.lat and querystring.lon go together', [{ field: qLat === undefined ? 'querystring.lat' : 'querystring.lon', message: 'is required with the other coordinate' }]);
    }
    // One round trip: the vehicle, its live hash and the registry versions; the rest comes from memory.
    // (Commands issued together share one round trip; cheaper than building a pipeline object.)
    const [vehicleJson, liveHash, versions] = await Promise.all([
      ctx.redis.hget(ctx.keys.registry('vehicle'), vin),
      ctx.redis.hgetall(ctx.keys.live(vin)),
      ctx.redis.mget(...registryCache.versionKeys),
    ]);
    if (!vehicleJson) throw new NotFoundError('vehicle', vin);
    const vehicle = JSON.parse(vehicleJson) as Vehicle;
    if (!customerInScope(await ctx.scope.customers(caller), vehicle.customerId)) throw new NotFoundError('vehicle', vin);
    const live = parseLiveState(vin, liveHash);
    const snapshot = await registryCache.at(versions);

    const position =
      qLat !== undefined && qLon !== undefined
        ? { lat: qLat, lon: qLon, source: 'query' }
        : live?.lat !== undefined && live.lon !== undefined
          ? { lat: live.lat, lon: live.lon, source: 'live' }
          : null;
    const region = position ? ctx.regions.locate(position.lat, position.lon) : vehicle.homeRegion ? ctx.regions.get(vehicle.homeRegion) : undefined;
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
              ...(position ? { etaMin: Math.round(etaMinutes(station, position, ctx.etaModel) * 10) / 10 } : {}),
            }
          : null,
        advisor: advisor
          ? { id: advisor.id, name: advisor.name, ...(advisor.phone ? { phone: advisor.phone } : {}), ...(advisor.email ? { email: advisor.email } : {}) }
          : null,
      },
    };
  });

  app.get('/vehicles/:vin/track', {
    schema: {
      tags: ['vehicles'],
      summary: `Position history, downsampled in InfluxDB to at most ${MAX_TRACK_POINTS} points whatever the range`,
      params: VinParams,
      querystring: TrackQuery,
      response: { 200: Track },
    },
  }, async (request) => {
    const vehicle = await vehicleOr404(ctx, callerOf(request), request.params.vin);
    const toMs = request.query.to ? Date.parse(request.query.to) : Date.now();
    const fromMs = request.query.from ? Date.parse(request.query.from) : toMs - 24 * 3600 * 1000;
    if (!(fromMs < toMs)) throw new ValidationError('querystring.from must be before querystring.to', [{ field: 'querystring.from', message: 'must be before to' }]);
    if (toMs - fromMs > MAX_TRACK_RANGE_MS) {
      throw new ValidationError('querystring.from the range may span at most 400 days', [{ field: 'querystring.from', message: 'range longer than 400 days' }]);
    }
    // Buckets are aligned to epoch multiples of the step, so the range touches at most range/step + 1 of them.
    const minStep = Math.max(1, Math.ceil((toMs - fromMs) / 1000 / (MAX_TRACK_POINTS - 1)));
    const stepS = Math.max(minStep, request.query.step ?? minStep);
    const influxql =
      `SELECT mean("lat") AS "lat", mean("lon") AS "lon", max("speedKmh") AS "speedKmh" FROM "position" ` +
      `WHERE "vin" = ${influxString(vehicle.vin)} AND time >= ${fromMs}ms AND time < ${toMs}ms ` +
      `GROUP BY time(${stepS}s) fill(none)`;
    let rows: InfluxRow[];
    try {
      rows = await ctx.telemetry.query(influxql);
    } catch (err) {
      // "database not found" before the first write means: no track yet.
      if (/database not found/i.test((err as Error).message)) rows = [];
      else throw new DomainError('unavailable', 'telemetry store unavailable');
    }
    const points = rows
      .filter((r) => typeof r.lat === 'number' && typeof r.lon === 'number')
      .slice(0, MAX_TRACK_POINTS)
      .map((r) => ({ t: Number(r.time), lat: r.lat as number, lon: r.lon as number, speedKmh: typeof r.speedKmh === 'number' ? r.speedKmh : null }));
    return { vin: vehicle.vin, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), stepS, points };
  });
};

export default vehicleRoutes;
