// Moves fault events from the outbox stream (written atomically with the live state by apply-state.ts) to the
// BullMQ queue the dispatcher consumes. At-least-once from the stream (consumer group; entries are acked only
// after the job was added), exactly-once in effect because the job id is the event's deterministic id:
// BullMQ ignores an add whose job id already exists. Entries left pending by a dead ingester are claimed.
// The relay is the producer's check of the fault-event contract: what the Lua script wrote is checked against
// core's FaultEventSchema (compiled; one check per DM1 change, off the per-message path) before it is queued.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { checkQueuePayload, JOB_OPTIONS, QUEUES } from '../core/queues.ts';
import type { Logger } from '../infra/logger.ts';
import { createStreamConsumer, type StreamEntry } from '../infra/stream-consumer.ts';

const GROUP = 'relay';

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
      let parsed: unknown;
      try {
        parsed = json ? JSON.parse(json) : undefined;
      } catch {
        parsed = undefined;
      }
      const checked = checkQueuePayload(QUEUES.faultEvents, parsed);
      if (!checked.ok) {
        // A producer bug, not a bad truck: the Lua script wrote something the contract rejects. Queuing it would
        // only fail it in the dispatcher; the log keeps the entry for whoever fixes the script.
        deps.logger.error({ id, problem: checked.problem, entry: json }, 'outbox entry breaks the fault-event contract; dropped');
        return;
      }
      const event = checked.payload;
      await deps.queue.add(QUEUES.faultEvents, event, { ...JOB_OPTIONS[QUEUES.faultEvents], jobId: event.id });
    },
  });
}
