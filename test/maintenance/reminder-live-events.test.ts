// Reminders raised together are one stream entry, but the API's event fan-out (SSE `GET /v1/events`, the fleet live
// table) still hands out one `maintenance.reminder` event per reminder, each with its own id in stream order: live
// subscribers get them all, and a console resuming with Last-Event-ID after any of them gets the rest and nothing
// twice. Real Redis, the real store and fan-out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareStreamIds, createEventFanout, type StreamEvent } from '../../api/event-fanout.ts';
import { LIVE_EVENT_FIELD } from '../../core/events.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import { createMaintenanceStore } from '../../infra/maintenance-store.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { reminderClaimFor } from '../../maintenance/due-scan.ts';
import { clearNamespace, testServices, waitFor } from '../harness/context.ts';

const services = testServices('maintlive');

describe('reminders on the API\'s event stream', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = createRedis(services, 'fail-fast');
  });

  afterAll(async () => {
    await clearNamespace(redis, services);
    redis.disconnect();
  });

  it('one event per reminder, ids in order and unique, resumable after any of them', async () => {
    const store = createMaintenanceStore({ redis, prefix: services.redisPrefix });
    const fanout = createEventFanout({ redis, streamKey: store.keys.events, blockMs: 100 });
    const live: StreamEvent[] = [];
    await fanout.subscribe((events) => live.push(...events));
    try {
      const event = (type: string) => JSON.stringify({ type, at: new Date().toISOString(), customerId: 'C1', caseId: 'K1', data: {} });
      const before = await redis.xadd(store.keys.events, '*', LIVE_EVENT_FIELD, event('rescue.opened'));
      const now = Date.now();
      const claims = DEFAULT_MAINTENANCE_PLANS[0]!.items.slice(0, 4).map((item, k) => reminderClaimFor(
        { vin: 'LFWADRJF0L0000001', customerId: k % 2 ? 'C1' : 'C2', plate: '皖A12345', model: '*', active: true },
        DEFAULT_MAINTENANCE_PLANS[0], { itemId: item.id, cycle: 'initial', status: 'overdue', dueDateMs: now - 86_400_000 }, 'overdue', now)!);
      expect(await store.raiseReminders(claims)).toBe(4);
      const after = await redis.xadd(store.keys.events, '*', LIVE_EVENT_FIELD, event('rescue.closed'));
      // Three entries in the stream: the rescue events and one announcement.
      expect(await redis.xlen(store.keys.events)).toBe(3);

      await waitFor(() => live.length >= 6, { what: 'the live events' });
      const seen = live.map((e) => [e.event.type, e.event.customerId, (e.event.data as { reminderId?: string }).reminderId]);
      expect(seen).toHaveLength(6);
      expect(seen[0]).toEqual(['rescue.opened', 'C1', undefined]);
      // The batch's reminders (grouped by customer in the announcement).
      expect(seen.slice(1, 5).sort()).toEqual(claims.map((c) => ['maintenance.reminder', c.customerId, c.id]).sort());
      expect(seen[5]).toEqual(['rescue.closed', 'C1', undefined]);
      const ids = live.map((e) => e.id);
      expect(ids[0]).toBe(before);
      expect(ids[5]).toBe(after);
      for (let i = 1; i < ids.length; i++) expect(compareStreamIds(ids[i - 1]!, ids[i]!)).toBeLessThan(0);

      // Resuming: after the rescue event, after a reminder in the middle of the batch, after the last one.
      expect((await fanout.since(before!)).map((e) => e.id)).toEqual(ids.slice(1));
      expect((await fanout.since(ids[2]!)).map((e) => e.id)).toEqual(ids.slice(3));
      expect((await fanout.since(ids[4]!)).map((e) => e.id)).toEqual([after]);
      expect(await fanout.since(after!)).toEqual([]);
    } finally {
      fanout.close();
    }
  });
});
