// Service stations over HTTP: CRUD, nearest stations by estimated drive time, and the customers a station serves
// (use cases in registry/network.ts).
import { Type } from '@sinclair/typebox';
import { stationInScope } from '../../core/auth.ts';
import { CapabilitySchema, StationSchema, type Capability, type Station } from '../../core/registry.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { objectSchema, pageOf, PageQuery, registerRegistryCrud } from '../registry-crud.ts';

const StationResponse = objectSchema(StationSchema, { title: 'Station' });

const NearestQuery = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
    capability: Type.Optional(CapabilitySchema),
    openNow: Type.Optional(Type.Boolean({ description: 'Only stations open now (default: all, with `openNow` in each answer)' })),
    maxKm: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 5000, default: 1000, description: 'Great-circle search radius' })),
  },
  { additionalProperties: false },
);

const NearestStation = Type.Object({
  station: StationResponse,
  distanceKm: Type.Number({ description: 'Great-circle distance' }),
  etaMin: Type.Number({ description: 'Estimated minutes from accept to arrival (core/eta.ts: mobilisation + banded drive time)' }),
  openNow: Type.Boolean(),
});

const ServedCustomer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  contactName: Type.Optional(Type.String()),
  contactPhone: Type.Optional(Type.String()),
  regions: Type.Array(Type.String(), { description: 'Regions where this station is the customer\'s fixed point' }),
});

const stationRoutes: RoutePlugin = async (app, ctx) => {

  // Static path first in the file for readers; the router prefers it over /stations/:id anyway.
  app.get('/stations/nearest', {
    schema: {
      tags: ['network'],
      summary: 'Active stations nearest to a point, ranked by estimated drive time of their rescue van',
      querystring: NearestQuery,
      response: { 200: Type.Object({ items: Type.Array(NearestStation) }) },
    },
  }, async (request) => {
    const { lat, lon, limit, maxKm, capability, openNow } = request.query;
    return {
      items: await ctx.network.nearestStations(callerOf(request), {
        lat, lon, limit: limit ?? 10, maxKm: maxKm ?? 1000,
        ...(capability !== undefined ? { capability: capability as Capability } : {}),
        ...(openNow !== undefined ? { openNow } : {}),
      }),
    };
  });

  registerRegistryCrud(app, ctx, {
    kind: 'station',
    plural: 'stations',
    idParam: 'id',
    idSchema: StationSchema.properties.id,
    entity: StationSchema,
    response: StationResponse,
    filters: {
      region: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', description: 'Prefecture, or province (XX0000) for all of it' })),
      capability: Type.Optional(CapabilitySchema),
      active: Type.Optional(Type.Boolean()),
    },
    where: (q) => (s: Station) =>
      (q.region === undefined || s.region === q.region || (String(q.region).endsWith('0000') && s.region.startsWith(String(q.region).slice(0, 2)))) &&
      (q.capability === undefined || s.capabilities.includes(q.capability as Capability)) &&
      (q.active === undefined || s.active === q.active),
    // Network data for everyone, except that a station sees only its own record.
    visibility: async (caller) => ({ visible: (s: Station) => stationInScope(caller, s.id), all: caller.role !== 'station' }),
    tag: 'network',
  });

  app.get('/stations/:id/customers', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: {
      tags: ['assignments'],
      summary: 'Customers this station serves as fixed point (admin, agent, the station itself)',
      params: Type.Object({ id: StationSchema.properties.id }),
      querystring: Type.Object(PageQuery, { additionalProperties: false }),
      response: { 200: pageOf(ServedCustomer) },
    },
  }, async (request) => {
    const offset = request.query.offset ?? 0;
    const limit = request.query.limit ?? 100;
    const page = await ctx.network.customersOfStation(callerOf(request), request.params.id, { offset, limit });
    return { ...page, offset, limit };
  });
};

export default stationRoutes;
