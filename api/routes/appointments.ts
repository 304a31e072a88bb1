// Service appointments (/v1/appointments): propose, book, the station's answer, reschedule, cancel, no-show,
// complete. Handlers translate HTTP to maintenance/appointments.ts and back.
import { Type } from '@sinclair/typebox';
import { APPOINTMENT_STATUSES, type Appointment as AppointmentRecord } from '../../core/maintenance-appointment.ts';
import { VIN_PATTERN } from '../../core/vin.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';

const Id = Type.Object({ id: Type.String({ pattern: '^apt-[0-9a-f-]{36}$' }) });
const ItemId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Status = Type.Union(APPOINTMENT_STATUSES.map((s) => Type.Literal(s)));
const KitPart = Type.Object({
  partNo: Type.String(), qty: Type.Number(), source: Type.Optional(Type.String()), stationId: Type.Optional(Type.String()),
  depotId: Type.Optional(Type.String()), status: Type.String({ description: 'reserved | in_transit | delivered | consumed | released | unavailable' }),
  readyAt: Type.Optional(Type.String()), courierMin: Type.Optional(Type.Number()), consumedQty: Type.Optional(Type.Number()),
  nextOption: Type.Optional(Type.Object({ action: Type.String(), depotId: Type.Optional(Type.String()), courierMin: Type.Optional(Type.Number()) })),
});
const Appointment = Type.Object({
  id: Type.String(), vin: Type.String(), customerId: Type.String(), stationId: Type.String(), items: Type.Array(Type.String()),
  startMs: Type.Number(), endMs: Type.Number(), bayHours: Type.Number(), status: Status, proposedStartMs: Type.Optional(Type.Number()),
  kit: Type.Array(KitPart), serviceId: Type.Optional(Type.String()), createdAt: Type.Number(), createdBy: Type.String(),
  history: Type.Array(Type.Object({ at: Type.Number(), by: Type.String(), action: Type.String(), note: Type.Optional(Type.String()) })),
  plate: Type.Optional(Type.String({ description: 'The truck\'s plate (names, not ids: a station may not read the vehicle registry)' })),
  model: Type.Optional(Type.String()),
  customerName: Type.Optional(Type.String()),
  stationName: Type.Optional(Type.String()),
});
const Start = Type.String({ format: 'date-time', description: 'Slot start; the slot (sum of the items\' labour hours) must lie in the station\'s opening hours (China time)' });

const appointmentRoutes: RoutePlugin = async (app, ctx) => {
  const apts = ctx.appointments;
  const tags = ['appointments'];

  app.get('/appointments/proposal', {
    schema: {
      tags, summary: 'What to book and where: the due items and the customer\'s fixed point where the truck is expected to be',
      querystring: Type.Object({ vin: Type.String({ pattern: VIN_PATTERN }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ vin: Type.String(), region: Type.Union([Type.String(), Type.Null()]), basis: Type.String(), stationId: Type.Union([Type.String(), Type.Null()]), items: Type.Array(Type.String()) }) },
    },
  }, async (request) => apts.proposal(callerOf(request), request.query.vin));

  app.post('/appointments', {
    schema: {
      tags, summary: 'Book a service slot (customer, advisor, agent, admin); reserves the parts kit',
      description: 'Without stationId/items: the proposal (fixed point, due items). Outside opening hours → 400; beyond the day\'s capacity → 409; another tenant\'s truck → 404.',
      body: Type.Object({ vin: Type.String({ pattern: VIN_PATTERN }), stationId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })), items: Type.Optional(Type.Array(ItemId, { minItems: 1, maxItems: 50, uniqueItems: true })), start: Start }, { additionalProperties: false }),
      response: { 201: Appointment },
    },
  }, async (request, reply) => reply.status(201).send(await apts.book(callerOf(request), request.body)));

  app.get('/appointments', {
    schema: {
      tags, summary: 'Appointments as the caller may see them (a station its own), newest start first',
      querystring: Type.Object({
        customerId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })), stationId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
        status: Type.Optional(Status), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(Appointment) },
    },
  }, async (request) => apts.list(callerOf(request), request.query));

  app.get('/appointments/:id', { schema: { tags, summary: 'One appointment', params: Id, response: { 200: Appointment } } },
    async (request) => apts.get(callerOf(request), request.params.id));

  const action = (path: string, summary: string, body: ReturnType<typeof Type.Object> | undefined, run: (caller: ReturnType<typeof callerOf>, id: string, body: never) => Promise<AppointmentRecord>) =>
    app.post(`/appointments/:id/${path}`, { schema: { tags, summary, params: Id, ...(body ? { body } : {}), response: { 200: Appointment } } },
      async (request) => run(callerOf(request), (request.params as { id: string }).id, request.body as never));

  action('confirm', 'The station confirms the requested time', undefined, (c, id) => apts.confirm(c, id));
  action('propose', 'The station proposes another time (capacity is checked there)', Type.Object({ start: Start }, { additionalProperties: false }),
    (c, id, b: { start: string }) => apts.proposeTime(c, id, b.start));
  action('accept', 'The customer or advisor accepts the station\'s proposed time', undefined, (c, id) => apts.accept(c, id));
  action('reschedule', 'Move the appointment to another time (back to requested)', Type.Object({ start: Start }, { additionalProperties: false }),
    (c, id, b: { start: string }) => apts.reschedule(c, id, b.start));
  action('cancel', 'Cancel; releases the kit and the slot', Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
    (c, id, b: { reason: string }) => apts.cancel(c, id, b.reason));
  action('no-show', 'The truck did not come; releases the kit and the slot', undefined, (c, id) => apts.noShow(c, id));
  action('complete', 'The station completes the service: consumes the kit, records the service, moves the due dates',
    Type.Object({
      odometerKm: Type.Number({ minimum: 0, maximum: 100_000_000 }), engineHours: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000_000 })),
      partsUsed: Type.Optional(Type.Array(Type.Object({ partNo: Type.String({ pattern: '^[A-Za-z0-9._/-]{1,64}$' }), qty: Type.Integer({ minimum: 0, maximum: 1000 }) }, { additionalProperties: false }), { maxItems: 100 })),
    }, { additionalProperties: false }),
    (c, id, b: { odometerKm: number; engineHours?: number; partsUsed?: Array<{ partNo: string; qty: number }> }) => apts.complete(c, id, b));
};

export default appointmentRoutes;
