// Route coverage, pre-positioning and fixed-point suggestions (use cases in coverage/). A customer sees only its own,
// an advisor its customers', admins and agents every customer and the fleet-wide variants; anything
// else answers 404. Answers are cached in Redis (infra/coverage-cache.ts).
import { Type, type Static } from '@sinclair/typebox';
import { customerInScope, type Caller } from '../../core/auth.ts';
import { DomainError, NotFoundError } from '../../core/errors.ts';
import { CapabilitySchema, CustomerSchema, RegionCodeSchema, type Capability, type Customer } from '../../core/registry.ts';
import type { CoverageReport, CoverageRequest, GeoJsonFeatureCollection } from '../../coverage/coverage-service.ts';
import { coverageRange, coverageRequest } from '../../coverage/request.ts';
import { TelemetryStoreError } from '../../infra/telemetry-store.ts';
import { callerOf } from '../auth.ts';
import type { ApiContext, RoutePlugin } from '../context.ts';

const RangeQuery = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Start (ISO-8601); default `to` − 7 days' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'End (ISO-8601); default now (rounded down to 10 minutes)' })),
};
const CoverageQuery = Type.Object(
  {
    ...RangeQuery,
    thresholdMin: Type.Integer({ minimum: 5, maximum: 240, default: 60, description: 'A stretch is covered when a van can reach it within this many minutes' }),
    capability: Type.Optional(CapabilitySchema),
    format: Type.Union([Type.Literal('json'), Type.Literal('geojson')], { default: 'json' }),
  },
  { additionalProperties: false },
);
const PrepositioningQuery = Type.Object(
  {
    ...RangeQuery,
    thresholdMin: Type.Integer({ minimum: 5, maximum: 240, default: 60 }),
    capability: Type.Optional(CapabilitySchema),
    k: Type.Integer({ minimum: 1, maximum: 20, default: 5, description: 'Sites to suggest' }),
  },
  { additionalProperties: false },
);
const SuggestionsQuery = Type.Object({ ...RangeQuery }, { additionalProperties: false });
const CustomerParams = Type.Object({ id: CustomerSchema.properties.id });

