// The fleet for the console: every truck the caller may see with its live state in one compact answer,
// and truck search by VIN or plate. The use cases live in fleet/fleet-service.ts; this file is HTTP only.
import { Type } from '@sinclair/typebox';
import type { Role } from '../../core/auth.ts';
import { fleetPageJson } from '../../fleet/fleet-json.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';

const ROLES: readonly Role[] = ['admin', 'agent', 'advisor', 'customer'];
export const FLEET_PAGE_MAX = 20_000;

const FleetTruckSchema = Type.Object({
  vin: Type.String(),
  plate: Type.Optional(Type.String()),
  customerId: Type.String(),
  lat: Type.Optional(Type.Number()),
  lon: Type.Optional(Type.Number()),
  speed: Type.Optional(Type.Number({ description: 'km/h' })),
  heading: Type.Optional(Type.Number({ description: 'degrees' })),
  status: Type.Optional(Type.String({ description: 'online | offline' })),
  severity: Type.String({ description: 'critical | warning | emissions | info | none' }),
  lastSeen: Type.Optional(Type.Number({ description: 'Server time of the last message, epoch ms' })),
  ts: Type.Optional(Type.Number({ description: 'Device time of the newest position, epoch ms' })),
}, { title: 'FleetTruck' });

const FleetOpenCaseSchema = Type.Object({
  id: Type.String(),
  vin: Type.String(),
  customerId: Type.String(),
  status: Type.String(),
  escalated: Type.Boolean(),
  reportedAt: Type.String(),
  launchDeadline: Type.String(),
  repairDeadline: Type.String(),
  stationId: Type.Optional(Type.String({ description: 'Launched or offered station' })),
  plate: Type.Optional(Type.String()),
  regionCode: Type.Optional(Type.String({ description: 'Prefecture of the breakdown (GB/T 2260)' })),
  regionName: Type.Optional(Type.String()),
});

const FleetPageSchema = Type.Object({
  items: Type.Array(FleetTruckSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last' }),
  total: Type.Integer({ description: 'Trucks the caller may see, all pages' }),
  openCases: Type.Optional(Type.Array(FleetOpenCaseSchema, { description: 'First page only: open cases of these trucks' })),
  customers: Type.Optional(Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), { description: 'First page only: names of their customers' })),
});

const TruckMatchSchema = Type.Object({
  vin: Type.String(),
  plate: Type.Optional(Type.String()),
  customerId: Type.String(),
  customerName: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
});

const fleetRoutes: RoutePlugin = async (app, { fleet }) => {
  app.get('/fleet/live', {
    config: { roles: ROLES },
    schema: {
      tags: ['fleet'],
      summary: 'Every truck the caller may see with its live state, compact, sorted by VIN; cursor-paged',
      description: 'The first page also carries the open cases of those trucks and their customers\' names, so a fleet map needs one request. Keep it fresh with `GET /v1/events` (vehicle.*, rescue.*).',
      querystring: Type.Object({
        cursor: Type.Optional(Type.String({ maxLength: 32, description: '`nextCursor` of the previous page' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: FLEET_PAGE_MAX, default: 10_000 })),
        trucks: Type.Optional(Type.Boolean({ default: true, description: 'false: only the open cases and customer names (a case queue), no trucks' })),
      }, { additionalProperties: false }),
      response: { 200: FleetPageSchema },
    },
    // The schema documents the answer; the body is written by fleet/fleet-json.ts as UTF-8 bytes (a Buffer
    // is sent as it is, without the generic serializer: several times cheaper for ten thousand trucks).
  }, async (request, reply) => {
    const { cursor, limit, trucks } = request.query;
    const page = await fleet.live(callerOf(request), { ...(cursor ? { cursor } : {}), limit: limit ?? 10_000, trucks: trucks !== false });
    // The typed reply expects the schema's object; these bytes are that object's JSON.
    return reply.type('application/json; charset=utf-8').send(fleetPageJson(page) as never);
  });

  app.get('/fleet/search', {
    config: { roles: ROLES },
    schema: {
      tags: ['fleet'],
      summary: 'Trucks by VIN or plate, also partial and without the province character ("A12345" finds 沪A·12345)',
      querystring: Type.Object({
        q: Type.String({ minLength: 1, maxLength: 20 }),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(TruckMatchSchema) }) },
    },
  }, async (request) => ({ items: await fleet.search(callerOf(request), request.query.q, request.query.limit ?? 20) }));
};

export default fleetRoutes;
