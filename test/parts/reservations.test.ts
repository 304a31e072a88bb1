// Parts reservations against a real Redis: the atomic per-location script, the station-first / first-courier
// source choice, release, consumption and the reconciler for holds nobody recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtaModel } from '../../core/eta.ts';
import { DEFAULT_PARTS } from '../../core/parts-catalog.ts';
import type { Depot } from '../../core/registry.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createPartsStore, type PartsStore } from '../../infra/parts-store.ts';
import { createPartsReservations, type PartsReservations } from '../../parts/reservations.ts';
import { clearNamespace, testServices } from '../harness/context.ts';

const services = testServices('partsres');
let redis: Redis;
let store: PartsStore;
let parts: PartsReservations;
const depot = (id: string, lat: number, lon: number): Depot => ({ id, name: id, lat, lon, region: '340100', partsCategories: ['cooling', 'engine', 'filters'], active: true });
// Hefei station; D-NEAR 60 km away, D-FAR ~400 km away.
const station = { id: 'S1', lat: 31.82, lon: 117.23 };
const depots = [depot('D-NEAR', 32.3, 117.4), depot('D-FAR', 34.7, 113.6)];

beforeAll(async () => {
  redis = createRedis(services, 'fail-fast');
  store = createPartsStore({ redis, prefix: services.redisPrefix });
  parts = createPartsReservations({
    store,
    depots: async () => depots,
    categoryOf: async (partNo) => DEFAULT_PARTS.find((p) => p.partNo === partNo)?.category,
    etaModel: createEtaModel({ circuity: 1.3 }),
    courier: { kmh: 60, handlingMin: 30 },
  });
});
afterAll(async () => {
  await clearNamespace(redis, services);
  redis.disconnect();
});

describe('parts reservations', () => {
  it('50 concurrent holders for a part with 10 units in the only depot: exactly 10 reserved, none negative, 40 unavailable with the next option', async () => {
    await store.replaceStock('depot:D-FAR', [{ partNo: 'COOL-WP-01', qty: 10 }]);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      parts.reserveKit({ holder: `rc-race-${i}`, lines: [{ partNo: 'COOL-WP-01', qty: 1 }], station })));
    const reserved = results.filter((r) => r[0]!.status === 'in_transit');
    const missing = results.filter((r) => r[0]!.status === 'unavailable');
    expect(reserved).toHaveLength(10);
    expect(missing).toHaveLength(40);
    for (const r of reserved) expect(r[0]).toMatchObject({ source: 'depot', depotId: 'D-FAR', qty: 1 });
    // The next option of a part nobody has: back-order at the depot carrying its category whose courier is first.
    for (const r of missing) expect(r[0]!.nextOption).toMatchObject({ action: 'backorder', depotId: 'D-NEAR' });
    expect(await store.stock('depot:D-FAR')).toEqual([{ partNo: 'COOL-WP-01', onHand: 10, reserved: 10, available: 0 }]);
    // Releasing one gives exactly one unit back; releasing it again changes nothing.
    const holderOf = results.indexOf(reserved[0]!);
    await parts.releaseKit(`rc-race-${holderOf}`, reserved[0]!);
    await parts.releaseKit(`rc-race-${holderOf}`, reserved[0]!);
    expect((await store.stock('depot:D-FAR'))[0]).toMatchObject({ reserved: 9, available: 1 });
  });

  it('takes the station\'s own shelf first, then the depot whose courier arrives first, with the ready time', async () => {
    await store.replaceStock('station:S1', [{ partNo: 'COOL-TS-01', qty: 1 }]);
    await store.replaceStock('depot:D-NEAR', [{ partNo: 'COOL-FL-10', qty: 5 }]);
    await store.replaceStock('depot:D-FAR', [{ partNo: 'COOL-FL-10', qty: 50 }, { partNo: 'COOL-WP-01', qty: 12 }]); // 9 of them still held by the race above
    const t0 = Date.now();
    const kit = await parts.reserveKit({ holder: 'rc-kit', station, lines: [{ partNo: 'COOL-TS-01', qty: 1 }, { partNo: 'COOL-FL-10', qty: 2 }, { partNo: 'COOL-WP-01', qty: 1 }] });
    const by = new Map(kit.map((p) => [p.partNo, p]));
    expect(by.get('COOL-TS-01')).toMatchObject({ source: 'station', status: 'reserved' });
    expect(by.get('COOL-FL-10')).toMatchObject({ source: 'depot', depotId: 'D-NEAR', status: 'in_transit' });
    expect(by.get('COOL-WP-01')).toMatchObject({ source: 'depot', depotId: 'D-FAR' });
    const near = by.get('COOL-FL-10')!;
    expect(Date.parse(near.readyAt!)).toBeGreaterThanOrEqual(t0 + near.courierMin! * 60_000 - 1000);
    expect(near.courierMin!).toBeLessThan(by.get('COOL-WP-01')!.courierMin!);
    // A repeat for the same holder (a retry after a crash) reserves nothing twice.
    await parts.reserveKit({ holder: 'rc-kit', station, lines: [{ partNo: 'COOL-TS-01', qty: 1 }] });
    expect((await store.stock('station:S1'))[0]).toMatchObject({ onHand: 1, reserved: 1 });

    // The repair used the thermostat, one can of coolant (of two) and the pump: consumed; the unused can is released.
    const after = await parts.consumeKit('rc-kit', 'S1', kit, [{ partNo: 'COOL-TS-01', qty: 1 }, { partNo: 'COOL-FL-10', qty: 1 }, { partNo: 'COOL-WP-01', qty: 1 }]);
    expect(after.find((p) => p.partNo === 'COOL-FL-10')).toMatchObject({ status: 'consumed', consumedQty: 1 });
    expect(await store.stock('station:S1')).toEqual([]);
    expect(await store.stock('depot:D-NEAR')).toEqual([{ partNo: 'COOL-FL-10', onHand: 4, reserved: 0, available: 4 }]);
  });

  it('refuses to consume more than the station has, changing nothing', async () => {
    await store.replaceStock('station:S1', [{ partNo: 'FLT-OF-01', qty: 1 }]);
    const kit = await parts.reserveKit({ holder: 'rc-over', station, lines: [{ partNo: 'FLT-OF-01', qty: 1 }] });
    await expect(parts.consumeKit('rc-over', 'S1', kit, [{ partNo: 'FLT-OF-01', qty: 3 }])).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.stock('station:S1')).toEqual([{ partNo: 'FLT-OF-01', onHand: 1, reserved: 1, available: 0 }]);
  });

  it('the reconciler releases a hold whose holder never recorded it, and keeps the wanted ones', async () => {
    await store.replaceStock('station:S1', [{ partNo: 'ENG-SS-01', qty: 2 }]);
    await store.reserve('station:S1', 'rc-orphan', [{ partNo: 'ENG-SS-01', qty: 1 }]);
    await store.reserve('station:S1', 'rc-kept', [{ partNo: 'ENG-SS-01', qty: 1 }]);
    const released = await parts.reconcile(async (_loc, holder) => (holder === 'rc-orphan' ? false : holder === 'rc-kept' ? true : undefined), -1000);
    expect(released).toBe(1);
    expect((await store.stock('station:S1'))[0]).toMatchObject({ onHand: 2, reserved: 1, available: 1 });
    expect(await store.hold('station:S1', 'rc-kept')).toEqual([{ partNo: 'ENG-SS-01', qty: 1 }]);
  });
});
