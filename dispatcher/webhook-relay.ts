// Live stream → webhook deliveries. A consumer group on the event stream means an event committed with a
// case change is relayed even if the dispatcher that made the change died right after: entries stay
// pending until acknowledged, and idle pending entries are claimed by another relay. The delivery job id
// is the stream id, so relaying an entry twice still sends it once.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { liveEventOfEntry } from '../core/events.ts';
import { JOB_OPTIONS, RESCUE_QUEUES, type WebhookDelivery } from '../core/queues.ts';
import type { Logger } from '../infra/logger.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import { createStreamConsumer, type StreamEntry } from '../infra/stream-consumer.ts';

export interface WebhookRelayDeps {
  /** A dedicated connection: XREADGROUP blocks it. */
  redis: Redis;
  prefix: string;
  consumer: string;
  registry: Pick<RegistryStore, 'get'>;
  deliveries: Pick<Queue<WebhookDelivery>, 'add'>;
  logger: Logger;
  /** WEBHOOK_ATTEMPTS / WEBHOOK_BACKOFF_MS: the configured tries and first delay of the queue's options. */
  attempts: number;
  backoffMs: number;
  blockMs?: number;
  claimIdleMs?: number;
}

export function createWebhookRelay(deps: WebhookRelayDeps) {
  const keys = redisKeys(deps.prefix);
  return createStreamConsumer({
    redis: deps.redis,
    stream: keys.events,
    group: keys.webhookGroup,
    consumer: deps.consumer,
    startId: '$',
    // The live stream is shared with the API's event feed: entries stay, trimmed by its MAXLEN.
    deleteAfterAck: false,
    logger: deps.logger,
    name: 'webhook relay',
    claimIdleMs: deps.claimIdleMs ?? 60_000,
    blockMs: deps.blockMs ?? 2000,
    async handle([streamId, fields]: StreamEntry) {
      const { event, json } = liveEventOfEntry(fields) ?? {};
      // Case and complaint events, and maintenance reminders (issue 18), go to the customer's webhook.
      if (!event || !(event.type.startsWith('rescue.') || event.type.startsWith('complaint.') || event.type.startsWith('maintenance.')) || !event.customerId) return;
      const customer = await deps.registry.get('customer', event.customerId);
      if (!customer?.webhookUrl || !customer.webhookSecret) return;
      await deps.deliveries.add('deliver', { customerId: event.customerId, streamId, body: json! }, {
        ...JOB_OPTIONS[RESCUE_QUEUES.webhooks],
        attempts: deps.attempts,
        backoff: { type: 'exponential', delay: deps.backoffMs },
        jobId: `wh-${streamId.replace('-', '_')}`,
      });
    },
  });
}
