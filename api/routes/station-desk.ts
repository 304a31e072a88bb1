// The station's desk over HTTP (role station, its own station only): offers with plate, customer, place
// and faults; its rescues and history; vans in service and open/closed. Use cases: station-desk/.
import { Type } from '@sinclair/typebox';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';

const Code = Type.Object({ spn: Type.Integer(), fmi: Type.Integer() });
const DeskCaseSchema = Type.Object({
  id: Type.String(),
  status: Type.String(),
  reportedAt: Type.String(),
  vin: Type.String(),
  plate: Type.Optional(Type.String()),
  customerName: Type.Optional(Type.String()),
  customerPhone: Type.Optional(Type.String()),
  contactPhone: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  place: Type.Union([Type.Object({ lat: Type.Number(), lon: Type.Number(), regionName: Type.Optional(Type.String()) }), Type.Null()]),
  spns: Type.Array(Type.Integer()),
  dtcs: Type.Array(Code),
  offer: Type.Optional(Type.Object({ attempt: Type.Integer(), expiresAt: Type.String(), etaMin: Type.Number(), distanceKm: Type.Number(), outcome: Type.String() })),
  launch: Type.Optional(Type.Object({ at: Type.String(), vanId: Type.Optional(Type.String()), technician: Type.Optional(Type.String()), etaMin: Type.Optional(Type.Number()) })),
  repairDeadline: Type.String(),
});
const DeskStation = Type.Object({
  id: Type.String(), name: Type.String(), phone: Type.Optional(Type.String()), hours: Type.String(),
  vans: Type.Integer({ description: 'Vans in service (dispatch offers rescues while some are free)' }),
  vansInUse: Type.Integer(), closed: Type.Boolean(),
});
const DeskSchema = Type.Object({ station: DeskStation, offers: Type.Array(DeskCaseSchema), running: Type.Array(DeskCaseSchema), history: Type.Array(DeskCaseSchema) });

const stationDeskRoutes: RoutePlugin = async (app, { stationDesk: desk }) => {
  app.get('/station-desk', {
    config: { roles: ['station'] },
    schema: { tags: ['stations'], summary: 'The calling station\'s offers, rescues and history, with plate, customer, place and faults', response: { 200: DeskSchema } },
  }, async (request) => desk.desk(callerOf(request).stationId!));

  app.patch('/station-desk', {
    config: { roles: ['station'] },
    schema: {
      tags: ['stations'],
      summary: 'The calling station sets its vans in service and whether it is open; dispatch honours both from the next offer',
      body: Type.Object({
        vans: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
        closed: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: DeskStation },
    },
  }, async (request) => {
    const stationId = callerOf(request).stationId!;
    await desk.update(stationId, request.body);
    return (await desk.desk(stationId)).station;
  });
};

export default stationDeskRoutes;
