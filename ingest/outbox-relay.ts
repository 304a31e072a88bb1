// Moves fault events from the outbox stream (written atomically with the live state by apply-state.ts) to the
// BullMQ queue the dispatcher consumes. At-least-once from the stream (consumer group; entries are acked only
// after the job was added), exactly-once in effect because the job id is the event's deterministic id:
// BullMQ ignores an add whose job id already exists. Entries left pending by a dead ingester are claimed.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { QUEUES, type FaultEvent } from '../core/queues.ts';
import type { Logger } from '../infra/logger.ts';
import { createStreamConsumer, type StreamEntry } from '../infra/stream-consumer.ts';

const GROUP = 'relay';
/** Completed jobs are kept this long so that a late re-add of the same event id is still recognised. */
export const FAULT_JOB_RETENTION_S = 7 * 24 * 3600;

export function createOutboxRelay(deps: {
  /** A dedicated connection: the relay blocks on XREADGROUP. */
  redis: Redis;
  queue: Pick<Queue, 'add'>;
  prefix: string;
  consumer: string;
  logger: Logger;
  onRelayed?: (count: number) => void;
  claimIdleMs?: number;
}) {
  return createStreamConsumer({
    redis: deps.redis,
    stream: redisKeys(deps.prefix).ingestOutbox,
    group: GROUP,
    consumer: deps.consumer,
    startId: '0',
    deleteAfterAck: true,
    logger: deps.logger,
    name: 'outbox relay',
    ...(deps.claimIdleMs !== undefined ? { claimIdleMs: deps.claimIdleMs } : {}),
    ...(deps.onRelayed ? { onHandled: deps.onRelayed } : {}),
    async handle([id, fields]: StreamEntry) {
      const json = fields[fields.indexOf('event') + 1];
      let event: FaultEvent | undefined;
      try {
        event = json ? (JSON.parse(json) as FaultEvent) : undefined;
      } catch {
        event = undefined;
      }
      if (!event) {
        deps.logger.error({ id }, 'unreadable outbox entry dropped');
        return;
      }
      await deps.queue.add(QUEUES.faultEvents, event, {
        jobId: event.id,
        removeOnComplete: { age: FAULT_JOB_RETENTION_S },
        removeOnFail: { age: FAULT_JOB_RETENTION_S },
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000 },
      });
    },
  });
}