const Share = Type.Object({
  km: Type.Number(), hours: Type.Number(), coveredKm: Type.Number(), coveredHours: Type.Number(),
  kmShare: Type.Number({ description: 'coveredKm / km, 0–1' }), hoursShare: Type.Number({ description: 'coveredHours / hours, 0–1' }),
});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const RegionRow = Type.Object({
  region: Type.String(), regionName: Nullable(Type.String()),
  km: Type.Number(), hours: Type.Number(), coveredKm: Type.Number(), coveredHours: Type.Number(), kmShare: Type.Number(), hoursShare: Type.Number(),
  fixedPoint: Nullable(Share),
});
const Gap = Type.Object({
  rank: Type.Integer(), score: Type.Number({ description: 'kmDriven × trucks' }), kmDriven: Type.Number(), hoursDriven: Type.Number(),
  trucks: Type.Integer(), lengthKm: Type.Number({ description: 'Span: distance between the two farthest points of the gap' }),
  regions: Type.Array(Type.String()), regionNames: Type.Array(Type.String()),
  centroid: Type.Object({ lat: Type.Number(), lon: Type.Number() }),
  bbox: Type.Array(Type.Number(), { minItems: 4, maxItems: 4, description: '[minLon, minLat, maxLon, maxLat]' }),
  nearestStationId: Nullable(Type.String()), nearestEtaMin: Nullable(Type.Number()), maxEtaMin: Nullable(Type.Number()),
});
const CoverageReportSchema = Type.Object({
  customerId: Nullable(Type.String()), from: Type.String(), to: Type.String(), thresholdMin: Type.Number(), capability: CapabilitySchema,
  windowMin: Type.Number({ description: 'Time window the database downsampled positions to' }),
  trucks: Type.Integer(), samples: Type.Integer(), stretches: Type.Integer(), offlineGaps: Type.Integer(),
  overall: Share, fixedPoint: Nullable(Share), fixedPointStationIds: Type.Array(Type.String()),
  regions: Type.Array(RegionRow), gapsTotal: Type.Integer(), gaps: Type.Array(Gap),
  computedAt: Type.String(), cached: Type.Boolean(),
}, { $id: 'CoverageReport', title: 'CoverageReport' });
const GeoJson = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(Type.Object({
    type: Type.Literal('Feature'),
    geometry: Type.Object({ type: Type.String(), coordinates: Type.Any() }),
    properties: Type.Record(Type.String(), Type.Any()),
  })),
}, { title: 'CoverageGeoJson', description: 'Covered / uncovered MultiLineStrings (properties.covered), stations and gap centroids as Points' });
const Site = Type.Object({
  id: Type.String(), kind: Type.Union([Type.Literal('city'), Type.Literal('station')]), name: Type.String(), lat: Type.Number(), lon: Type.Number(),
  region: Type.Optional(Type.String()), mobilisationMin: Type.Optional(Type.Number()), lacks: Type.Array(Type.String()),
});
const PrepositioningSchema = Type.Object({
  customerId: Nullable(Type.String()), from: Type.String(), to: Type.String(), thresholdMin: Type.Number(), capability: CapabilitySchema,
  overall: Share,
  picks: Type.Array(Type.Object({
    rank: Type.Integer(), site: Site, gainKm: Type.Number(), gainShare: Type.Number(), kmShareAfter: Type.Number(), trucks: Type.Integer(),
  })),
  parts: Type.Array(Type.Object({
    partsCategory: Type.String(), depotId: Nullable(Type.String()), depotName: Nullable(Type.String()), depotStocks: Type.Boolean(),
    faults: Type.Integer(), trucks: Type.Integer(), stations: Type.Array(Type.Object({ stationId: Type.String(), faults: Type.Integer() })),
  })),
  computedAt: Type.String(), cached: Type.Boolean(),
}, { title: 'Prepositioning' });
const SuggestionRow = Type.Object({
  rank: Type.Integer(), stationId: Type.String(), name: Type.String(), stationRegion: Type.String(),
  timeWeightedEtaMin: Type.Number(), stopWeightedEtaMin: Nullable(Type.Number()), hoursWithin60MinShare: Type.Number(),
  rating: Type.Number(), vans: Type.Integer(), customersServed: Type.Integer(),
  ratingPenaltyMin: Type.Number(), loadPenaltyMin: Type.Number(), scoreMin: Type.Number({ description: 'Ranking key (lower is better)' }),
  isCurrentFixedPoint: Type.Boolean(),
});
const SuggestionsSchema = Type.Object({
  customerId: Type.String(), from: Type.String(), to: Type.String(),
  regions: Type.Array(Type.Object({
    region: Type.String(), regionName: Nullable(Type.String()), drivingHours: Type.Number(), stoppedHours: Type.Number(), trucks: Type.Integer(),
    currentStationId: Nullable(Type.String()), suggestions: Type.Array(SuggestionRow),
  })),
  computedAt: Type.String(), cached: Type.Boolean(),
}, { title: 'FixedPointSuggestions' });
const AcceptBody = Type.Object({
  region: RegionCodeSchema,
  stationId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  advisorId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Default: the region\'s current advisor, else the lead advisor' })),
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  ...RangeQuery,
}, { additionalProperties: false });

/** The range of a request: the defaults and limits are coverage/request.ts's. */
const rangeOf = (q: { from?: string | undefined; to?: string | undefined }) => coverageRange(q, Date.now());

async function customerOr404(ctx: ApiContext, caller: Caller, id: string): Promise<Customer> {
  const customer = await ctx.registry.get('customer', id);
  if (!customer || !customerInScope(await ctx.scope.customers(caller), id)) throw new NotFoundError('customer', id);
  return customer;
}

/** InfluxDB failures are the telemetry store being unavailable (503), not an internal error. */
async function telemetryGuard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof TelemetryStoreError) throw new DomainError('unavailable', 'telemetry store unavailable');
    throw err;
  }
}

