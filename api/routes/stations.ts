// Service stations: CRUD, nearest stations by estimated drive time, and the customers a station serves.
import { Type } from '@sinclair/typebox';
import { stationInScope } from '../../core/auth.ts';
import { NotFoundError } from '../../core/errors.ts';
import { isOpenAt } from '../../core/opening-hours.ts';
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
    const caller = callerOf(request);
    const q = request.query;
    const limit = q.limit ?? 10;
    const maxKm = q.maxKm ?? 1000;
    const now = new Date();
    const index = await ctx.stationIndex.current();
    const model = ctx.etaModel;
    const capability = q.capability as Capability | undefined;
    const eligible = (s: Station) =>
      s.active && stationInScope(caller, s.id) && (!capability || s.capabilities.includes(capability)) && (!q.openNow || isOpenAt(s.hours, now));
    // Exact least-ETA search (core/geo-knn.ts). The filter runs per station rather than through the index's
    // compiled eligibility, which always applies opening hours: this answer lists closed stations too
    // unless `openNow` is asked for.
    const ranked = index.leastEta({ lat: q.lat, lon: q.lon, limit, maxDistanceKm: maxKm, filter: eligible }, model);
    return {
      items: ranked.slice(0, limit).map((r) => ({
        station: r.station,
        distanceKm: Math.round(r.distanceKm * 100) / 100,
        etaMin: Math.round(r.etaMin * 10) / 10,
        openNow: isOpenAt(r.station.hours, now),
      })),
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
    const caller = callerOf(request);
    const { id } = request.params;
    if (!stationInScope(caller, id) || !(await ctx.registry.get('station', id))) throw new NotFoundError('station', id);
    const customerIds = (await ctx.registry.customersOfStation(id)).sort();
    const offset = request.query.offset ?? 0;
    const limit = request.query.limit ?? 100;
    const slice = customerIds.slice(offset, offset + limit);
    const customers = await ctx.registry.getMany('customer', slice);
    const items = await Promise.all(
      slice.map(async (customerId, i) => {
        const c = customers[i];
        const regions = (await ctx.registry.assignments(customerId)).filter((a) => a.stationId === id).map((a) => a.region);
        return {
          id: customerId,
          name: c?.name ?? customerId,
          ...(c?.contactName ? { contactName: c.contactName } : {}),
          ...(c?.contactPhone ? { contactPhone: c.contactPhone } : {}),
          regions,
        };
      }),
    );
    return { items, total: customerIds.length, offset, limit };
  });
};

export default stationRoutes;
