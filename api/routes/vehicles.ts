// Vehicles over HTTP: CRUD, live state + who serves the truck where it is, and its track (use cases in
// registry/vehicles.ts, the track query in infra/track-history.ts).
import { Type } from '@sinclair/typebox';
import { customerInScope } from '../../core/auth.ts';
import { ValidationError } from '../../core/errors.ts';
import { VehicleSchema, type Vehicle } from '../../core/registry.ts';
import { MAX_TRACK_POINTS } from '../../registry/vehicles.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
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

const vehicleRoutes: RoutePlugin = async (app, ctx) => {
  const vehicles = ctx.vehicles;
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
    // A plate belongs to one active truck (so a search by plate and a breakdown reported by plate find the right one).
    check: (vehicle) => vehicles.checkPlate(vehicle),
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
    const { lat, lon } = request.query;
    if ((lat === undefined) !== (lon === undefined)) {
      throw new ValidationError('querystring.lat and querystring.lon go together', [{ field: lat === undefined ? 'querystring.lat' : 'querystring.lon', message: 'is required with the other coordinate' }]);
    }
    return vehicles.servedView(callerOf(request), request.params.vin, lat !== undefined && lon !== undefined ? { lat, lon } : undefined);
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
    const { from, to, step } = request.query;
    const track = await vehicles.track(callerOf(request), request.params.vin, {
      ...(from !== undefined ? { fromMs: Date.parse(from) } : {}),
      ...(to !== undefined ? { toMs: Date.parse(to) } : {}),
      ...(step !== undefined ? { stepS: step } : {}),
    });
    return { vin: track.vin, from: new Date(track.fromMs).toISOString(), to: new Date(track.toMs).toISOString(), stepS: track.stepS, points: track.points };
  });
};

export default vehicleRoutes;
