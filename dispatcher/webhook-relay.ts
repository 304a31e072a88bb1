// Live stream → webhook deliveries. A consumer group on the event stream means an event committed with a
// case change is relayed even if the dispatcher that made the change died right after: entries stay
// pending until acknowledged, and idle pending entries are claimed by another relay. The delivery job id
// is the stream id, so relaying an entry twice still sends it once.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { LIVE_EVENT_FIELD, type LiveEvent } from '../core/events.ts';
import type { WebhookDelivery } from '../core/queues.ts';
import type { Logger } from '../infra/logger.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

export const WEBHOOK_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: { age: 86_400 },
  removeOnFail: { age: 7 * 86_400 },
};

export interface WebhookRelayDeps {
  /** A dedicated connection: XREADGROUP blocks it. */
  redis: Redis;
  prefix: string;
  consumer: string;
  registry: Pick<RegistryStore, 'get'>;
  deliveries: Pick<Queue<WebhookDelivery>, 'add'>;
  logger: Logger;
  attempts: number;
  backoffMs: number;
  blockMs?: number;
  claimIdleMs?: number;
}

type StreamEntries = Array<[string, string[]]>;

export function createWebhookRelay(deps: WebhookRelayDeps) {
  const keys = redisKeys(deps.prefix);
  const group = keys.webhookGroup;
  let running = false;
  let loop: Promise<void> | undefined;

  async function relay(entries: StreamEntries): Promise<void> {
    for (const [streamId, fields] of entries) {
      const jsonIndex = fields.indexOf(LIVE_EVENT_FIELD);
      const json = jsonIndex >= 0 ? fields[jsonIndex + 1] : undefined;
      let event: LiveEvent | undefined;
      try {
        event = json ? (JSON.parse(json) as LiveEvent) : undefined;
      } catch {
        event = undefined;
      }
      if (event && event.type.startsWith('rescue.') && event.customerId) {
        const customer = await deps.registry.get('customer', event.customerId);
        if (customer?.webhookUrl && customer.webhookSecret) {
          await deps.deliveries.add('deliver', { customerId: event.customerId, streamId, body: json! }, {
            ...WEBHOOK_JOB_OPTIONS,
            attempts: deps.attempts,
            backoff: { type: 'exponential', delay: deps.backoffMs },
            jobId: `wh-${streamId.replace('-', '_')}`,
          });
        }
      }
      await deps.redis.xack(keys.events, group, streamId);
    }
  }

  async function ensureGroup(): Promise<void> {
    try {
      await deps.redis.xgroup('CREATE', keys.events, group, '$', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
  }

  async function run(): Promise<void> {
    let lastClaim = 0;
    while (running) {
      try {
        if (Date.now() - lastClaim > (deps.claimIdleMs ?? 60_000) / 2) {
          lastClaim = Date.now();
          const claimed = (await deps.redis.xautoclaim(keys.events, group, deps.consumer, deps.claimIdleMs ?? 60_000, '0-0', 'COUNT', 100)) as [string, StreamEntries];
          if (claimed[1]?.length) await relay(claimed[1].filter((e) => e[1] !== null));
        }
        const result = (await deps.redis.xreadgroup(
          'GROUP', group, deps.consumer, 'COUNT', 100, 'BLOCK', deps.blockMs ?? 2000, 'STREAMS', keys.events, '>',
        )) as Array<[string, StreamEntries]> | null;
        if (result) for (const [, entries] of result) await relay(entries);
      } catch (err) {
        if (!running) break;
        deps.logger.error({ err }, 'webhook relay error; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  return {
    async start(): Promise<void> {
      await ensureGroup();
      running = true;
      loop = run();
    },
    async stop(): Promise<void> {
      running = false;
      deps.redis.disconnect();
      await loop;
    },
  };
}
