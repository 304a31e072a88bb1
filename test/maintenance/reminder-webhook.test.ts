// A raised maintenance reminder reaches the customer's webhook: the dispatcher's webhook relay (real Redis
// stream and consumer group) hands the `maintenance.reminder` event to the delivery queue, once.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import { createMaintenanceStore } from '../../infra/maintenance-store.ts';
import { reminderClaimFor } from '../../maintenance/due-scan.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createWebhookRelay } from '../../dispatcher/webhook-relay.ts';
import { clearNamespace, testServices, waitFor } from '../harness/context.ts';

const services = testServices('maintwebhook');

describe('maintenance reminder → webhook relay', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = createRedis(services, 'fail-fast');
  });

  afterAll(async () => {
    await clearNamespace(redis, services);
    redis.disconnect();
  });

  it('relays the reminder event to the customer\'s webhook delivery queue once', async () => {
    const registry = createRegistryStore({ redis, prefix: services.redisPrefix });
    await registry.put('customer', { id: 'C1', name: 'Anhui Freight', webhookUrl: 'https://example.test/hook', webhookSecret: 'a-very-secret-webhook-key', active: true });
    const added: Array<{ customerId: string; streamId: string; body: string }> = [];
    const relay = createWebhookRelay({
      redis: createRedis(services, 'worker'), prefix: services.redisPrefix, consumer: 'test', registry,
      deliveries: { addBulk: async (jobs: Array<{ data: { customerId: string; streamId: string; body: string } }>) => { added.push(...jobs.map((j) => j.data)); return [] as never; } } as never,
      logger: pino({ level: 'silent' }), attempts: 1, backoffMs: 10, blockMs: 100,
    });
    await relay.start();
    try {
      const store = createMaintenanceStore({ redis, prefix: services.redisPrefix });
      const vehicle = { vin: 'LFWADRJF0L0000001', customerId: 'C1', plate: '皖A12345', model: '*', active: true };
      const claim = reminderClaimFor(vehicle, DEFAULT_MAINTENANCE_PLANS[0], { itemId: 'engine-oil', cycle: 'svc-1', status: 'due_soon', dueKm: 120_000 }, 'due_soon', Date.now())!;
      expect(await store.raiseReminders([claim, claim])).toBe(1);
      await waitFor(() => added.length > 0, { what: 'the webhook delivery' });
      expect(added).toHaveLength(1);
      expect(added[0]!.customerId).toBe('C1');
      const [entry] = await redis.xrange(store.keys.events, '-', '+');
      expect(added[0]!.streamId).toBe(entry![0]);
      expect(JSON.parse(added[0]!.body)).toMatchObject({
        type: 'maintenance.reminder', customerId: 'C1', vin: vehicle.vin,
        data: { reminderId: claim.id, level: 'due_soon', text: { zh: '皖A12345：机油及机油滤清器即将到期（预计 120,000 km），请预约保养。', en: '皖A12345: Engine oil and filter is due soon (expected 120,000 km); please book a service.' } },
      });
      // Raised again: refused, nothing announced, nothing relayed.
      expect(await store.raiseReminders([claim])).toBe(0);
      expect(await redis.xlen(store.keys.events)).toBe(1);
    } finally {
      await relay.stop();
    }
  });
});
