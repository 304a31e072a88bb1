// Service history from repaired cases: the parts a repair consumed map to the plan items whose whole kit they
// cover, and a `rescue.repaired` event on the live stream (real Redis stream and consumer group) records that
// service once, however often the event is delivered.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_EVENT_FIELD, type LiveEvent } from '../../core/events.ts';
import { redisKeys } from '../../core/keys.ts';
import { caseServiceId, itemsServicedByParts } from '../../core/maintenance-case-service.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import type { RescueCase } from '../../core/rescue-case.ts';
import { createMaintenanceStore } from '../../infra/maintenance-store.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createCaseServiceRecorder, createRepairedCaseRelay } from '../../maintenance/case-services.ts';
import { clearNamespace, testServices, waitFor } from '../harness/context.ts';

const services = testServices('maintcase');
const plan = DEFAULT_MAINTENANCE_PLANS[0]!;
const VIN = 'LFWADRJF0L0000007';

describe('parts consumed → plan items serviced', () => {
  it('counts an item only when its whole kit was consumed', () => {
    expect(itemsServicedByParts(plan, [{ partNo: 'LUB-OIL-18', qty: 2 }, { partNo: 'FLT-OF-01', qty: 1 }, { partNo: 'FLT-FF-01', qty: 1 }])).toEqual(['engine-oil']);
    expect(itemsServicedByParts(plan, [{ partNo: 'LUB-OIL-18', qty: 1 }, { partNo: 'LUB-OIL-18', qty: 1 }, { partNo: 'FLT-OF-01', qty: 1 }, { partNo: 'FLT-FF-01', qty: 2 }])).toEqual(['engine-oil', 'fuel-filters']);
    expect(itemsServicedByParts(plan, [{ partNo: 'FLT-OF-01', qty: 1 }])).toEqual([]); // a filter alone restarts nothing
    expect(itemsServicedByParts(plan, [])).toEqual([]); // the brake inspection (no kit) never comes from parts
    expect(itemsServicedByParts(undefined, [{ partNo: 'TRN-OIL-20', qty: 1 }])).toEqual([]);
  });
});

describe('repaired case → service history', () => {
  let redis: Redis;
  const keys = redisKeys(services.redisPrefix);
  const repairedAt = new Date(Date.now() - 3600_000).toISOString();
  const cases = new Map<string, RescueCase>();
  const caseOf = (id: string, parts: Array<{ partNo: string; qty: number; consumedQty?: number; status: string }>, repaired = true) =>
    ({
      id, vin: VIN, customerId: 'C1', status: repaired ? 'repaired' : 'repairing', launch: { stationId: 'S1' },
      warranty: { covered: true, reason: 'within_policy', policy: { years: 3, km: 1_000_000 }, odometerKm: 182_300 },
      parts, ...(repaired ? { repair: { startedAt: repairedAt, repairedAt } } : {}),
    }) as unknown as RescueCase;

  beforeAll(async () => {
    redis = createRedis(services, 'fail-fast');
    await createMaintenanceStore({ redis, prefix: services.redisPrefix }).putPlans(DEFAULT_MAINTENANCE_PLANS);
    await createRegistryStore({ redis, prefix: services.redisPrefix }).put('vehicle', { vin: VIN, customerId: 'C1', model: '6x4 tractor 460 hp', active: true });
  });

  afterAll(async () => {
    await clearNamespace(redis, services);
    redis.disconnect();
  });

  it('records the oil service of a repair that used the oil kit, once, however often the event comes', async () => {
    const store = createMaintenanceStore({ redis, prefix: services.redisPrefix });
    const recorder = createCaseServiceRecorder({
      cases: { get: async (id) => cases.get(id) }, store, registry: createRegistryStore({ redis, prefix: services.redisPrefix }), now: () => Date.now(),
    });
    cases.set('rc-oil', caseOf('rc-oil', [
      { partNo: 'LUB-OIL-18', qty: 2, consumedQty: 2, status: 'consumed' }, { partNo: 'FLT-OF-01', qty: 1, status: 'consumed' },
      { partNo: 'FLT-FF-01', qty: 2, status: 'released' }, // reserved, not used: no fuel-filter service
    ]));
    cases.set('rc-belt', caseOf('rc-belt', [{ partNo: 'BELT-01', qty: 1, status: 'consumed' }]));
    const relay = createRepairedCaseRelay({ redis: createRedis(services, 'worker'), prefix: services.redisPrefix, consumer: 'test', recorder, logger: pino({ level: 'silent' }), blockMs: 100 });
    await relay.start();
    try {
      const emit = (type: string, caseId: string) => {
        const event: LiveEvent = { type: type as LiveEvent['type'], at: repairedAt, vin: VIN, customerId: 'C1', caseId, stationIds: ['S1'], data: { status: 'repaired' } };
        return redis.xadd(keys.events, '*', LIVE_EVENT_FIELD, JSON.stringify(event));
      };
      await redis.del(keys.maintDirty);
      await emit('rescue.repairing', 'rc-oil');
      await emit('rescue.repaired', 'rc-oil');
      await emit('rescue.repaired', 'rc-oil'); // redelivered
      const lastId = await emit('rescue.resolved', 'rc-belt'); // the older name; parts of no plan item
      // Every entry handled and acknowledged by the relay's group before counting.
      await waitFor(async () => {
        const groups = (await redis.xinfo('GROUPS', keys.events)) as string[][];
        const mine = groups.map((g) => Object.fromEntries(g.flatMap((v, i) => (i % 2 === 0 ? [[v, g[i + 1]]] : [])))).find((g) => g['name'] === keys.maintCaseServicesGroup);
        return mine?.['last-delivered-id'] === lastId && Number(mine['pending']) === 0;
      }, { what: 'the relay to handle every entry' });
      const history = await store.services(VIN);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ id: caseServiceId('rc-oil'), source: 'case', caseId: 'rc-oil', items: ['engine-oil'], odometerKm: 182_300, stationId: 'S1', atMs: Date.parse(repairedAt) });
      expect(await redis.sismember(keys.maintDirty, VIN)).toBe(1); // the next incremental scan moves the due dates
      expect((await store.lastServices([VIN])).get(VIN)?.['engine-oil']).toMatchObject({ cycle: caseServiceId('rc-oil'), odometerKm: 182_300 });
      // Recording the same case again changes nothing; a case not repaired records nothing.
      expect((await recorder.recordFromCase('rc-oil')).outcome).toBe('exists');
      cases.set('rc-open', caseOf('rc-open', [{ partNo: 'LUB-OIL-18', qty: 2, status: 'reserved' }], false));
      expect((await recorder.recordFromCase('rc-open')).outcome).toBe('not_repaired');
      expect(await store.services(VIN)).toHaveLength(1);
    } finally {
      await relay.stop();
    }
  });
});
