// A raised maintenance reminder reaches the customer's webhook: the dispatcher's webhook relay (real Redis
// stream and consumer group) hands the `maintenance.reminder` event to the delivery queue, once.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMaintenanceStore } from '../../infra/maintenance-store.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createWebhookRelay } from '../../dispatcher/webhook-relay.ts';
import { testServices, waitFor } from '../harness/context.ts';

const services = testServices('maintwebhook');

describe('maintenance reminder → webhook relay', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = createRedis(services, 'fail-fast');
  });

  afterAll(async () => {
    const keys = await redis.keys(`${services.redisPrefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('relays the reminder event to the customer\'s webhook delivery queue once', async () => {
    const registry = createRegistryStore({ redis, prefix: services.redisPrefix });
    await registry.put('customer', { id: 'C1', name: 'Anhui Freight', webhookUrl: 'https://example.test/hook', webhookSecret: 'a-very-secret-webhook-key', active: true });
    const added: Array<{ customerId: string; body: string }> = [];
    const relay = createWebhookRelay({
      redis: createRedis(services, 'worker'), prefix: services.redisPrefix, consumer: 'test', registry,
      deliveries: { add: async (_name: string, data: { customerId: string; body: string }) => { added.push(data); return undefined as never; } } as never,
      logger: pino({ level: 'silent' }), attempts: 1, backoffMs: 10, blockMs: 100,
    });
    await relay.start();
    try {
      const store = createMaintenanceStore({ redis, prefix: services.redisPrefix });
      const reminder = {
        id: 'LFWADRJF0L0000001:engine-oil:svc-1:due_soon', vin: 'LFWADRJF0L0000001', customerId: 'C1', itemId: 'engine-oil', cycle: 'svc-1',
        level: 'due_soon' as const, raisedAt: Date.now(), due: { dueKm: 120_000 }, text: { zh: '机油即将到期', en: 'Engine oil due soon' }, state: 'open' as const,
      };
      expect(await store.raiseReminders([reminder, reminder])).toHaveLength(1);
      await waitFor(() => added.length > 0, { what: 'the webhook delivery' });
      expect(added).toHaveLength(1);
      expect(added[0]!.customerId).toBe('C1');
      expect(JSON.parse(added[0]!.body)).toMatchObject({ type: 'maintenance.reminder', customerId: 'C1', data: { reminderId: reminder.id, level: 'due_soon' } });
    } finally {
      await relay.stop();
    }
  });
});
