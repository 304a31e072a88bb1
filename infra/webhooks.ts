// Customer webhooks: each rescue event is POSTed to the customer's URL, signed with HMAC-SHA256 over
// `<timestamp>.<body>` with the customer's secret, retried with exponential backoff by BullMQ, and kept
// in a dead-letter list after the last try (visible through the API).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { ValidationError } from '../core/errors.ts';
import { checkQueuePayload, RESCUE_QUEUES, type WebhookDelivery } from '../core/queues.ts';
import type { RegistryStore } from './registry-store.ts';

export const SIGNATURE_HEADER = 'x-fleet-signature';
export const TIMESTAMP_HEADER = 'x-fleet-timestamp';
export const EVENT_ID_HEADER = 'x-fleet-event-id';
const DEAD_LETTER_CAP = 10_000;

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): the receiver recomputes and compares. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function verifyWebhook(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookDeadLetter {
  customerId: string;
  streamId: string;
  url?: string;
  error: string;
  attempts: number;
  at: string;
  body: string;
}

export interface WebhookDelivererDeps {
  registry: Pick<RegistryStore, 'get'>;
  redis: Pick<Redis, 'lpush' | 'ltrim' | 'multi'>;
  prefix: string;
  timeoutMs: number;
  now?: () => Date;
}

export function createWebhookDeliverer(deps: WebhookDelivererDeps) {
  const keys = redisKeys(deps.prefix);
  const now = deps.now ?? (() => new Date());

  async function deadLetter(entry: WebhookDeadLetter): Promise<void> {
    await deps.redis.multi().lpush(keys.webhookDeadLetters, JSON.stringify(entry)).ltrim(keys.webhookDeadLetters, 0, DEAD_LETTER_CAP - 1).exec();
  }

  /**
   * BullMQ processor: throws to retry; on the last attempt records the dead letter first. A payload that breaks
   * the contract throws ValidationError, which the worker's retry policy turns into a failure without retry.
   */
  async function deliver(job: Pick<Job<unknown>, 'data' | 'attemptsMade' | 'opts'>): Promise<'delivered' | 'no_webhook'> {
    const checked = checkQueuePayload(RESCUE_QUEUES.webhooks, job.data);
    if (!checked.ok) throw new ValidationError(`invalid webhook delivery: ${checked.problem}`);
    const { customerId, streamId, body }: WebhookDelivery = checked.payload;
    const customer = await deps.registry.get('customer', customerId);
    if (!customer?.webhookUrl || !customer.webhookSecret) return 'no_webhook';
    const timestamp = String(now().getTime());
    try {
      const response = await fetch(customer.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(customer.webhookSecret, timestamp, body),
          [TIMESTAMP_HEADER]: timestamp,
          [EVENT_ID_HEADER]: streamId,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status < 200 || response.status >= 300) throw new Error(`webhook answered HTTP ${response.status}`);
      return 'delivered';
    } catch (err) {
      const attempts = job.attemptsMade + 1;
      if (attempts >= (job.opts.attempts ?? 1)) {
        await deadLetter({
          customerId, streamId, url: customer.webhookUrl, attempts, body, at: now().toISOString(),
          error: err instanceof Error ? err.message : String(err),
        });
      }
      throw err;
    }
  }

  async function listDeadLetters(limit = 100, customerId?: string): Promise<WebhookDeadLetter[]> {
    const rows = await (deps.redis as unknown as Pick<Redis, 'lrange'>).lrange(keys.webhookDeadLetters, 0, DEAD_LETTER_CAP - 1);
    const all = rows.map((r) => JSON.parse(r) as WebhookDeadLetter);
    return (customerId ? all.filter((d) => d.customerId === customerId) : all).slice(0, limit);
  }

  return { deliver, listDeadLetters };
}
