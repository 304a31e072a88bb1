// The repair API's races, calendar and bad input, against the real API and Redis: 50 cases for 10 units,
// complaints due on the Chinese working calendar (set through the API, with an injected clock), and every
// bad input of docs/repair.md answered with a clear 4xx that changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Customer, Depot, Station, Vehicle } from '../../core/registry.ts';
import type { RescueCase } from '../../core/rescue-case.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { vin } from '../api/fixtures.ts';
import { escalateOverdueComplaints } from '../../complaints/complaints.ts';
import { createComplaintStore } from '../../infra/complaint-store.ts';

let h: ApiHarness;
let admin: { authorization: string };
let clockOffsetMs = 0;
const hefei = { lat: 31.82, lon: 117.23 };
const station: Station = {
  id: 'PS1', name: 'Hefei Parts Test', lat: 31.85, lon: 117.25, region: '340100', hours: '24h', vans: 100, rating: 4.2,
  capabilities: ['heavy-duty', 'engine'], partsCategories: ['engine'], active: true,
};
const onlyDepot: Depot = { id: 'PD1', name: 'Only depot', lat: 32.0, lon: 117.4, region: '340100', partsCategories: ['engine'], active: true };
const customers: Customer[] = [{ id: 'PC1', name: 'Parts Freight', active: true }, { id: 'PC2', name: 'Someone Else', active: true }];
const fleet: Vehicle[] = Array.from({ length: 50 }, (_, i) => ({ vin: vin(7000 + i), customerId: 'PC1', active: true }));
const otherTruck: Vehicle = { vin: vin(7999), customerId: 'PC2', active: true };

const post = (url: string, payload: unknown, headers = admin) => h.app.inject({ method: 'POST', url, headers, payload: payload as object });
const put = (url: string, payload: unknown, headers = admin) => h.app.inject({ method: 'PUT', url, headers, payload: payload as object });
const get = (url: string, headers = admin) => h.app.inject({ method: 'GET', url, headers });

beforeAll(async () => {
  h = await startApiHarness('repairapi', { now: () => new Date(Date.now() + clockOffsetMs) });
  admin = h.auth(await h.token('admin'));
  for (const [kind, rows] of [['customers', customers], ['stations', [station]], ['depots', [onlyDepot]], ['vehicles', [...fleet, otherTruck]]] as const) {
    const res = await post(`/v1/import/${kind}`, rows);
    expect(res.statusCode, res.body).toBe(200);
  }
  // Every truck reports engine overspeed (SPN 190 FMI 0): its likely part is one engine speed sensor.
  for (const v of [...fleet, otherTruck]) await h.redis.hset(h.api.keys.live(v.vin), { lat: hefei.lat, lon: hefei.lon, dtcs: JSON.stringify([{ spn: 190, fmi: 0, oc: 1 }]) });
});
afterAll(async () => h?.close());

