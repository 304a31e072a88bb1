// Maintenance: plans per model (admin), a vehicle's service history and what is due, the fleet's due list,
// and reminders (snooze, dismiss). Handlers translate HTTP to maintenance/maintenance-service.ts and back.
import { Type } from '@sinclair/typebox';
import { MaintenancePlanSchema } from '../../core/maintenance-plan.ts';
import { VIN_PATTERN } from '../../core/vin.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { objectSchema } from '../registry-crud.ts';

const Vin = Type.Object({ vin: Type.String({ pattern: VIN_PATTERN }) });
const Plan = objectSchema(MaintenancePlanSchema, { title: 'MaintenancePlan' });
const Status = Type.Union([Type.Literal('ok'), Type.Literal('due_soon'), Type.Literal('overdue')]);

const DueItem = Type.Object({
  itemId: Type.String(),
  cycle: Type.String({ description: 'Id of the service that started this cycle, or `initial` (from the in-service date), or `warranty`' }),
  dueKm: Type.Optional(Type.Number()),
  dueHours: Type.Optional(Type.Number()),
  dueDateMs: Type.Optional(Type.Number({ description: 'Calendar limit, epoch ms' })),
  predictedMs: Type.Optional(Type.Number({ description: 'When the first limit is expected to be reached, from the truck\'s own usage (epoch ms)' })),
  basis: Type.Optional(Type.String({ description: 'km | hours | months' })),
  remainingKm: Type.Optional(Type.Number()),
  remainingHours: Type.Optional(Type.Number()),
  status: Status,
});
const VehicleDue = Type.Object({
  vin: Type.String(), customerId: Type.String(), computedAt: Type.Number(), status: Status, items: Type.Array(DueItem),
});
const Usage = Type.Object({
  atMs: Type.Number(), odometerKm: Type.Number(), engineHours: Type.Optional(Type.Number()),
  kmPerDay: Type.Optional(Type.Number()), hoursPerDay: Type.Optional(Type.Number()),
  lat: Type.Optional(Type.Number()), lon: Type.Optional(Type.Number()),
});
const ServiceRecord = Type.Object({
  id: Type.String(), vin: Type.String(), customerId: Type.String(), atMs: Type.Number(), odometerKm: Type.Number(),
  engineHours: Type.Optional(Type.Number()), items: Type.Array(Type.String()), stationId: Type.Optional(Type.String()),
  source: Type.String(), caseId: Type.Optional(Type.String()), appointmentId: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()), recordedAt: Type.Number(), recordedBy: Type.String(),
});
const ServiceBody = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Client-chosen id: sending the same service twice records it once' })),
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}(T.+)?$', description: '`YYYY-MM-DD` (China time) or an ISO date-time; not in the future' }),
    odometerKm: Type.Number({ minimum: 0, maximum: 100_000_000 }),
    engineHours: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000_000 })),
    items: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), { minItems: 1, maxItems: 100, uniqueItems: true }),
    stationId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
const Text = Type.Object({ zh: Type.String(), en: Type.String() });
const Reminder = Type.Object({
  id: Type.String(), vin: Type.String(), customerId: Type.String(), itemId: Type.String(), cycle: Type.String(),
  level: Type.String({ description: 'due_soon | overdue' }), raisedAt: Type.Number(),
  due: Type.Object({
    dueKm: Type.Optional(Type.Number()), dueHours: Type.Optional(Type.Number()), dueDateMs: Type.Optional(Type.Number()),
    predictedMs: Type.Optional(Type.Number()), basis: Type.Optional(Type.String()), remainingKm: Type.Optional(Type.Number()), remainingHours: Type.Optional(Type.Number()),
  }),
  text: Text,
  state: Type.String({ description: 'open | snoozed | dismissed' }),
  snoozedUntil: Type.Optional(Type.Number()),
  reason: Type.Optional(Type.String()),
  by: Type.Optional(Type.String()),
  serviceDay: Type.Optional(Type.Object({ stationId: Type.String(), date: Type.String(), offer: Text })),
});
const ReminderId = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_:-]{1,200}$' }) });
const Reason = Type.String({ minLength: 1, maxLength: 500 });

