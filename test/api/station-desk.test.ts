// The station desk against the real app and Redis: a station reads its rescues with plate, customer, place
// and codes, takes vans out of service and closes itself, and the station record that dispatch reads
// carries both. Plates are unique among active vehicles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { startApiHarness, type ApiHarness } from './app-harness.ts';

let h: ApiHarness;
const vin = (n: number) => withCheckDigit(`LFWDESK00${String(n).padStart(8, '0')}`);

beforeAll(async () => {
  h = await startApiHarness('apidesk');
  const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
  await registry.putMany('customer', [{ id: 'shunda', name: '顺达物流', contactPhone: '+86 21 5555 0000', active: true }]);
  await registry.putMany('vehicle', [{ vin: vin(1), customerId: 'shunda', plate: '沪A12345', active: true }, { vin: vin(2), customerId: 'shunda', plate: '沪A54321', active: true }]);
  await registry.putMany('station', [{
    id: 'st-a', name: '浦东服务站', lat: 31.23, lon: 121.5, region: '310100', phone: '+86 21 6000 0001', hours: '24h',
    capabilities: ['heavy-duty', 'engine'], vans: 2, rating: 4, partsCategories: ['engine'], active: true,
  }, ...(['st-b', 'st-c'] as const).map((id, i) => ({
    id, name: `服务站 ${id}`, lat: 31.2 + i * 0.05, lon: 121.45, region: '310100', hours: '24h',
    capabilities: ['heavy-duty' as const, 'engine' as const], vans: 2, rating: 4, partsCategories: ['engine' as const], active: true,
  }))]);
  await h.redis.hset(redisKeys(h.services.redisPrefix).live(vin(1)), { customerId: 'shunda', dtcs: JSON.stringify([{ spn: 100, fmi: 1, oc: 1 }]), severity: 'critical' });
});
afterAll(async () => h?.close());

describe('station desk', () => {
  it('shows a station its offered case with plate, customer, place and the truck\'s codes', async () => {
    const agent = h.auth(await h.token('agent'));
    const created = await h.app.inject({ method: 'POST', url: '/v1/rescues', headers: agent, payload: { vin: vin(1), lat: 31.24, lon: 121.49 } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    // Assigned by hand: the station runs it.
    expect((await h.app.inject({ method: 'POST', url: `/v1/rescues/${id}/assign`, headers: agent, payload: { stationId: 'st-a', vanId: 'V1' } })).statusCode).toBe(200);
    const desk = (await h.app.inject({ method: 'GET', url: '/v1/station-desk', headers: h.auth(await h.token('station', { stationId: 'st-a' })) })).json();
    expect(desk.station).toMatchObject({ id: 'st-a', name: '浦东服务站', vans: 2, vansInUse: 1, closed: false });
    expect(desk.running).toHaveLength(1);
    expect(desk.running[0]).toMatchObject({ id, plate: '沪A12345', customerName: '顺达物流', place: { regionName: '上海' }, dtcs: [{ spn: 100, fmi: 1 }], launch: { vanId: 'V1' } });
  });

  it('shows the station that lost an offer its own offer only, never who got the case', async () => {
    const agent = h.auth(await h.token('agent'));
    const created = await h.app.inject({ method: 'POST', url: '/v1/rescues', headers: agent, payload: { vin: vin(2), lat: 31.22, lon: 121.46 } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    // The dispatcher's offer to st-c (no dispatcher runs here: the case store commits the same action)…
    await h.api.cases.apply(id, {
      type: 'offer', stationId: 'st-c', etaMin: 25, distanceKm: 6, timeoutS: 180,
      candidates: [
        { stationId: 'st-c', distanceKm: 6, etaMin: 25, kept: true, reason: 'ranked', rank: 1 },
        { stationId: 'st-b', distanceKm: 3, etaMin: 18, kept: true, reason: 'ranked', rank: 2 },
      ],
      partsDepots: [],
    }, { kind: 'dispatcher', id: 'test' }, () => 2);
    // …withdrawn when an agent gives the case to st-b by hand.
    expect((await h.app.inject({ method: 'POST', url: `/v1/rescues/${id}/assign`, headers: agent, payload: { stationId: 'st-b', vanId: 'VB' } })).statusCode).toBe(200);
    const deskOf = async (stationId: string) => (await h.app.inject({ method: 'GET', url: '/v1/station-desk', headers: h.auth(await h.token('station', { stationId })) })).json();
    const loser = await deskOf('st-c');
    const seen = [...loser.offers, ...loser.running, ...loser.history].filter((c: { id: string }) => c.id === id);
    expect(seen).toHaveLength(1);
    expect(seen[0].offer).toMatchObject({ outcome: 'withdrawn', etaMin: 25 });
    expect(seen[0].launch).toBeUndefined();
    expect(JSON.stringify(loser)).not.toContain('st-b');
    const winner = await deskOf('st-b');
    const running = winner.running.filter((c: { id: string }) => c.id === id);
    expect(running).toHaveLength(1);
    expect(running[0].launch).toMatchObject({ vanId: 'VB' });
    expect(running[0].offer).toBeUndefined();
    expect(JSON.stringify(winner)).not.toContain('st-c');
  });

  it('lets the station take vans out of service and close itself; the record dispatch reads carries both', async () => {
    const station = h.auth(await h.token('station', { stationId: 'st-a' }));
    const patched = await h.app.inject({ method: 'PATCH', url: '/v1/station-desk', headers: station, payload: { vans: 1, closed: true } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ vans: 1, closed: true });
    const record = (await h.app.inject({ method: 'GET', url: '/v1/stations/st-a', headers: h.auth(await h.token('agent')) })).json();
    expect(record).toMatchObject({ vans: 1, closed: true });
    // Reopened: the flag is gone from the record, not merely false.
    await h.app.inject({ method: 'PATCH', url: '/v1/station-desk', headers: station, payload: { closed: false } });
    expect((await h.app.inject({ method: 'GET', url: '/v1/stations/st-a', headers: h.auth(await h.token('agent')) })).json().closed).toBeUndefined();
    // Other roles have no desk; a station cannot set fields other than its switches.
    expect((await h.app.inject({ method: 'PATCH', url: '/v1/station-desk', headers: h.auth(await h.token('agent')), payload: { vans: 3 } })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'PATCH', url: '/v1/station-desk', headers: station, payload: { rating: 5 } })).statusCode).toBe(400);
  });
});

describe('plates', () => {
  it('refuses a plate already used by another active vehicle, however it is typed', async () => {
    const admin = h.auth(await h.token('admin'));
    const res = await h.app.inject({ method: 'POST', url: '/v1/vehicles', headers: admin, payload: { vin: vin(3), customerId: 'shunda', plate: '沪a·12345', active: true } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'conflict', details: [{ field: 'body.plate' }] });
    const edit = await h.app.inject({ method: 'PATCH', url: `/v1/vehicles/${vin(2)}`, headers: admin, payload: { plate: '沪A12345' } });
    expect(edit.statusCode).toBe(409);
    // The vehicle keeps its own plate on an unrelated edit.
    expect((await h.app.inject({ method: 'PATCH', url: `/v1/vehicles/${vin(1)}`, headers: admin, payload: { model: 'J7' } })).statusCode).toBe(200);
  });
});
