// Acceptance: an appointment reserves the parts kit (the repair loop's atomic reservation); cancelling
// releases it; completing it consumes the kit, records the service and moves the next due date. Also the
// bad input of appointments — outside opening hours, beyond the day's capacity, another tenant's truck — each
// a clear 4xx with nothing booked and no stock held. Real app (inject), real Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventInScope, type Caller, type CustomerScope } from '../../core/auth.ts';
import { LIVE_EVENT_FIELD, type LiveEvent } from '../../core/events.ts';
import { redisKeys } from '../../core/keys.ts';
import { cstDayStart, DAY_MS } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import { stockLocation } from '../../core/parts-plan.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { customers, stations, vin } from '../api/fixtures.ts';

const S1 = stockLocation('station', 'S1');
const KIT_PARTS = ['LUB-OIL-18', 'FLT-OF-01', 'FLT-FF-01'];
/** Tomorrow (China time) at `hour`:00, as ISO. */
const tomorrowAt = (hour: number, days = 1) => new Date(cstDayStart(Date.now()) + days * DAY_MS + hour * 3600_000).toISOString();

describe('service appointments', () => {
  let h: ApiHarness;
  let admin: string;
  let c1: string;
  let c2: string;
  let station: string;

  const free = async () => {
    const m = await h.api.repair.partsStore.available([S1], KIT_PARTS);
    return Object.fromEntries(KIT_PARTS.map((p) => [p, m.get(S1)?.get(p) ?? 0]));
  };
  /** The live events of one appointment, oldest first, as the API's SSE and the webhook relay read them. */
  const eventsOf = async (id: string): Promise<LiveEvent[]> =>
    (await h.redis.xrange(redisKeys(h.services.redisPrefix).events, '-', '+'))
      .map(([, fields]) => JSON.parse(fields[fields.indexOf(LIVE_EVENT_FIELD) + 1]!) as LiveEvent)
      .filter((e) => e.type.startsWith('maintenance.appointment.') && e.data['appointmentId'] === id);
  const count = async () => (await h.app.inject({ method: 'GET', url: '/v1/appointments', headers: h.auth(admin) })).json().length as number;

  beforeAll(async () => {
    h = await startApiHarness('maintapt');
    const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
    await registry.putMany('customer', customers);
    // S1 opens 08:00–18:00 with one service bay: 10 bay hours a day.
    await registry.putMany('station', stations.map((s) => (s.id === 'S1' ? { ...s, hours: '08:00-18:00', serviceBays: 1 } : s)));
    await registry.putMany('advisor', [{ id: 'A1', name: 'Advisor One', active: true }]);
    await registry.putMany('vehicle', [
      { vin: vin(1), customerId: 'C1', plate: '皖A12345', model: '6x4 tractor 460 hp', inServiceDate: '2025-01-01', homeRegion: '340100', active: true },
      { vin: vin(3), customerId: 'C2', plate: '粤B33333', model: '6x4 tractor 460 hp', inServiceDate: '2025-01-01', homeRegion: '440300', active: true },
    ]);
    await registry.assign('C1', { region: '340100', stationId: 'S1', advisorId: 'A1', assignedAt: new Date().toISOString(), assignedBy: 'test' });
    await h.api.maintenanceStore.putPlans(DEFAULT_MAINTENANCE_PLANS);
    // The truck was last seen in Hefei (340100): its fixed point there is S1.
    await h.api.maintenanceStore.putUsage([[vin(1), { atMs: Date.now(), odometerKm: 180_000, engineHours: 3300, kmPerDay: 600, hoursPerDay: 10, lat: 31.86, lon: 117.28 }]]);
    await h.api.repair.partsStore.replaceStock(S1, [{ partNo: 'LUB-OIL-18', qty: 4 }, { partNo: 'FLT-OF-01', qty: 2 }, { partNo: 'FLT-FF-01', qty: 2 }]);
    admin = await h.token('admin');
    c1 = await h.token('customer', { customerId: 'C1' });
    c2 = await h.token('customer', { customerId: 'C2' });
    station = await h.token('station', { stationId: 'S1' });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('proposes the customer\'s fixed point where the truck is', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/appointments/proposal?vin=${vin(1)}`, headers: h.auth(c1) });
    expect(res.json()).toMatchObject({ region: '340100', basis: 'prefecture', stationId: 'S1' });
  });

  it('refuses bad bookings with a 4xx and books nothing, holds nothing', async () => {
    const before = await free();
    const outside = await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c1), payload: { vin: vin(1), stationId: 'S1', items: ['engine-oil'], start: tomorrowAt(17.5) } });
    expect(outside.statusCode).toBe(400); // 17:30 + 1 h ends after 18:00
    expect(outside.json().details[0].field).toBe('body.start');
    const night = await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c1), payload: { vin: vin(1), stationId: 'S1', items: ['engine-oil'], start: tomorrowAt(21) } });
    expect(night.statusCode).toBe(400);
    const otherTenant = await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c2), payload: { vin: vin(1), stationId: 'S1', items: ['engine-oil'], start: tomorrowAt(9) } });
    expect(otherTenant.statusCode).toBe(404);
    const past = await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c1), payload: { vin: vin(1), stationId: 'S1', items: ['engine-oil'], start: new Date(Date.now() - 3600_000).toISOString() } });
    expect(past.statusCode).toBe(400);
    // Capacity: 10 bay hours on day +2; DPF/SCR (3 h) ×3 = 9 h fits, a fourth does not.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ok = await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(admin), payload: { vin: vin(1), stationId: 'S1', items: ['dpf-scr'], start: tomorrowAt(8 + i * 3, 2) } });
      expect(ok.statusCode).toBe(201);
      ids.push(ok.json().id);
    }
    const n = await count();
    const full = await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c1), payload: { vin: vin(1), stationId: 'S1', items: ['engine-oil', 'fuel-filters'], start: tomorrowAt(16, 2) } });
    expect(full.statusCode).toBe(409);
    expect(full.json().details[0]).toMatchObject({ field: 'body.start', message: expect.stringContaining('fully booked') });
    expect(await count()).toBe(n);
    expect(await free()).toEqual(before); // the DPF kits are not stocked at S1: nothing of the oil kit is held
    for (const id of ids) await h.app.inject({ method: 'POST', url: `/v1/appointments/${id}/cancel`, headers: h.auth(admin), payload: { reason: 'test cleanup' } });
    // The freed day takes the booking now.
    const fits = await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c1), payload: { vin: vin(1), stationId: 'S1', items: ['brakes'], start: tomorrowAt(16, 2) } });
    expect(fits.statusCode).toBe(201);
  });

  it('reserves the kit on booking and releases it on cancel', async () => {
    const before = await free();
    const res = await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c1), payload: { vin: vin(1), start: tomorrowAt(9), items: ['engine-oil', 'fuel-filters'] } });
    expect(res.statusCode).toBe(201);
    const apt = res.json() as { id: string; stationId: string; kit: Array<{ partNo: string; qty: number; status: string }> };
    expect(apt.stationId).toBe('S1'); // proposed: the fixed point
    expect(apt.kit.map((k) => [k.partNo, k.qty, k.status]).sort()).toEqual([['FLT-FF-01', 2, 'reserved'], ['FLT-OF-01', 1, 'reserved'], ['LUB-OIL-18', 2, 'reserved']]);
    expect(await free()).toEqual({ 'LUB-OIL-18': before['LUB-OIL-18']! - 2, 'FLT-OF-01': before['FLT-OF-01']! - 1, 'FLT-FF-01': before['FLT-FF-01']! - 2 });
    // Another tenant cannot see or cancel it.
    expect((await h.app.inject({ method: 'POST', url: `/v1/appointments/${apt.id}/cancel`, headers: h.auth(c2), payload: { reason: 'x' } })).statusCode).toBe(404);
    const cancelled = await h.app.inject({ method: 'POST', url: `/v1/appointments/${apt.id}/cancel`, headers: h.auth(c1), payload: { reason: 'truck sold' } });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    expect(cancelled.json().kit.every((k: { status: string }) => k.status === 'released')).toBe(true);
    expect(await free()).toEqual(before);
    // A cancelled appointment cannot be completed.
    expect((await h.app.inject({ method: 'POST', url: `/v1/appointments/${apt.id}/complete`, headers: h.auth(station), payload: { odometerKm: 181_000 } })).statusCode).toBe(409);
  });

  it('station proposes another time, the customer accepts, completing consumes the kit, records the service and moves the due date', async () => {
    const before = await free();
    const booked = (await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c1), payload: { vin: vin(1), stationId: 'S1', items: ['engine-oil'], start: tomorrowAt(10) } })).json() as { id: string };
    const proposed = await h.app.inject({ method: 'POST', url: `/v1/appointments/${booked.id}/propose`, headers: h.auth(station), payload: { start: tomorrowAt(14) } });
    expect(proposed.json()).toMatchObject({ status: 'proposed', startMs: Date.parse(tomorrowAt(14)) });
    const accepted = await h.app.inject({ method: 'POST', url: `/v1/appointments/${booked.id}/accept`, headers: h.auth(c1) });
    expect(accepted.json()).toMatchObject({ status: 'confirmed' });
    const beforeDue = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin(1)}/maintenance`, headers: h.auth(c1) })).json().due.items.find((i: { itemId: string }) => i.itemId === 'engine-oil');
    expect(beforeDue).toMatchObject({ cycle: 'initial', dueKm: 10_000, status: 'overdue' });

    const done = await h.app.inject({ method: 'POST', url: `/v1/appointments/${booked.id}/complete`, headers: h.auth(station), payload: { odometerKm: 180_400, engineHours: 3310 } });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'completed', serviceId: `svc-${booked.id}` });
    expect(done.json().kit.every((k: { status: string }) => k.status === 'consumed')).toBe(true);
    // Consumed: off the shelf for good.
    expect(await free()).toEqual({ ...before, 'LUB-OIL-18': before['LUB-OIL-18']! - 2, 'FLT-OF-01': before['FLT-OF-01']! - 1 });
    const services = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin(1)}/services`, headers: h.auth(c1) })).json() as Array<{ id: string; source: string; stationId: string; items: string[] }>;
    expect(services[0]).toMatchObject({ id: `svc-${booked.id}`, source: 'appointment', stationId: 'S1', items: ['engine-oil'] });
    const after = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin(1)}/maintenance`, headers: h.auth(c1) })).json().due.items.find((i: { itemId: string }) => i.itemId === 'engine-oil');
    expect(after).toMatchObject({ cycle: `svc-${booked.id}`, dueKm: 200_400, status: 'ok' });
    // One live event per change, in order.
    expect((await eventsOf(booked.id)).map((e) => [e.type, e.data['status']])).toEqual([
      ['maintenance.appointment.created', 'requested'], ['maintenance.appointment.proposed', 'proposed'],
      ['maintenance.appointment.confirmed', 'confirmed'], ['maintenance.appointment.completed', 'completed'],
    ]);
    expect((await eventsOf(booked.id)).at(-1)!.data).toMatchObject({ serviceId: `svc-${booked.id}`, stationId: 'S1', items: ['engine-oil'] });
    // The station sees its appointments; the other customer does not.
    expect(((await h.app.inject({ method: 'GET', url: '/v1/appointments', headers: h.auth(station) })).json() as unknown[]).length).toBeGreaterThan(0);
    expect((await h.app.inject({ method: 'GET', url: '/v1/appointments', headers: h.auth(c2) })).json()).toEqual([]);
  });

  it('each change is one live event, seen by the customer, its advisor, the station and agents, not by others', async () => {
    const booked = (await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c1), payload: { vin: vin(1), stationId: 'S1', items: ['air-filter'], start: tomorrowAt(9, 3) } })).json() as { id: string };
    expect((await h.app.inject({ method: 'POST', url: `/v1/appointments/${booked.id}/reschedule`, headers: h.auth(c1), payload: { start: tomorrowAt(11, 3) } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'POST', url: `/v1/appointments/${booked.id}/confirm`, headers: h.auth(station) })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'POST', url: `/v1/appointments/${booked.id}/no-show`, headers: h.auth(station) })).statusCode).toBe(200);
    // A refused change (no-show is final) adds no event.
    expect((await h.app.inject({ method: 'POST', url: `/v1/appointments/${booked.id}/cancel`, headers: h.auth(c1), payload: { reason: 'late' } })).statusCode).toBe(409);
    const events = await eventsOf(booked.id);
    expect(events.map((e) => e.type)).toEqual(['maintenance.appointment.created', 'maintenance.appointment.rescheduled', 'maintenance.appointment.confirmed', 'maintenance.appointment.no_show']);
    expect(events[1]!.data['start']).toBe(tomorrowAt(11, 3));

    const cancelled = (await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c1), payload: { vin: vin(1), stationId: 'S1', items: ['air-filter'], start: tomorrowAt(13, 3) } })).json() as { id: string };
    await h.app.inject({ method: 'POST', url: `/v1/appointments/${cancelled.id}/cancel`, headers: h.auth(c1), payload: { reason: 'truck away' } });
    expect((await eventsOf(cancelled.id)).map((e) => e.type)).toEqual(['maintenance.appointment.created', 'maintenance.appointment.cancelled']);

    const of = (customerIds: string[]): CustomerScope => ({ all: false, customerIds: new Set(customerIds) });
    const sees = (caller: Caller, scope: CustomerScope) => events.every((e) => eventInScope(caller, e, scope));
    expect(sees({ sub: 'c1', role: 'customer', customerId: 'C1' }, of(['C1']))).toBe(true);
    expect(sees({ sub: 'a1', role: 'advisor', advisorId: 'A1' }, of(['C1']))).toBe(true);
    expect(sees({ sub: 's1', role: 'station', stationId: 'S1' }, of([]))).toBe(true);
    expect(sees({ sub: 'agent', role: 'agent' }, { all: true })).toBe(true);
    expect(events.some((e) => eventInScope({ sub: 's2', role: 'station', stationId: 'S2' }, e, of([])))).toBe(false);
    expect(events.some((e) => eventInScope({ sub: 'c2', role: 'customer', customerId: 'C2' }, e, of(['C2'])))).toBe(false);
  });

  it('a completion refused for its odometer consumes nothing: stock, kit and appointment stay as they were', async () => {
    // Stocked afresh so that the kit is reserved whole whatever earlier tests consumed.
    await h.api.repair.partsStore.replaceStock(S1, [{ partNo: 'LUB-OIL-18', qty: 6 }, { partNo: 'FLT-OF-01', qty: 3 }, { partNo: 'FLT-FF-01', qty: 2 }]);
    const booked = (await h.app.inject({ method: 'POST', url: '/v1/appointments', headers: h.auth(c1), payload: { vin: vin(1), stationId: 'S1', items: ['engine-oil'], start: tomorrowAt(8, 4) } })).json() as { id: string; kit: Array<{ status: string }> };
    expect(booked.kit.length).toBeGreaterThan(0);
    expect(booked.kit.every((k) => k.status === 'reserved')).toBe(true);
    expect((await h.app.inject({ method: 'POST', url: `/v1/appointments/${booked.id}/confirm`, headers: h.auth(station) })).statusCode).toBe(200);
    const shelf = async () => Object.fromEntries((await h.api.repair.partsStore.stock(S1)).map((r) => [r.partNo, [r.onHand, r.reserved]]));
    const before = await shelf();
    expect(before['LUB-OIL-18']).toEqual([6, 2]);
    // An earlier test recorded a service at 180,400 km: 170,000 km now is refused, at the field.
    const refused = await h.app.inject({ method: 'POST', url: `/v1/appointments/${booked.id}/complete`, headers: h.auth(station), payload: { odometerKm: 170_000, engineHours: 3400 } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().details).toEqual([expect.objectContaining({ field: 'body.odometerKm' })]);
    expect(await shelf()).toEqual(before);
    const still = (await h.app.inject({ method: 'GET', url: `/v1/appointments/${booked.id}`, headers: h.auth(station) })).json() as { status: string; kit: Array<{ status: string }> };
    expect(still.status).toBe('confirmed');
    expect(still.kit.every((k) => k.status === 'reserved')).toBe(true);
    expect((await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin(1)}/services`, headers: h.auth(c1) })).json().some((s: { id: string }) => s.id === `svc-${booked.id}`)).toBe(false);
    // With the right odometer it completes and consumes the kit.
    const done = await h.app.inject({ method: 'POST', url: `/v1/appointments/${booked.id}/complete`, headers: h.auth(station), payload: { odometerKm: 181_000, engineHours: 3400 } });
    expect(done.statusCode).toBe(200);
    expect(await shelf()).toMatchObject({ 'LUB-OIL-18': [4, 0], 'FLT-OF-01': [2, 0] });
  });

  it('answers carry the names people read: the plate, model, customer and station, also for the station (which may not read the vehicle)', async () => {
    const list = (await h.app.inject({ method: 'GET', url: '/v1/appointments?limit=5', headers: h.auth(station) })).json() as Array<Record<string, unknown>>;
    expect(list.length).toBeGreaterThan(0);
    for (const a of list) {
      expect(a).toMatchObject({ vin: vin(1), plate: '皖A12345', model: '6x4 tractor 460 hp', customerName: 'Anhui Freight', stationId: 'S1', stationName: stations.find((s) => s.id === 'S1')!.name });
    }
    expect((await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin(1)}`, headers: h.auth(station) })).statusCode).toBe(404);
  });
});