const maintenanceRoutes: RoutePlugin = async (app, ctx) => {
  const svc = ctx.maintenance;

  app.get('/maintenance-plans', {
    schema: { tags: ['maintenance'], summary: 'Maintenance plans per vehicle model (`*` = the fallback plan)', response: { 200: Type.Array(Plan) } },
  }, async () => [...(await svc.plans()).values()]);

  app.put('/maintenance-plans', {
    schema: {
      tags: ['maintenance'],
      summary: 'Create or replace plans (admin); all or nothing',
      description: 'Each interval needs at least one of km, hours, months, all > 0; item ids unique per plan.',
      body: Type.Array(Plan, { minItems: 1, maxItems: 500 }),
      response: { 200: Type.Object({ stored: Type.Integer() }) },
    },
  }, async (request) => {
    await svc.putPlans(callerOf(request), request.body);
    return { stored: request.body.length };
  });

  app.post('/vehicles/:vin/services', {
    schema: {
      tags: ['maintenance'],
      summary: 'Record a service done outside a rescue; moves the next due dates',
      description: 'Dated in the future → 400; odometer lower than an earlier service (or higher than a later one) → 409; same `id` twice → 200 with the stored record.',
      params: Vin,
      body: ServiceBody,
      response: { 200: Type.Object({ record: ServiceRecord, due: VehicleDue }), 201: Type.Object({ record: ServiceRecord, due: VehicleDue }) },
    },
  }, async (request, reply) => {
    const result = await svc.recordService(callerOf(request), request.params.vin, request.body);
    return reply.status(result.created ? 201 : 200).send({ record: result.record, due: result.due });
  });

  app.get('/vehicles/:vin/services', {
    schema: { tags: ['maintenance'], summary: 'Service history of a vehicle, newest first', params: Vin, response: { 200: Type.Array(ServiceRecord) } },
  }, async (request) => svc.services(callerOf(request), request.params.vin));

  app.get('/vehicles/:vin/maintenance', {
    schema: {
      tags: ['maintenance'],
      summary: 'What is due for a vehicle, at which odometer / engine hours / date, and when (predicted from its own usage)',
      params: Vin,
      response: { 200: Type.Object({ vin: Type.String(), plan: Type.Union([Plan, Type.Null()]), usage: Type.Union([Usage, Type.Null()]), due: VehicleDue }) },
    },
  }, async (request) => {
    const r = await svc.vehicleMaintenance(callerOf(request), request.params.vin);
    return { vin: r.vehicle.vin, plan: r.plan ?? null, usage: r.usage ?? null, due: r.due };
  });

  app.get('/maintenance', {
    schema: {
      tags: ['maintenance'],
      summary: 'Due status of the fleet from the last scan (scoped to the caller)',
      querystring: Type.Object(
        {
          customerId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
          status: Type.Optional(Status),
          offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ items: Type.Array(VehicleDue), total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer() }) },
    },
  }, async (request) => svc.fleet(callerOf(request), request.query));

  app.get('/maintenance/reminders', {
    schema: {
      tags: ['maintenance'],
      summary: 'Maintenance and warranty reminders, newest first (customer and its advisors; admin, agent)',
      querystring: Type.Object(
        {
          customerId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
          state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('snoozed'), Type.Literal('dismissed')])),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Array(Reminder) },
    },
  }, async (request) => svc.reminders(callerOf(request), request.query));

  app.post('/maintenance/reminders/:id/snooze', {
    schema: {
      tags: ['maintenance'],
      summary: 'Snooze a reminder until a time, with a reason',
      params: ReminderId,
      body: Type.Object({ until: Type.String({ format: 'date-time' }), reason: Reason }, { additionalProperties: false }),
      response: { 200: Reminder },
    },
  }, async (request) => svc.snooze(callerOf(request), request.params.id, Date.parse(request.body.until), request.body.reason));

  const Offer = Type.Object({ stationId: Type.String(), date: Type.String(), offer: Text, publishedBy: Type.String() });
  app.get('/service-days', {
    schema: { tags: ['maintenance'], summary: 'Published service-day offers (the network\'s monthly service day), by date', response: { 200: Type.Array(Offer) } },
  }, async () => svc.serviceDays());

  app.put('/stations/:id/service-days/:date', {
    schema: {
      tags: ['maintenance'],
      summary: 'Publish a station\'s offer for a service day (the station itself or an admin)',
      description: 'The date must be the network\'s service day of its month (SERVICE_DAY_OF_MONTH, the 7th) and not in the past.',
      params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), date: Type.String({ maxLength: 10 }) }),
      body: Type.Object({ offer: Type.Object({ zh: Type.String({ minLength: 1, maxLength: 300 }), en: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false }) }, { additionalProperties: false }),
      response: { 200: Offer },
    },
  }, async (request) => svc.publishServiceDay(callerOf(request), request.params.id, request.params.date, request.body.offer));

  app.post('/maintenance/reminders/:id/dismiss', {
    schema: {
      tags: ['maintenance'],
      summary: 'Dismiss a reminder, with a reason',
      params: ReminderId,
      body: Type.Object({ reason: Reason }, { additionalProperties: false }),
      response: { 200: Reminder },
    },
  }, async (request) => svc.dismiss(callerOf(request), request.params.id, request.body.reason));
};

export default maintenanceRoutes;
