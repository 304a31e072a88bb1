// Fixed-point preference and the parts-depot record, through the real dispatcher on a tiny network.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ETA_MODEL, etaMinutes, greatCircleKm } from '../../core/eta.ts';
import type { Depot, Station } from '../../core/registry.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { addFaultEvent, createRig, type DispatchRig } from './setup.ts';
import { makeCustomer, makeVehicles, redStopEvent } from './fixtures.ts';

const services = testServices('dispatchprefs');
const truckAt = { lat: 36.06, lon: 103.83 };
const station = (id: string, dLat: number, mobilisationMin: number, parts: Station['partsCategories']): Station => ({
  id, name: id, lat: truckAt.lat + dLat, lon: truckAt.lon, region: '620100', hours: '24h',
  capabilities: ['heavy-duty', 'engine'], vans: 2, rating: 4, partsCategories: parts, mobilisationMin, active: true,
});
// Best ETA: `quick` (no lubricants in stock); `fixed` is 3–4 min slower; `far` is much slower.
const stations = [station('quick', 0.02, 10, ['tyre']), station('fixed', 0.03, 12, ['lubricants']), station('far', 0.4, 10, ['lubricants'])];
const depots: Depot[] = [
  { id: 'depot-near-no-oil', name: 'A', lat: truckAt.lat, lon: truckAt.lon + 0.1, region: '620100', partsCategories: ['tyre'], active: true },
  { id: 'depot-oil', name: 'B', lat: truckAt.lat - 0.5, lon: truckAt.lon, region: '620100', partsCategories: ['lubricants', 'engine'], active: true },
];
const [withFixedPoint, without] = [makeVehicles('fp', 1, 9700)[0]!, makeVehicles('plain', 1, 9800)[0]!];
let rig: DispatchRig;

beforeAll(async () => {
  rig = await createRig(services, { FIXED_POINT_MARGIN_MIN: '5' }, {
    stations, customers: [makeCustomer('fp'), makeCustomer('plain')], vehicles: [withFixedPoint, without],
  });
  await rig.registry.putMany('depot', depots);
  await rig.registry.assign('fp', { region: '620100', stationId: 'fixed', advisorId: 'adv-lz', assignedAt: new Date().toISOString(), assignedBy: 'test' });
  await rig.startDispatcher();
});
afterAll(async () => {
  await rig?.close();
});

async function firstOffer(vin: string) {
  return waitFor(async () => {
    const ids = await rig.redis.zrange(rig.keys.vehicleCases(vin), 0, -1);
    const c = ids[0] ? await rig.store.get(ids[0]) : undefined;
    return c?.status === 'offered' ? c : undefined;
  }, { what: `offer for ${vin}` });
}

describe('candidate preferences', () => {
  it('sanity: quick is the least-ETA station and fixed is within the 5 min margin', () => {
    const [q, f] = [etaMinutes(stations[0]!, truckAt, DEFAULT_ETA_MODEL), etaMinutes(stations[1]!, truckAt, DEFAULT_ETA_MODEL)];
    expect(q).toBeLessThan(f);
    expect(f - q).toBeLessThan(5);
  });

  it('offers the customer\'s fixed point when it is within the margin of the best ETA', async () => {
    await addFaultEvent(rig.faultQueue, redStopEvent(withFixedPoint.vin, 'fp', truckAt, { spn: 100 }));
    const c = await firstOffer(withFixedPoint.vin);
    expect(c.offers[0]!.stationId).toBe('fixed');
    expect(c.candidates.find((d) => d.stationId === 'fixed')).toMatchObject({ kept: true, rank: 1, reason: 'fixed_point_preferred', fixedPoint: true });
    expect(c.candidates.find((d) => d.stationId === 'quick')).toMatchObject({ kept: true, rank: 2, reason: 'ranked' });
    expect(c.partsDepots).toEqual([]); // the fixed point stocks lubricants
  });

  it('without a fixed point offers the least ETA and records the nearest depot with the missing parts', async () => {
    await addFaultEvent(rig.faultQueue, redStopEvent(without.vin, 'plain', truckAt, { spn: 100 }));
    const c = await firstOffer(without.vin);
    expect(c.offers[0]!.stationId).toBe('quick');
    expect(c.partsCategories).toEqual(['lubricants']);
    expect(c.partsDepots).toHaveLength(1);
    expect(c.partsDepots[0]).toMatchObject({ category: 'lubricants', depotId: 'depot-oil' });
    expect(c.partsDepots[0]!.distanceKm).toBeCloseTo(greatCircleKm(truckAt.lat, truckAt.lon, depots[1]!.lat, depots[1]!.lon), 0);
    expect(c.partsDepots[0]!.etaMin).toBeGreaterThan(0);
  });

  it('escalation names the advisor of the fixed-point assignment nearest the truck', async () => {
    const c = (await rig.store.page([{ kind: 'vehicle', id: withFixedPoint.vin }], { limit: 1, keep: () => true })).items[0]!;
    await rig.commands.decline(c.id, 'fixed', 'busy', { kind: 'station', id: 'fixed' });
    const next = await waitFor(async () => {
      const x = await rig.store.get(c.id);
      return x && x.offers.length === 2 && x.status === 'offered' ? x : undefined;
    }, { what: 'second offer' });
    for (const s of [next.offers[1]!.stationId]) await rig.commands.decline(c.id, s, 'busy', { kind: 'station', id: s });
    const third = await waitFor(async () => {
      const x = await rig.store.get(c.id);
      return x && x.offers.length === 3 && x.status === 'offered' ? x : undefined;
    }, { what: 'third offer' });
    const last = third.offers[2]!.stationId;
    await rig.commands.decline(c.id, last, 'busy', { kind: 'station', id: last });
    const escalated = await waitFor(async () => {
      const x = await rig.store.get(c.id);
      return x?.escalated ? x : undefined;
    }, { what: 'escalation: no candidate left' });
    expect(escalated.escalationReason).toBe('no_candidate_left');
    expect(escalated.advisorId).toBe('adv-lz');
    expect(escalated.candidates.length).toBeGreaterThan(0);
    expect(escalated.candidates.every((d) => !d.kept)).toBe(true);
  });
});
