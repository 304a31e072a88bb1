// Rescue cases over HTTP: report a breakdown, list and read cases, answer offers, assign, move the
// lifecycle, cancel. Scoping: a station sees the cases offered or assigned to it, a customer its own, an
// advisor its customers', agents and admins all; anything else answers 404 as if it did not exist.
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { seesEverything, type Caller } from '../../core/auth.ts';
import { DomainError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { Actor, CaseSource, RescueCase } from '../../core/rescue-case.ts';
import { createCaseStore } from '../../infra/case-store.ts';
import { createRescueCommands } from '../../infra/rescue-commands.ts';
import { readRescueConfig } from '../../infra/rescue-config.ts';
import { createRescueMetrics, RESCUE_METRIC_FAMILIES } from '../../infra/rescue-metrics.ts';
import { createWebhookDeliverer } from '../../infra/webhooks.ts';
import { callerOf } from '../auth.ts';
import { addScrapedFamilies } from '../metrics.ts';
import type { ApiContext, RoutePlugin } from '../context.ts';
import {
  AcceptSchema, AssignSchema, CancelSchema, CaseParamsSchema, CreateRescueSchema, DeadLetterSchema, DeclineSchema,
  ListRescuesQuerySchema, RescueCaseSchema, StatusSchema,
} from '../rescue-schemas.ts';

const ERR = { $ref: 'ErrorResponse#' } as const;
const tags = ['rescues'];

function actorOf(caller: Caller): Actor {
  return { kind: caller.role, id: caller.stationId ?? caller.customerId ?? caller.advisorId ?? caller.sub };
}

/** Customers an advisor looks after (lead advisor or through an assignment), from the registry's scope index. */
async function customersOfAdvisor(ctx: ApiContext, advisorId: string): Promise<Set<string>> {
  return new Set(await ctx.registry.customersOfAdvisor(advisorId));
}

const rescueRoutes: RoutePlugin = async (app, ctx) => {
  const config = ctx.rescue ?? readRescueConfig({});
  const store = createCaseStore({
    redis: ctx.redis,
    prefix: ctx.redisPrefix,
    clocks: { launchWindowS: config.launchWindowS, escalateBeforeS: config.escalateBeforeS, repairWindowS: config.repairWindowS },
  });
  const jobs = ctx.queues.rescueJobs;
  app.addHook('onClose', () => ctx.queues.close());
  const metrics = createRescueMetrics({ redis: ctx.redis, prefix: ctx.redisPrefix, queues: ctx.queues.all });
  // The same families on the Prometheus `/metrics`, read at scrape time like `/v1/rescue-metrics`.
  addScrapedFamilies(app.prometheus, RESCUE_METRIC_FAMILIES, metrics.collect, (err) => app.log.warn({ err }, 'rescue metrics unavailable for /metrics'));
  const commands = createRescueCommands({ store, registry: ctx.registry, redis: ctx.redis, prefix: ctx.redisPrefix, jobs });
  const webhooks = createWebhookDeliverer({ registry: ctx.registry, redis: ctx.redis, prefix: ctx.redisPrefix, timeoutMs: 5000 });

  async function visible(caller: Caller, c: RescueCase): Promise<boolean> {
    if (seesEverything(caller)) return true;
    if (caller.role === 'customer') return c.customerId === caller.customerId;
    if (caller.role === 'station') return c.stationIds.includes(caller.stationId!);
    if (caller.role === 'advisor') return (await customersOfAdvisor(ctx, caller.advisorId!)).has(c.customerId);
    return false;
  }

  /** The case if the caller may see it; 404 otherwise (never reveals existence). */
  async function visibleCase(request: FastifyRequest, id: string): Promise<RescueCase> {
    const c = await store.get(id);
    if (!c || !(await visible(callerOf(request), c))) throw new NotFoundError('rescue case', id);
    return c;
  }

  /** Which station answers: a station answers for itself; an agent or admin names the station. */
  function answeringStation(caller: Caller, c: RescueCase, bodyStationId: string | undefined): string {
    if (caller.role === 'station') {
      if (bodyStationId !== undefined && bodyStationId !== caller.stationId) throw new DomainError('forbidden', 'a station answers only for itself');
      return caller.stationId!;
    }
    if (!seesEverything(caller)) throw new DomainError('forbidden', 'only the offered station (or an agent for it) answers an offer');
    const stationId = bodyStationId ?? c.offers.find((o) => o.outcome === 'pending')?.stationId;
    if (!stationId) throw new ValidationError('stationId is required: the case has no pending offer', { fields: ['body.stationId'] });
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
    const inScope = vehicle && (seesEverything(caller)
      || (caller.role === 'customer' && vehicle.customerId === caller.customerId)
      || (caller.role === 'advisor' && (await customersOfAdvisor(ctx, caller.advisorId!)).has(vehicle.customerId)));
    if (!inScope) throw new NotFoundError('vehicle', request.body.vin);
    const source: CaseSource = caller.role === 'customer' ? 'customer' : caller.role === 'advisor' ? 'advisor' : 'agent';
    const result = await commands.report(request.body, actorOf(caller), source);
    return reply.status(result.created ? 201 : 200).send(result.case);
  });

  app.get('/rescues', {
    schema: {
      tags, summary: 'List rescue cases the caller may see, newest first',
      querystring: ListRescuesQuerySchema, response: { 200: Type.Object({ items: Type.Array(RescueCaseSchema) }), 400: ERR },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const q = request.query;
    const filter = { ...q };
    if (caller.role === 'station') {
      if (q.stationId !== undefined && q.stationId !== caller.stationId) return { items: [] };
      filter.stationId = caller.stationId!;
    }
    if (caller.role === 'customer') {
      if (q.customerId !== undefined && q.customerId !== caller.customerId) return { items: [] };
      filter.customerId = caller.customerId!;
    }
    let items = await store.list(filter);
    if (caller.role === 'advisor') {
      const mine = await customersOfAdvisor(ctx, caller.advisorId!);
      items = items.filter((c) => mine.has(c.customerId));
    }
    return { items };
  });

  app.get('/rescues/webhook-dead-letters', {
    config: { roles: ['admin', 'agent', 'customer'] },
    schema: {
      tags, summary: 'Webhook deliveries that failed their last retry (a customer sees its own)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(DeadLetterSchema) }) },
    },
  }, async (request) => {
    const caller = callerOf(request);
    return { items: await webhooks.listDeadLetters(request.query.limit ?? 100, caller.role === 'customer' ? caller.customerId : undefined) };
  });

  app.get('/rescue-metrics', {
    config: { public: true },
    schema: { hide: true },
  }, async (_request, reply) => reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await metrics.render()));

  // A small BullMQ board for admins (JSON, behind the same bearer auth as everything else): depth,
  // failures and upcoming timers of the dispatcher queues, and a retry of failed jobs.
  const boardQueues = new Map(ctx.queues.all.map((q) => [q.name, q]));
  const QueueName = Type.Union([...boardQueues.keys()].map((name) => Type.Literal(name)));
  const JobSummary = Type.Object({
    id: Type.String(), name: Type.String(), attemptsMade: Type.Integer(), timestamp: Type.Number(),
    runAt: Type.Optional(Type.Number()), failedReason: Type.Optional(Type.String()), data: Type.Unknown(),
  });
  const summarise = (job: { id?: string; name: string; attemptsMade: number; timestamp: number; delay: number; failedReason?: string; data: unknown }) => ({
    id: job.id ?? '', name: job.name, attemptsMade: job.attemptsMade, timestamp: job.timestamp,
    ...(job.delay > 0 ? { runAt: job.timestamp + job.delay } : {}),
    ...(job.failedReason ? { failedReason: job.failedReason.slice(0, 500) } : {}),
    data: job.data,
  });

  app.get('/rescue-queues', {
    config: { roles: ['admin'] },
    schema: {
      tags, summary: 'Dispatcher queues (admin board): counts, latest failures, next timers',
      response: {
        200: Type.Object({
          queues: Type.Array(Type.Object({
            name: Type.String(),
            counts: Type.Record(Type.String(), Type.Integer()),
            failed: Type.Array(JobSummary),
            delayed: Type.Array(JobSummary),
          })),
        }),
      },
    },
  }, async () => ({
    queues: await Promise.all([...boardQueues.values()].map(async (q) => ({
      name: q.name,
      counts: await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized'),
      failed: (await q.getFailed(0, 19)).map(summarise),
      delayed: (await q.getDelayed(0, 19)).map(summarise).sort((a, b) => (a.runAt ?? 0) - (b.runAt ?? 0)),
    }))),
  }));

  app.post('/rescue-queues/:queue/retry-failed', {
    config: { roles: ['admin'] },
    schema: {
      tags, summary: 'Retry every failed job of one dispatcher queue (admin board)',
      params: Type.Object({ queue: QueueName }),
      response: { 200: Type.Object({ retried: Type.Integer() }) },
    },
  }, async (request) => {
    const q = boardQueues.get(request.params.queue)!;
    const failed = await q.getFailed(0, 999);
    await Promise.all(failed.map((job) => job.retry('failed')));
    return { retried: failed.length };
  });

  app.get('/rescues/:id', {
    schema: {
      tags, summary: 'A rescue case with offers, candidates, ETA, deadlines and timeline',
      params: CaseParamsSchema, response: { 200: RescueCaseSchema, 404: ERR },
    },
  }, async (request) => visibleCase(request, request.params.id));

  app.post('/rescues/:id/accept', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: {
      tags, summary: 'The offered station accepts: the rescue is launched',
      params: CaseParamsSchema, body: AcceptSchema, response: { 200: RescueCaseSchema, 403: ERR, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const c = await visibleCase(request, request.params.id);
    const caller = callerOf(request);
    const { stationId: bodyStation, ...details } = request.body;
    return commands.accept(c.id, answeringStation(caller, c, bodyStation), details, actorOf(caller));
  });

  app.post('/rescues/:id/decline', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: {
      tags, summary: 'The offered station declines with a reason: the next candidate gets the offer',
      params: CaseParamsSchema, body: DeclineSchema, response: { 200: RescueCaseSchema, 403: ERR, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const c = await visibleCase(request, request.params.id);
    const caller = callerOf(request);
    return commands.decline(c.id, answeringStation(caller, c, request.body.stationId), request.body.reason, actorOf(caller), request.body.reasonCode);
  });

  app.post('/rescues/:id/assign', {
    config: { roles: ['admin', 'agent'] },
    schema: {
      tags, summary: 'An agent assigns a station by hand (launches the rescue)',
      params: CaseParamsSchema, body: AssignSchema, response: { 200: RescueCaseSchema, 403: ERR, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const c = await visibleCase(request, request.params.id);
    const { stationId, ...details } = request.body;
    return commands.assign(c.id, stationId, details, actorOf(callerOf(request)));
  });

  app.post('/rescues/:id/status', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: {
      tags, summary: 'Move a launched rescue on: on_site, resolved, towed, closed',
      params: CaseParamsSchema, body: StatusSchema, response: { 200: RescueCaseSchema, 403: ERR, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const c = await visibleCase(request, request.params.id);
    const caller = callerOf(request);
    if (caller.role === 'station' && c.launch?.stationId !== caller.stationId) {
      throw new DomainError('forbidden', 'only the station running the rescue reports its progress');
    }
    return commands.setStatus(c.id, request.body.status, request.body.note, actorOf(caller));
  });

  app.post('/rescues/:id/cancel', {
    config: { roles: ['admin', 'agent', 'advisor', 'customer'] },
    schema: {
      tags, summary: 'Cancel an open case (e.g. the driver fixed it, or a false alarm)',
      params: CaseParamsSchema, body: CancelSchema, response: { 200: RescueCaseSchema, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const c = await visibleCase(request, request.params.id);
    return commands.cancel(c.id, request.body.reason, actorOf(callerOf(request)));
  });
};

export default rescueRoutes;
