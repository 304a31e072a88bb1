// Rescue cases over HTTP: report a breakdown, list and read cases, answer offers, assign, move the
// lifecycle, cancel. Every route translates HTTP to a use case of rescue/ and back. Scoping is one rule
// (core/auth.ts caseInScope) applied by rescue/queries.ts: a station sees the cases offered or assigned to it
// (and only its own part of them), a customer its own, an advisor its customers', agents and admins all;
// anything else answers 404 as if it did not exist.
import { Type } from '@sinclair/typebox';
import { caseAsSeenBy, customerInScope, seesEverything, type Caller } from '../../core/auth.ts';
import { DomainError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { Actor, CaseSource, RescueCase } from '../../core/rescue-case.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import {
  AcceptSchema, AssignSchema, CancelSchema, CaseParamsSchema, CreateRescueSchema, DeclineSchema,
  ListRescuesQuerySchema, RescueCaseSchema, StatusSchema,
} from '../rescue-schemas.ts';

const ERR = { $ref: 'ErrorResponse#' } as const;
const tags = ['rescues'];

function actorOf(caller: Caller): Actor {
  const id = caller.stationId ?? caller.customerId ?? caller.advisorId ?? caller.sub;
  return {
    kind: caller.role,
    id,
    // A person signed in (or an API key) is named in the timeline; an operator token has no name.
    ...(caller.name !== undefined ? { name: caller.name } : {}),
    ...(caller.via === 'session' || caller.via === 'api-key' ? { userId: caller.sub } : {}),
  };
}

const rescueRoutes: RoutePlugin = async (app, ctx) => {
  const commands = ctx.rescueCommands;
  const queries = ctx.rescueQueries;

  /** Which station answers: a station answers for itself; an agent or admin names the station. */
  function answeringStation(caller: Caller, c: RescueCase, bodyStationId: string | undefined): string {
    if (caller.role === 'station') {
      if (bodyStationId !== undefined && bodyStationId !== caller.stationId) throw new DomainError('forbidden', 'a station answers only for itself');
      return caller.stationId!;
    }
    if (!seesEverything(caller)) throw new DomainError('forbidden', 'only the offered station (or an agent for it) answers an offer');
    const stationId = bodyStationId ?? c.offers.find((o) => o.outcome === 'pending')?.stationId;
    if (!stationId) throw new ValidationError('body.stationId is required: the case has no pending offer', [{ field: 'body.stationId', message: 'is required: the case has no pending offer' }]);
    return stationId;
  }

  app.post('/rescues', {
    config: { roles: ['admin', 'agent', 'advisor', 'customer'] },
    schema: {
      tags, summary: 'Report a breakdown: opens a rescue case (201), or attaches to the vehicle\'s open case (200)',
      body: CreateRescueSchema, response: { 200: RescueCaseSchema, 201: RescueCaseSchema, 400: ERR, 404: ERR },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    const vehicle = await ctx.registry.get('vehicle', request.body.vin);
    if (!vehicle || !customerInScope(await ctx.scope.customers(caller), vehicle.customerId)) throw new NotFoundError('vehicle', request.body.vin);
    const source: CaseSource = caller.role === 'customer' ? 'customer' : caller.role === 'advisor' ? 'advisor' : 'agent';
    const result = await commands.report(request.body, actorOf(caller), source);
    return reply.status(result.created ? 201 : 200).send(caseAsSeenBy(caller, result.case));
  });

  app.get('/rescues', {
    schema: {
      tags, summary: 'List rescue cases the caller may see, newest report first, a page at a time (`cursor` = the previous page\'s `nextCursor`)',
      querystring: ListRescuesQuerySchema,
      response: { 200: Type.Object({ items: Type.Array(RescueCaseSchema), nextCursor: Type.Optional(Type.String({ description: 'Absent on the last page' })) }), 400: ERR },
    },
  }, async (request) => {
    const { limit, ...filter } = request.query;
    return queries.list(callerOf(request), { ...filter, limit: limit ?? 100 });
  });

  app.get('/rescues/:id', {
    schema: {
      tags, summary: 'A rescue case with offers, candidates, ETA, deadlines and timeline',
      params: CaseParamsSchema, response: { 200: RescueCaseSchema, 404: ERR },
    },
  }, async (request) => {
    const caller = callerOf(request);
    return caseAsSeenBy(caller, await queries.visibleCase(caller, request.params.id));
  });

  app.post('/rescues/:id/accept', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: {
      tags, summary: 'The offered station accepts: the rescue is launched',
      params: CaseParamsSchema, body: AcceptSchema, response: { 200: RescueCaseSchema, 403: ERR, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const c = await queries.visibleCase(caller, request.params.id);
    const { stationId: bodyStation, ...details } = request.body;
    return caseAsSeenBy(caller, await commands.accept(c.id, answeringStation(caller, c, bodyStation), details, actorOf(caller)));
  });

  app.post('/rescues/:id/decline', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: {
      tags, summary: 'The offered station declines with a reason: the next candidate gets the offer',
      params: CaseParamsSchema, body: DeclineSchema, response: { 200: RescueCaseSchema, 403: ERR, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const c = await queries.visibleCase(caller, request.params.id);
    return caseAsSeenBy(caller, await commands.decline(c.id, answeringStation(caller, c, request.body.stationId), request.body.reason, actorOf(caller), request.body.reasonCode));
  });

  app.post('/rescues/:id/assign', {
    config: { roles: ['admin', 'agent'] },
    schema: {
      tags, summary: 'An agent assigns a station by hand (launches the rescue)',
      params: CaseParamsSchema, body: AssignSchema, response: { 200: RescueCaseSchema, 403: ERR, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const c = await queries.visibleCase(caller, request.params.id);
    const { stationId, ...details } = request.body;
    return commands.assign(c.id, stationId, details, actorOf(caller));
  });

  app.post('/rescues/:id/status', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: {
      tags, summary: 'Move a launched rescue on: on_site, repairing, waiting_parts, repaired (alias: resolved), towed, closed',
      params: CaseParamsSchema, body: StatusSchema, response: { 200: RescueCaseSchema, 403: ERR, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const c = await queries.visibleCase(caller, request.params.id);
    if (caller.role === 'station' && c.launch?.stationId !== caller.stationId) {
      throw new DomainError('forbidden', 'only the station running the rescue reports its progress');
    }
    const { status, note, ...repair } = request.body;
    return caseAsSeenBy(caller, await commands.setStatus(c.id, status, note, actorOf(caller), repair));
  });

  app.post('/rescues/:id/cancel', {
    config: { roles: ['admin', 'agent', 'advisor', 'customer'] },
    schema: {
      tags, summary: 'Cancel an open case (e.g. the driver fixed it, or a false alarm)',
      params: CaseParamsSchema, body: CancelSchema, response: { 200: RescueCaseSchema, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const c = await queries.visibleCase(caller, request.params.id);
    return commands.cancel(c.id, request.body.reason, actorOf(caller));
  });
};

export default rescueRoutes;
