// Live stream → webhook deliveries. A consumer group on the event stream means an event committed with a
// case change is relayed even if the dispatcher that made the change died right after: entries stay
// pending until acknowledged, and idle pending entries are claimed by another relay. The delivery job id
// is the event's id (the stream id, or each reminder's own id in an entry announcing several: core/events.ts), so
// relaying an entry twice still sends each event once.
import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { liveEventsOfEntry } from '../core/events.ts';
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
  deliveries: Pick<Queue<WebhookDelivery>, 'addBulk'>;
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
      // One entry may announce many maintenance reminders (core/events.ts `maintenance.reminders`): each is relayed as
      // its own `maintenance.reminder` event with its own id, exactly as when each had an entry.
      const jobs: Array<{ name: string; data: WebhookDelivery; opts: JobsOptions }> = [];
      const hooks = new Map<string, boolean>();
      for (const { id, event, json } of liveEventsOfEntry(streamId, fields)) {
        // Case and complaint events, and maintenance reminders and appointments, go to the customer's webhook.
        if (!(event.type.startsWith('rescue.') || event.type.startsWith('complaint.') || event.type.startsWith('maintenance.')) || !event.customerId) continue;
        let hook = hooks.get(event.customerId);
        if (hook === undefined) {
          const customer = await deps.registry.get('customer', event.customerId);
          hooks.set(event.customerId, (hook = Boolean(customer?.webhookUrl && customer.webhookSecret)));
        }
        if (!hook) continue;
        jobs.push({
          name: 'deliver',
          data: { customerId: event.customerId, streamId: id, body: json ?? JSON.stringify(event) },
          opts: {
            ...JOB_OPTIONS[RESCUE_QUEUES.webhooks],
            attempts: deps.attempts,
            backoff: { type: 'exponential', delay: deps.backoffMs },
            // The event's id: relaying the entry again adds nothing.
            jobId: `wh-${id.replace('-', '_')}`,
          },
        });
      }
      if (jobs.length) await deps.deliveries.addBulk(jobs);
    },
  });
}
