// The BullMQ queues of the system (core/queues.ts) as the API sees them: one Queue object each on the API's
// fail-fast Redis connection, shared by the rescue routes (commands, JSON board, metrics) and the admin
// queue board, so both show the same queues and nothing opens them twice.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, RESCUE_QUEUES, type FaultEvent, type RescueJob, type WebhookDelivery } from '../core/queues.ts';

export interface DispatcherQueues {
  readonly faultEvents: Queue<FaultEvent>;
  readonly rescueJobs: Queue<RescueJob>;
  readonly webhooks: Queue<WebhookDelivery>;
  /** Every queue, in board order. */
  readonly all: readonly Queue[];
  /** Per queue: job counts by state, the latest 20 failures and the next 20 timers (the JSON board). */
  board(): Promise<QueueBoardEntry[]>;
  /** Retries every failed job (up to 1,000) of the queue named `name`; how many. */
  retryFailed(name: string): Promise<number>;
  /**
   * Closes the queue objects (not the shared connection). Idempotent: each plugin that uses the queues
   * adds it to its onClose hooks, so none depends on another plugin being registered.
   */
  close(): Promise<void>;
}

export interface JobSummary {
  id: string;
  name: string;
  attemptsMade: number;
  timestamp: number;
  /** When a delayed job runs, epoch ms. */
  runAt?: number;
  failedReason?: string;
  data: unknown;
}

export interface QueueBoardEntry {
  name: string;
  counts: Record<string, number>;
  failed: JobSummary[];
  delayed: JobSummary[];
}

const summarise = (job: { id?: string; name: string; attemptsMade: number; timestamp: number; delay: number; failedReason?: string; data: unknown }): JobSummary => ({
  id: job.id ?? '', name: job.name, attemptsMade: job.attemptsMade, timestamp: job.timestamp,
  ...(job.delay > 0 ? { runAt: job.timestamp + job.delay } : {}),
  ...(job.failedReason ? { failedReason: job.failedReason.slice(0, 500) } : {}),
  data: job.data,
});

export function openDispatcherQueues(connection: Redis, bullPrefix: string): DispatcherQueues {
  const options = { connection, prefix: bullPrefix };
  const rescueJobs = new Queue<RescueJob>(RESCUE_QUEUES.rescueJobs, options);
  const faultEvents = new Queue<FaultEvent>(QUEUES.faultEvents, options);
  const webhooks = new Queue<WebhookDelivery>(RESCUE_QUEUES.webhooks, options);
  const all: readonly Queue[] = [rescueJobs, faultEvents, webhooks];
  let closing: Promise<void> | undefined;
  return {
    faultEvents, rescueJobs, webhooks, all,
    board: () => Promise.all(all.map(async (q) => ({
      name: q.name,
      counts: await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized'),
      failed: (await q.getFailed(0, 19)).map(summarise),
      delayed: (await q.getDelayed(0, 19)).map(summarise).sort((a, b) => (a.runAt ?? 0) - (b.runAt ?? 0)),
    }))),
    async retryFailed(name) {
      const q = all.find((x) => x.name === name);
      if (!q) return 0;
      const failed = await q.getFailed(0, 999);
      await Promise.all(failed.map((job) => job.retry('failed')));
      return failed.length;
    },
    close: () => (closing ??= Promise.all(all.map((q) => q.close())).then(() => undefined)),
  };
}
