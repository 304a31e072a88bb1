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
  /**
   * Closes the queue objects (not the shared connection). Idempotent: each plugin that uses the queues
   * adds it to its onClose hooks, so none depends on another plugin being registered.
   */
  close(): Promise<void>;
}

export function openDispatcherQueues(connection: Redis, bullPrefix: string): DispatcherQueues {
  const options = { connection, prefix: bullPrefix };
  const rescueJobs = new Queue<RescueJob>(RESCUE_QUEUES.rescueJobs, options);
  const faultEvents = new Queue<FaultEvent>(QUEUES.faultEvents, options);
  const webhooks = new Queue<WebhookDelivery>(RESCUE_QUEUES.webhooks, options);
  const all: readonly Queue[] = [rescueJobs, faultEvents, webhooks];
  let closing: Promise<void> | undefined;
  return {
    faultEvents, rescueJobs, webhooks, all,
    close: () => (closing ??= Promise.all(all.map((q) => q.close())).then(() => undefined)),
  };
}
