// The scripted (JSON) interface of the dispatcher queues for admins: depth, latest failures, next timers, and
// a retry of failed jobs, behind the same bearer auth as everything else. The web board is queue-board.ts.
import { Type } from '@sinclair/typebox';
import type { RoutePlugin } from '../context.ts';

const tags = ['rescues'];

const rescueQueueRoutes: RoutePlugin = async (app, ctx) => {
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
};

export default rescueQueueRoutes;
