// Acceptance: reminders are raised exactly once even with two scheduler processes running at once and with a
// scheduler killed (`kill -9`) in the middle of raising them and started again. Real processes
// (`scheduler/main.ts`), real Redis and InfluxDB; the proof is the reminder hash, the customers' lists and the
// live stream agreeing on one entry per (vehicle, item, cycle, level).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveEventsOfEntry } from '../../core/events.ts';
import { cstDayStart, DAY_MS } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import type { Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { createMaintenanceStore } from '../../infra/maintenance-store.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { spawnService } from '../harness/processes.ts';
import { clearNamespace, testServices, waitFor } from '../harness/context.ts';
import { drivingLog, writeDays } from './support.ts';

const services = testServices('maintsched');
const telemetry = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });
const TRUCKS = 4000;
const CUSTOMERS = 8;
const ITEMS = DEFAULT_MAINTENANCE_PLANS[0]!.items.length;
const env = services.env({ LOG_LEVEL: 'info', MAINTENANCE_SCAN_EVERY_S: '3600' });
const vins = Array.from({ length: TRUCKS }, (_, i) => withCheckDigit(`LFWADRJF0M${String(i).padStart(7, '0')}`));

describe('maintenance scheduler: each reminder exactly once', () => {
  let redis: Redis;
  let store: ReturnType<typeof createMaintenanceStore>;

  /** Reminders in the hash, in the customers' lists, and on the live stream (ids, with repeats). */
  async function ledger() {
    const hash = await redis.hkeys(store.keys.maintReminders);
    let listed = 0;
    for (let c = 0; c < CUSTOMERS; c++) listed += await redis.zcard(store.keys.maintCustomerReminders(`C${c}`));
    // As the webhook relay and the API's event stream read it: an entry announcing many reminders gives each.
    const streamIds = (await redis.xrange(store.keys.events, '-', '+'))
      .flatMap(([id, f]) => liveEventsOfEntry(id, f)).map((e) => e.event as unknown as { type: string; data: { reminderId: string } })
      .filter((e) => e.type === 'maintenance.reminder').map((e) => e.data.reminderId);
    return { hash, listed, streamIds };
  }

  /** As if no scan had run: no reminders, and no record of what the scans wrote (which tells a scan there is nothing to claim). */
  async function resetReminders() {
    const keys = [store.keys.maintReminders, store.keys.events, store.keys.maintFullScanDay, store.keys.maintDueFingerprints, ...Array.from({ length: CUSTOMERS }, (_, c) => store.keys.maintCustomerReminders(`C${c}`))];
    await redis.del(...keys);
  }

  beforeAll(async () => {
    redis = createRedis(services, 'fail-fast');
    await telemetry.ensureDatabase();
    store = createMaintenanceStore({ redis, prefix: services.redisPrefix });
    await store.putPlans(DEFAULT_MAINTENANCE_PLANS);
    const registry = createRegistryStore({ redis, prefix: services.redisPrefix });
    await registry.putMany('customer', Array.from({ length: CUSTOMERS }, (_, c) => ({ id: `C${c}`, name: `Customer ${c}`, active: true })));
    // Trucks at 300,000+ km with no service on record: every item of the plan is overdue (warranty is not).
    const vehicles: Vehicle[] = vins.map((vin, i) => ({ vin, customerId: `C${i % CUSTOMERS}`, model: '6x4 tractor 460 hp', inServiceDate: '2025-06-01', active: true }));
    await registry.putMany('vehicle', vehicles);
    const firstDay = cstDayStart(Date.now()) - 4 * DAY_MS;
    await writeDays(telemetry, vehicles.map((v, i) => drivingLog(v.vin, v.customerId, firstDay, 2, 600, i + 1, 300_000 + i)).map((l) => ({ ...l, days: l.days.map((d) => ({ ...d, reported: true, km: d.km || 300 })) })), 0, 2, 240);
  });

  afterAll(async () => {
    await clearNamespace(redis, services);
    redis.disconnect();
  });

  it('a scheduler killed with SIGKILL while raising reminders, then restarted, leaves each reminder raised once', async () => {
    const first = spawnService('scheduler/main.ts', env);
    // Kill as soon as the first reminders are in: the scan is in the middle of raising them.
    const atKill = await waitFor(async () => ((await redis.hlen(store.keys.maintReminders)) > 0 ? true : undefined), { intervalMs: 2, timeoutMs: 60_000, what: 'first reminders' });
    first.kill('SIGKILL');
    expect(atKill).toBe(true);
    expect(await first.exited()).toBe('SIGKILL');
    const cut = await ledger();
    // Mid-run: some but not all raised, and what is there is complete (hash, list and event together).
    expect(cut.hash.length).toBeGreaterThan(0);
    expect(cut.hash.length).toBeLessThan(TRUCKS * ITEMS);
    expect(cut.listed).toBe(cut.hash.length);
    expect(cut.streamIds.sort()).toEqual([...cut.hash].sort());

    const second = spawnService('scheduler/main.ts', env);
    try {
      await waitFor(() => second.output().includes('due scan done'), { timeoutMs: 90_000, what: 'the restarted scheduler\'s scan' });
    } finally {
      second.kill('SIGTERM');
      await second.exited();
    }
    const after = await ledger();
    expect(after.hash.length).toBe(TRUCKS * ITEMS);
    expect(after.listed).toBe(TRUCKS * ITEMS);
    expect(after.streamIds.length).toBe(TRUCKS * ITEMS);
    expect(new Set(after.streamIds).size).toBe(TRUCKS * ITEMS);
    const expected = vins.flatMap((vin) => DEFAULT_MAINTENANCE_PLANS[0]!.items.map((item) => `${vin}:${item.id}:initial:overdue`));
    expect([...after.hash].sort()).toEqual(expected.sort());
  }, 180_000);

  it('two schedulers scanning at the same time raise each reminder once between them', async () => {
    await resetReminders();
    const pair = [spawnService('scheduler/main.ts', env), spawnService('scheduler/main.ts', env)];
    const raisedBy: number[] = [];
    try {
      for (const p of pair) {
        const line = await waitFor(() => p.output().split('\n').find((l) => l.includes('due scan done')), { timeoutMs: 120_000, what: 'both scans' });
        raisedBy.push((JSON.parse(line) as { remindersRaised: number }).remindersRaised);
      }
    } finally {
      for (const p of pair) p.kill('SIGTERM');
      await Promise.all(pair.map((p) => p.exited()));
    }
    const after = await ledger();
    expect(raisedBy[0]! + raisedBy[1]!).toBe(TRUCKS * ITEMS);
    expect(after.hash.length).toBe(TRUCKS * ITEMS);
    expect(after.listed).toBe(TRUCKS * ITEMS);
    expect(after.streamIds.length).toBe(TRUCKS * ITEMS);
    expect(new Set(after.streamIds).size).toBe(TRUCKS * ITEMS);
  }, 240_000);
});