describe('parts reservations through the API', () => {
  it('50 cases launched at once for a part with 10 units in the only depot: exactly 10 reservations, no negative stock, 40 unavailable with the next option', async () => {
    expect((await put('/v1/depots/PD1/stock', { items: [{ partNo: 'ENG-SS-01', qty: 10 }] })).statusCode).toBe(200);
    const opened = await Promise.all(fleet.map((v) => post('/v1/rescues', { vin: v.vin })));
    const ids = opened.map((r) => (r.json() as RescueCase).id);
    const launched = await Promise.all(ids.map((id) => post(`/v1/rescues/${id}/assign`, { stationId: 'PS1', etaMin: 30 })));
    for (const r of launched) expect(r.statusCode, r.body).toBe(200);
    const sensors = launched.map((r) => (r.json() as RescueCase).parts!.find((p) => p.partNo === 'ENG-SS-01')!);
    expect(sensors.filter((p) => p.status === 'in_transit' && p.depotId === 'PD1')).toHaveLength(10);
    const missing = sensors.filter((p) => p.status === 'unavailable');
    expect(missing).toHaveLength(40);
    for (const p of missing) expect(p.nextOption).toEqual({ action: 'backorder', depotId: 'PD1', courierMin: expect.any(Number) });
    expect((await get('/v1/depots/PD1/stock')).json().items).toEqual([{ partNo: 'ENG-SS-01', onHand: 10, reserved: 10, available: 0 }]);

    // Cancelling one gives its unit back; a missing part can then be reserved for another case.
    const holder = ids[sensors.findIndex((p) => p.status === 'in_transit')]!;
    const cancelled = await post(`/v1/rescues/${holder}/cancel`, { reason: 'driver fixed it' });
    expect(cancelled.json().parts[0].status).toBe('released');
    expect((await get('/v1/depots/PD1/stock')).json().items[0]).toMatchObject({ reserved: 9, available: 1 });
    const waiting = ids[sensors.findIndex((p) => p.status === 'unavailable')]!;
    const retried = await post(`/v1/rescues/${waiting}/parts/reserve`, undefined);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json().parts[0]).toMatchObject({ status: 'in_transit', depotId: 'PD1' });
    expect((await get('/v1/depots/PD1/stock')).json().items[0]).toMatchObject({ reserved: 10, available: 0 });
  });

  it('a hold left by a process killed between reserving and committing is released by the reconciler; holds a case lists stay', async () => {
    expect((await put('/v1/depots/PD1/stock', { items: [{ partNo: 'ENG-SS-01', qty: 12 }] })).statusCode).toBe(200); // 2 free beside the 10 held
    const opened = (await post('/v1/rescues', { vin: otherTruck.vin })).json() as RescueCase;
    // The accept's first step ran (the kit is held for the case), then the process died before the launch commit.
    const station = (await h.api.registry.get('station', 'PS1'))!;
    const orphan = await h.api.repair.caseParts.reserveFor(opened, station);
    expect(orphan[0]).toMatchObject({ partNo: 'ENG-SS-01', status: 'in_transit' });
    expect((await get('/v1/depots/PD1/stock')).json().items[0]).toMatchObject({ reserved: 11, available: 1 });
    // The sweep's reconciler (grace 0 here): the case does not list the hold → released; the 10 launched cases keep theirs.
    const released = await h.api.repair.reservations.reconcile(h.api.repair.caseParts.wants, -1000);
    expect(released).toBe(1);
    expect((await get('/v1/depots/PD1/stock')).json().items[0]).toMatchObject({ reserved: 10, available: 2 });
    expect(await post(`/v1/rescues/${opened.id}/cancel`, { reason: 'test over' })).toMatchObject({ statusCode: 200 });
  });

  it('the catalog answers the depots\' names with include=depots (one request for a case page), and refuses an unknown include', async () => {
    const customer = h.auth(await h.token('customer', { customerId: customers[0]!.id }));
    const plain = (await h.app.inject({ method: 'GET', url: '/v1/parts', headers: customer })).json();
    expect(plain.depots).toBeUndefined();
    expect(plain.items.length).toBeGreaterThan(10);
    const both = await h.app.inject({ method: 'GET', url: '/v1/parts?include=depots', headers: customer });
    expect(both.statusCode, both.body).toBe(200);
    expect(both.json().depots).toEqual([{ id: 'PD1', name: 'Only depot', region: '340100' }]);
    expect(both.json().items).toEqual(plain.items);
    const bad = await h.app.inject({ method: 'GET', url: '/v1/parts?include=stations', headers: customer });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].field).toMatch(/include/);
  });

  it('the stock import replaces each named shelf, all or nothing', async () => {
    const csv = 'kind,id,partNo,qty\nstation,PS1,FLT-OF-01,4\nstation,PS1,LUB-OIL-18,6\n';
    const ok = await h.app.inject({ method: 'POST', url: '/v1/import/stock', headers: { ...admin, 'content-type': 'text/csv' }, payload: csv });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await get('/v1/stations/PS1/stock')).json().items.map((i: { partNo: string; onHand: number }) => [i.partNo, i.onHand])).toEqual([['FLT-OF-01', 4], ['LUB-OIL-18', 6]]);
    const bad = await post('/v1/import/stock', [{ kind: 'station', id: 'PS1', partNo: 'FLT-OF-01', qty: 1 }, { kind: 'station', id: 'PS1', partNo: 'FLT-FF-01', qty: 2.5 }]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([{ field: 'rows[2].qty', message: 'must be a whole number ≥ 0' }]);
    expect((await get('/v1/stations/PS1/stock')).json().items).toHaveLength(2);
  });
});

