// Complaints about a case or a station: filed by a customer or advisor, answered within N working days on the
// Chinese working calendar, escalated by the dispatcher when overdue, closed.
import { Type } from '@sinclair/typebox';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { ComplaintQuerySchema, ComplaintSchema, FileComplaintSchema } from '../repair-schemas.ts';

const ERR = { $ref: 'ErrorResponse#' } as const;
const tags = ['complaints'];
const Params = Type.Object({ id: Type.String({ pattern: '^cp-[a-z0-9]+-[a-f0-9]{10}$' }) });

const complaintRoutes: RoutePlugin = async (app, ctx) => {
  const complaints = ctx.complaints;

  app.post('/complaints', {
    config: { roles: ['customer', 'advisor'] },
    schema: { tags, summary: 'File a complaint about a case (caseId) or a station (stationId); `answerDue` counts working days', body: FileComplaintSchema, response: { 201: ComplaintSchema, 400: ERR, 404: ERR } },
  }, async (request, reply) => reply.status(201).send(await complaints.file(callerOf(request), request.body)));

  app.get('/complaints', {
    schema: { tags, summary: 'Complaints the caller may see, newest first', querystring: ComplaintQuerySchema, response: { 200: Type.Object({ items: Type.Array(ComplaintSchema) }), 400: ERR } },
  }, async (request) => {
    const { limit, ...q } = request.query;
    return { items: await complaints.list(callerOf(request), { ...q, limit: limit ?? 200 }) };
  });

  app.get('/complaints/:id', {
    schema: { tags, summary: 'One complaint', params: Params, response: { 200: ComplaintSchema, 404: ERR } },
  }, async (request) => complaints.visible(callerOf(request), request.params.id));

  app.post('/complaints/:id/answer', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: { tags, summary: 'Answer a complaint (the network: an agent, an admin or the station complained about)', params: Params, body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false }), response: { 200: ComplaintSchema, 403: ERR, 404: ERR, 409: ERR } },
  }, async (request) => complaints.answer(callerOf(request), request.params.id, request.body.text));

  app.post('/complaints/:id/close', {
    config: { roles: ['admin', 'agent', 'customer', 'advisor'] },
    schema: { tags, summary: 'Close a complaint', params: Params, body: Type.Object({ note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }, { additionalProperties: false }), response: { 200: ComplaintSchema, 403: ERR, 404: ERR, 409: ERR } },
  }, async (request) => complaints.close(callerOf(request), request.params.id, request.body.note));
};

export default complaintRoutes;
