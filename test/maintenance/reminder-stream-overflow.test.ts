// A first scan that raises more reminders than the live stream keeps (LIVE_STREAM_MAXLEN) must not push the other
// events out of it: a rescue event added just before is still readable afterwards (by a reconnecting console, by a
// webhook relay that was down), and every reminder still reaches the webhook relay exactly once, as its own
// `maintenance.reminder` event. Real Redis stream, consumer group, scan and relay; the delivery queue records.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_EVENT_FIELD, LIVE_STREAM_MAXLEN } from '../../core/events.ts';
import { cstDate, DAY_MS } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import type { Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { createWebhookRelay } from '../../dispatcher/webhook-relay.ts';
import { readMaintenanceConfig } from '../../infra/maintenance-config.ts';
import { createMaintenanceStore } from '../../infra/maintenance-store.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createRepairSettingsStore } from '../../infra/repair-settings-store.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { createDueScanner } from '../../maintenance/due-scan.ts';
import { createUsageRollup } from '../../maintenance/usage-rollup.ts';
import { clearNamespace, testServices, waitFor } from '../harness/context.ts';

const services = testServices('maintoverflow');
const ITEMS = DEFAULT_MAINTENANCE_PLANS[0]!.items.length;
/** Enough trucks that their reminders outnumber what the stream keeps. */
const TRUCKS = Math.ceil((LIVE_STREAM_MAXLEN * 1.05) / ITEMS);
const CUSTOMERS = 4;
const NOW = Date.now();

interface Delivery { customerId: string; streamId: string; body: string }

describe('a scan raising more reminders than the live stream keeps', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = createRedis(services, 'fail-fast');
  });

  afterAll(async () => {
    await clearNamespace(redis, services);
    redis.disconnect();
  });

  it('keeps an earlier rescue event readable and relays every reminder once', async () => {
    const prefix = services.redisPrefix;
    const registry = createRegistryStore({ redis, prefix });
    const store = createMaintenanceStore({ redis, prefix });
    await store.putPlans(DEFAULT_MAINTENANCE_PLANS);
    await registry.putMany('customer', Array.from({ length: CUSTOMERS }, (_, c) => ({
      id: `C${c}`, name: `Customer ${c}`, webhookUrl: `https://example.test/hook/${c}`, webhookSecret: 'a-very-secret-webhook-key', active: true,
    })));
    // In service 26 months ago, never serviced, no telemetry: every plan item is overdue by date (the longest first
    // interval is 24 months), the warranty (36 months) is not due yet.
    const inService = cstDate(NOW - 26 * 31 * DAY_MS);
    const vehicles: Vehicle[] = Array.from({ length: TRUCKS }, (_, i) => ({
      vin: withCheckDigit(`LFWADRJF0P${String(i).padStart(7, '0')}`), customerId: `C${i % CUSTOMERS}`, plate: `皖B${String(i).padStart(5, '0')}`,
      model: '6x4 tractor 460 hp', inServiceDate: inService, active: true,
    }));
    for (let i = 0; i < TRUCKS; i += 5000) await registry.putMany('vehicle', vehicles.slice(i, i + 5000));

    const delivered: Delivery[] = [];
    const jobIds: string[] = [];
    const record = (data: Delivery, opts?: { jobId?: string }) => {
      delivered.push(data);
      jobIds.push(opts?.jobId ?? '');
    };
    const relay = createWebhookRelay({
      redis: createRedis(services, 'worker'), prefix, consumer: 'test', registry,
      deliveries: {
        add: async (_name: string, data: Delivery, opts?: { jobId?: string }) => record(data, opts),
        addBulk: async (jobs: Array<{ data: Delivery; opts?: { jobId?: string } }>) => jobs.forEach((j) => record(j.data, j.opts)),
      } as never,
      logger: pino({ level: 'silent' }), attempts: 1, backoffMs: 10, blockMs: 100,
    });
    await relay.start();
    try {
      const rescue = { type: 'rescue.opened', at: new Date(NOW).toISOString(), customerId: 'C1', caseId: 'K-overflow', data: { vin: vehicles[1]!.vin } };
      const rescueId = await redis.xadd(store.keys.events, '*', LIVE_EVENT_FIELD, JSON.stringify(rescue));

      const telemetry = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });
      await telemetry.ensureDatabase();
      const scanner = createDueScanner({
        store, registry, usage: createUsageRollup({ telemetry, redis, prefix }, { lagMs: 1800_000, redoDays: 0, backfillDays: 1 }),
        warranty: createRepairSettingsStore({ redis, prefix }), rules: readMaintenanceConfig({}).rules,
      });
      const scan = await scanner.run(NOW, 'full');
      expect(scan.remindersRaised).toBe(TRUCKS * ITEMS);
      expect(scan.remindersRaised).toBeGreaterThan(LIVE_STREAM_MAXLEN);

      // The rescue event is still in the stream.
      const kept = await redis.xrange(store.keys.events, rescueId!, rescueId!);
      expect(kept.map(([id, fields]) => [id, JSON.parse(fields[1]!).caseId])).toEqual([[rescueId, 'K-overflow']]);

      // Every reminder reaches the relay once, as its own event; the rescue event too.
      await waitFor(() => delivered.length >= TRUCKS * ITEMS + 1, { timeoutMs: 240_000, intervalMs: 200, what: 'every reminder at the webhook relay' });
      const raised = await redis.hkeys(store.keys.maintReminders);
      expect(raised).toHaveLength(TRUCKS * ITEMS);
      const events = delivered.map((d) => ({ ...d, event: JSON.parse(d.body) as { type: string; customerId: string; caseId?: string; data: { reminderId?: string } } }));
      const reminderIds = events.filter((e) => e.event.type === 'maintenance.reminder').map((e) => e.event.data.reminderId!);
      expect(reminderIds).toHaveLength(raised.length);
      expect(new Set(reminderIds).size).toBe(raised.length);
      expect([...reminderIds].sort()).toEqual([...raised].sort());
      expect(events.filter((e) => e.event.type === 'rescue.opened').map((e) => [e.streamId, e.event.caseId])).toEqual([[rescueId, 'K-overflow']]);
      expect(events.every((e) => e.customerId === e.event.customerId)).toBe(true);
      // Each delivery has its own event id (the webhook's event id header) and job id.
      expect(new Set(events.map((e) => e.streamId)).size).toBe(events.length);
      expect(new Set(jobIds).size).toBe(events.length);
    } finally {
      await relay.stop();
    }
  }, 600_000);
});