describe('complaints on the Chinese working calendar', () => {
  it('filed on the last working day before National Day, due at the end of the second working day after it, an adjusted working Saturday included', async () => {
    // The test's own schedule for 2027, set through the API: National Day 1–7 October off (the weekdays 1, 4–7 Oct
    // listed), Sunday 26 Sep and Saturday 9 Oct adjusted working days.
    const calendar = { holidays: ['2027-10-01', '2027-10-04', '2027-10-05', '2027-10-06', '2027-10-07'], workdays: ['2027-09-26', '2027-10-09'], source: 'test schedule' };
    const set = await put('/v1/calendar/2027', calendar);
    expect(set.statusCode, set.body).toBe(200);
    expect((await get('/v1/calendar/2027')).json()).toMatchObject({ year: 2027, workdays: ['2027-09-26', '2027-10-09'] });

    // Thursday 30 September 2027, 16:00 China time: the last working day before the holiday.
    clockOffsetMs = Date.parse('2027-09-30T08:00:00Z') - Date.now();
    try {
      const customer = h.auth(await h.token('customer', { customerId: 'PC1' }));
      const filed = await post('/v1/complaints', { stationId: 'PS1', text: '服务站响应太慢' }, customer);
      expect(filed.statusCode, filed.body).toBe(201);
      // Working days after it: Friday 8 October (1), Saturday 9 October (2, adjusted) → due at 24:00 China time on the 9th.
      expect(filed.json()).toMatchObject({ customerId: 'PC1', stationId: 'PS1', status: 'open', answerDue: '2027-10-09T16:00:00.000Z' });
      const stationAuth = h.auth(await h.token('station', { stationId: 'PS1' }));
      expect((await get('/v1/complaints', stationAuth)).json().items.map((c: { id: string }) => c.id)).toEqual([filed.json().id]);
      const answered = await post(`/v1/complaints/${filed.json().id}/answer`, { text: '已加派人手' }, stationAuth);
      expect(answered.json()).toMatchObject({ status: 'answered', answer: { inTime: true } });
      expect((await post(`/v1/complaints/${filed.json().id}/close`, {}, customer)).json().status).toBe('closed');
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('the seeded 2025 schedule: filed Tuesday 30 Sep 2025, due end of Friday 10 Oct (1–8 Oct off)', async () => {
    clockOffsetMs = Date.parse('2025-09-30T02:00:00Z') - Date.now();
    try {
      const filed = await post('/v1/complaints', { stationId: 'PS1', text: 'slow', customerId: 'PC1' }, h.auth(await h.token('advisor', { advisorId: 'none' })));
      expect(filed.statusCode).toBe(404); // an advisor who does not look after PC1 cannot file for it
      const ok = await post('/v1/complaints', { stationId: 'PS1', text: 'slow' }, h.auth(await h.token('customer', { customerId: 'PC1' })));
      expect(ok.json().answerDue).toBe('2025-10-10T16:00:00.000Z');
      // Nobody answers: once the due time has passed the dispatcher's sweep escalates it, once.
      const later = new Date('2025-10-10T16:00:01Z');
      const store = createComplaintStore({ redis: h.redis, prefix: h.services.redisPrefix, now: () => later });
      expect(await escalateOverdueComplaints(store, new Date('2025-10-10T15:59:59Z'))).toBe(0);
      expect(await escalateOverdueComplaints(store, later)).toBe(1);
      expect(await escalateOverdueComplaints(store, later)).toBe(0);
      const seen = (await get(`/v1/complaints/${ok.json().id}`)).json();
      expect(seen).toMatchObject({ status: 'open', escalated: true, escalatedAt: later.toISOString() });
      clockOffsetMs = later.getTime() - Date.now();
      expect((await get('/v1/complaints?overdue=true')).json().items.map((c: { id: string }) => c.id)).toContain(ok.json().id);
    } finally {
      clockOffsetMs = 0;
    }
  });
});

describe('bad input: a clear 4xx and nothing changed', () => {
  let repairedCase: RescueCase;
  const customerOf = async (customerId: string) => h.auth(await h.token('customer', { customerId }));

  beforeAll(async () => {
    const v = fleet[49]!.vin;
    const open = (await get(`/v1/rescues?vin=${v}`)).json().items.find((c: RescueCase) => c.status === 'launched') as RescueCase;
    for (const status of ['on_site', 'repaired']) expect((await post(`/v1/rescues/${open.id}/status`, { status })).statusCode).toBe(200);
    repairedCase = (await get(`/v1/rescues/${open.id}`)).json();
  });

  it('a rating outside 1–5 (400) or a second rating (409)', async () => {
    const customer = await customerOf('PC1');
    for (const score of [0, 6, 3.5]) expect((await post(`/v1/rescues/${repairedCase.id}/rating`, { score }, customer)).statusCode).toBe(400);
    expect((await get(`/v1/rescues/${repairedCase.id}`)).json().rating).toBeUndefined();
    expect((await post(`/v1/rescues/${repairedCase.id}/rating`, { score: 5 }, customer)).statusCode).toBe(200);
    const second = await post(`/v1/rescues/${repairedCase.id}/rating`, { score: 1 }, customer);
    expect(second.statusCode).toBe(409);
    expect(second.json().details).toEqual([{ field: 'body.score', message: 'a case is rated once' }]);
    expect((await get(`/v1/rescues/${repairedCase.id}`)).json().rating.score).toBe(5);
  });

  it('a complaint or rating on another tenant\'s case: 404', async () => {
    const stranger = await customerOf('PC2');
    const version = (await get(`/v1/rescues/${repairedCase.id}`)).json().version;
    expect((await post(`/v1/rescues/${repairedCase.id}/rating`, { score: 1 }, stranger)).statusCode).toBe(404);
    expect((await post('/v1/complaints', { caseId: repairedCase.id, text: 'not mine' }, stranger)).statusCode).toBe(404);
    expect((await get(`/v1/rescues/${repairedCase.id}`)).json().version).toBe(version);
    expect((await get('/v1/complaints', stranger)).json().items).toEqual([]);
  });

  it('stock with a negative or fractional quantity, or an unknown part: 400', async () => {
    const before = (await get('/v1/stations/PS1/stock')).json();
    for (const items of [[{ partNo: 'FLT-OF-01', qty: -1 }], [{ partNo: 'FLT-OF-01', qty: 1.5 }]]) {
      const res = await put('/v1/stations/PS1/stock', { items });
      expect(res.statusCode).toBe(400);
      expect(res.json().details[0].field).toBe('body.items.0.qty');
    }
    const unknown = await put('/v1/stations/PS1/stock', { items: [{ partNo: 'NO-SUCH-PART', qty: 1 }] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().details).toEqual([{ field: 'body.items[0].partNo', message: 'NO-SUCH-PART is not in the parts catalog' }]);
    expect((await get('/v1/stations/PS1/stock')).json()).toEqual(before);
  });

  it('a status move that skips the lifecycle: 409', async () => {
    const opened = (await post('/v1/rescues', { vin: otherTruck.vin })).json() as RescueCase;
    await post(`/v1/rescues/${opened.id}/assign`, { stationId: 'PS1' });
    for (const status of ['repaired', 'repairing', 'closed']) {
      const res = await post(`/v1/rescues/${opened.id}/status`, { status });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('invalid_transition');
    }
    const after = (await get(`/v1/rescues/${opened.id}`)).json() as RescueCase;
    expect(after.status).toBe('launched');
    expect(after.parts!.some((p) => p.status === 'in_transit' || p.status === 'unavailable')).toBe(true);
  });

  it('reserving parts for a closed case: 409', async () => {
    expect((await post(`/v1/rescues/${repairedCase.id}/status`, { status: 'closed' })).statusCode).toBe(200);
    const stock = (await get('/v1/depots/PD1/stock')).json();
    const res = await post(`/v1/rescues/${repairedCase.id}/parts/reserve`, undefined);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('invalid_transition');
    expect((await get('/v1/depots/PD1/stock')).json()).toEqual(stock);
  });
});
