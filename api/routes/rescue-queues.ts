// The scripted (JSON) interface of the dispatcher queues for admins: depth, latest failures, next timers, and
// a retry of failed jobs (read through api/dispatcher-queues.ts), behind the same bearer auth as everything else.
// The web board is queue-board.ts.
import { Type } from '@sinclair/typebox';
import type { RoutePlugin } from '../context.ts';

const tags = ['rescues'];

const rescueQueueRoutes: RoutePlugin = async (app, ctx) => {
  const QueueName = Type.Union(ctx.queues.all.map((q) => Type.Literal(q.name)));
  const JobSummary = Type.Object({
    id: Type.String(), name: Type.String(), attemptsMade: Type.Integer(), timestamp: Type.Number(),
    runAt: Type.Optional(Type.Number()), failedReason: Type.Optional(Type.String()), data: Type.Unknown(),
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
  }, async () => ({ queues: await ctx.queues.board() }));

  app.post('/rescue-queues/:queue/retry-failed', {
    config: { roles: ['admin'] },
    schema: {
      tags, summary: 'Retry every failed job of one dispatcher queue (admin board)',
      params: Type.Object({ queue: QueueName }),
      response: { 200: Type.Object({ retried: Type.Integer() }) },
    },
  }, async (request) => ({ retried: await ctx.queues.retryFailed(request.params.queue) }));
};

export default rescueQueueRoutes;