const coverageRoutes: RoutePlugin = async (app, ctx) => {
  const service = ctx.coverage;
  const acceptSuggestion = ctx.acceptSuggestion;

  const request = (customerId: string | undefined, q: { from?: string; to?: string; thresholdMin: number; capability?: Capability }): CoverageRequest =>
    coverageRequest(customerId, q, Date.now());

  app.get('/customers/:id/coverage', {
    schema: {
      tags: ['coverage'],
      summary: 'Share of kilometres and driving hours within reach of a capable station (overall, per region, fixed points only), ranked gaps; `format=geojson` for a map',
      params: CustomerParams,
      querystring: CoverageQuery,
      response: { 200: Type.Union([CoverageReportSchema, GeoJson]) },
    },
  }, async (req) => {
    const customer = await customerOr404(ctx, callerOf(req), req.params.id);
    const r = request(customer.id, req.query);
    return telemetryGuard<CoverageReport | GeoJsonFeatureCollection>(req.query.format === 'geojson' ? service.coverageGeoJson(r) : service.coverage(r));
  });

  app.get('/coverage', {
    config: { roles: ['admin', 'agent'] },
    schema: {
      tags: ['coverage'],
      summary: 'Fleet-wide coverage over every customer (admin, agent)',
      querystring: CoverageQuery,
      response: { 200: Type.Union([CoverageReportSchema, GeoJson]) },
    },
  }, async (req) => {
    const r = request(undefined, req.query);
    return telemetryGuard<CoverageReport | GeoJsonFeatureCollection>(req.query.format === 'geojson' ? service.coverageGeoJson(r) : service.coverage(r));
  });

  app.get('/customers/:id/coverage/prepositioning', {
    schema: {
      tags: ['coverage'],
      summary: 'Up to k sites (city centres, stations lacking the capability / vans / 24 h) covering the most uncovered km, with the gain of each pick, and parts to stock at the nearest depot',
      params: CustomerParams,
      querystring: PrepositioningQuery,
      response: { 200: PrepositioningSchema },
    },
  }, async (req) => {
    const customer = await customerOr404(ctx, callerOf(req), req.params.id);
    return telemetryGuard(service.prepositioning({ ...request(customer.id, req.query), k: req.query.k }));
  });

  app.get('/coverage/prepositioning', {
    config: { roles: ['admin', 'agent'] },
    schema: {
      tags: ['coverage'],
      summary: 'Fleet-wide pre-positioning (admin, agent)',
      querystring: PrepositioningQuery,
      response: { 200: PrepositioningSchema },
    },
  }, async (req) => telemetryGuard(service.prepositioning({ ...request(undefined, req.query), k: req.query.k })));

  app.get('/customers/:id/assignments/suggestions', {
    schema: {
      tags: ['coverage', 'assignments'],
      summary: 'Per region where the trucks spend time: the top 3 fixed-point stations by time-weighted ETA, rating, vans and load, with the numbers behind the ranking',
      params: CustomerParams,
      querystring: SuggestionsQuery,
      response: { 200: SuggestionsSchema },
    },
  }, async (req) => {
    const customer = await customerOr404(ctx, callerOf(req), req.params.id);
    return telemetryGuard(service.suggestions({ customerId: customer.id, ...rangeOf(req.query) }));
  });

  app.post('/customers/:id/assignments/suggestions/accept', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['coverage', 'assignments'],
      summary: 'Accept a suggested station as the fixed point of a region (admin); the assignment rules of core/assignment-rules.ts apply and the change enters the history',
      params: CustomerParams,
      body: AcceptBody,
      response: { 200: Type.Object({ customerId: Type.String(), outcome: Type.String(), assignment: Type.Any() }) },
    },
  }, async (req) => {
    const caller = callerOf(req);
    const customer = await customerOr404(ctx, caller, req.params.id);
    const body = req.body as Static<typeof AcceptBody>;
    return telemetryGuard(acceptSuggestion({
      customer,
      region: body.region,
      stationId: body.stationId,
      ...(body.advisorId !== undefined ? { advisorId: body.advisorId } : {}),
      ...(body.reason !== undefined ? { reason: body.reason } : {}),
      ...rangeOf(body),
      assignedBy: `${caller.role}:${caller.sub}`,
    }));
  });
};

export default coverageRoutes;
