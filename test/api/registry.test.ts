import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etaMinutes } from '../../core/eta.ts';
import { redisKeys } from '../../core/keys.ts';
import { startApiHarness, type ApiHarness } from './app-harness.ts';
import * as net from './fixtures.ts';

let h: ApiHarness;
let admin: Record<string, string>;

async function importKind(kind: string, rows: unknown) {
  return h.app.inject({ method: 'POST', url: `/v1/import/${kind}`, headers: admin, payload: rows as object });
}

beforeAll(async () => {
  h = await startApiHarness('apiregistry');
  admin = h.auth(await h.token('admin'));
  for (const [kind, rows] of [['advisors', net.advisors], ['customers', net.customers], ['stations', net.stations], ['depots', net.depots], ['vehicles', net.vehicles]] as const) {
    const res = await importKind(kind, rows);
    expect(res.statusCode, res.body).toBe(200);
  }
});
afterAll(async () => h?.close());

describe('import through the API', () => {
  it('re-importing the same file changes nothing', async () => {
    const res = await importKind('stations', net.stations);
    expect(res.json()).toEqual({ kind: 'station', rows: 5, created: 0, updated: 0, unchanged: 5 });
  });

  it('a file with a bad row imports nothing and names row and field', async () => {
    const rows = [
      { ...net.stations[0]!, id: 'NEW1' },
      { ...net.stations[0]!, id: 'NEW2', lat: 123 },
      { ...net.stations[0]!, id: 'NEW3', region: '349900' },
    ];
    const res = await importKind('stations', rows);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toBe('validation_failed');
    expect(body.details).toEqual([
      { field: 'rows[2].lat', message: 'must be <= 90' },
      { field: 'rows[3].region', message: 'unknown region code 349900' },
    ]);
    const misplaced = await importKind('stations', [{ ...net.stations[0]!, id: 'NEW4', region: '440300' }]);
    expect(misplaced.json().details[0]).toMatchObject({ field: 'rows[1].region', message: expect.stringContaining('lies in 340100') });
    const check = await h.app.inject({ method: 'GET', url: '/v1/stations/NEW1', headers: admin });
    expect(check.statusCode).toBe(404);
  });

  it('imports CSV with typed cells and refuses unknown customers of vehicles', async () => {
    const csv = 'id,name,lat,lon,region,hours,capabilities,vans,rating,partsCategories,active\n' +
      'CSV1,Csv Station,31.7,117.3,340100,08:00-20:00,heavy-duty;engine,3,4.1,engine|filters,true\n';
    const res = await h.app.inject({ method: 'POST', url: '/v1/import/stations', headers: { ...admin, 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode, res.body).toBe(200);
    const station = (await h.app.inject({ method: 'GET', url: '/v1/stations/CSV1', headers: admin })).json();
    expect(station).toMatchObject({ vans: 3, rating: 4.1, capabilities: ['heavy-duty', 'engine'], partsCategories: ['engine', 'filters'] });
    const bad = await importKind('vehicles', [{ vin: net.vin(99), customerId: 'NOPE' }]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0]).toEqual({ field: 'rows[1].customerId', message: 'unknown customer NOPE' });
  });
});

describe('assignment import', () => {
  it('imports grouped assignments with the rules applied, all or nothing, idempotent', async () => {
    const bad = await importKind('assignments', [{ customerId: 'C2', assignments: [{ region: '440300', stationId: 'S3', advisorId: 'A2' }, { region: '440300', stationId: 'S1', advisorId: 'A2' }] }]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0]).toEqual({ field: 'rows[1].assignments.1.region', message: 'region 440300 is assigned twice' });
    const tooFar = await importKind('assignments', [{ customerId: 'C2', region: '440300', stationId: 'S1', advisorId: 'A2' }]);
    expect(tooFar.json().details[0]).toMatchObject({ field: 'rows[1].stationId', message: expect.stringContaining('neither in nor adjacent') });
    const rows = [{ customerId: 'C2', assignments: [{ region: '440300', stationId: 'S3', advisorId: 'A2', reason: 'contract' }] }];
    expect((await importKind('assignments', rows)).json()).toMatchObject({ rows: 1, created: 1, unchanged: 0 });
    expect((await importKind('assignments', rows)).json()).toMatchObject({ rows: 1, created: 0, unchanged: 1 });
    const view = (await h.app.inject({ method: 'GET', url: '/v1/customers/C2/assignments', headers: admin })).json();
    expect(view.history).toHaveLength(1);
    expect(view.history[0]).toMatchObject({ stationId: 'S3', assignedBy: 'admin:admin-user', reason: 'contract' });
  });
});

describe('registry CRUD', () => {
  it('lists with filters and pagination', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/stations?region=340000&capability=heavy-duty&active=true&limit=1', headers: admin });
    expect(res.statusCode).toBe(200);
    const page = res.json();
    expect(page.total).toBe(3); // CSV1, S1, S2 (Chuzhou is in Anhui too); S5 inactive, S4 lacks heavy-duty
    expect(page.items.map((s: { id: string }) => s.id)).toEqual(['CSV1']);
    const next = (await h.app.inject({ method: 'GET', url: '/v1/stations?region=340000&capability=heavy-duty&active=true&limit=1&offset=1', headers: admin })).json();
    expect(next.items.map((s: { id: string }) => s.id)).toEqual(['S1']);
  });

  it('pages an unfiltered list by id', async () => {
    const sorted = net.vehicles.map((v) => v.vin).sort();
    const page = (await h.app.inject({ method: 'GET', url: '/v1/vehicles?limit=2&offset=1', headers: admin })).json();
    expect(page).toMatchObject({ total: 3, offset: 1, limit: 2 });
    expect(page.items.map((v: { vin: string }) => v.vin)).toEqual(sorted.slice(1, 3));
    const customer = h.auth(await h.token('customer', { customerId: 'C1' }));
    const own = (await h.app.inject({ method: 'GET', url: '/v1/vehicles?limit=1', headers: customer })).json();
    expect(own.total).toBe(2);
    expect(own.items.map((v: { vin: string }) => v.vin)).toEqual([[net.vin(1), net.vin(2)].sort()[0]]);
  });

  it('creates, refuses duplicates, patches, deactivates', async () => {
    const body = { id: 'A9', name: 'New Advisor', region: '340100' };
    const created = await h.app.inject({ method: 'POST', url: '/v1/advisors', headers: admin, payload: body });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ ...body, active: true });
    const dup = await h.app.inject({ method: 'POST', url: '/v1/advisors', headers: admin, payload: body });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toBe('conflict');
    const patched = await h.app.inject({ method: 'PATCH', url: '/v1/advisors/A9', headers: admin, payload: { phone: '+86 21 5555555' } });
    expect(patched.json()).toMatchObject({ id: 'A9', phone: '+86 21 5555555', name: 'New Advisor' });
    const off = await h.app.inject({ method: 'POST', url: '/v1/advisors/A9/deactivate', headers: admin });
    expect(off.json().active).toBe(false);
  });

  it('validation errors name the field; unknown and ownership fields are refused', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/stations', headers: admin, payload: { ...net.stations[0]!, id: 'S77', lat: 95 } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'validation_failed', message: 'body.lat must be <= 90', details: [{ field: 'body.lat', message: 'must be <= 90' }] });
    const extra = await h.app.inject({ method: 'PATCH', url: `/v1/vehicles/${net.vin(1)}`, headers: admin, payload: { owner: 'x' } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().details[0].field).toBe('body.owner');
    const vinChange = await h.app.inject({ method: 'PATCH', url: `/v1/vehicles/${net.vin(1)}`, headers: admin, payload: { vin: net.vin(2) } });
    expect(vinChange.statusCode).toBe(400);
    const badVin = await h.app.inject({ method: 'GET', url: '/v1/vehicles/NOTAVIN', headers: admin });
    expect(badVin.statusCode).toBe(400);
    expect(badVin.json().details[0].field).toBe('params.vin');
  });

  it('a customer sets and removes its own webhook; the secret stays write-only', async () => {
    const customer = h.auth(await h.token('customer', { customerId: 'C2' }));
    const set = await h.app.inject({ method: 'PUT', url: '/v1/customers/C2/webhook', headers: customer, payload: { webhookUrl: 'https://c2.example.test/events', webhookSecret: 'c2-secret-at-least-16' } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ webhookUrl: 'https://c2.example.test/events', hasWebhookSecret: true });
    expect(set.body).not.toContain('c2-secret-at-least-16');
    expect(JSON.parse((await h.redis.hget(`${h.services.redisPrefix}:reg:customer`, 'C2'))!).webhookSecret).toBe('c2-secret-at-least-16');
    const bad = await h.app.inject({ method: 'PUT', url: '/v1/customers/C2/webhook', headers: customer, payload: { webhookUrl: 'ftp://x', webhookSecret: 'short' } });
    expect(bad.statusCode).toBe(400);
    const removed = await h.app.inject({ method: 'DELETE', url: '/v1/customers/C2/webhook', headers: customer });
    expect(removed.json()).toMatchObject({ hasWebhookSecret: false });
    expect(removed.json().webhookUrl).toBeUndefined();
  });

  it('never returns a customer webhook secret', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/customers/C1', headers: admin });
    expect(res.json()).toMatchObject({ id: 'C1', hasWebhookSecret: true });
    expect(res.body).not.toContain('a-very-secret-webhook-key');
  });
});

describe('fixed-point assignments', () => {
  it('refuses stations that are inactive, not heavy-duty or too far, and inactive advisors — naming each field', async () => {
    const res = await h.app.inject({
      method: 'PUT', url: '/v1/customers/C1/assignments', headers: admin,
      payload: {
        assignments: [
          { region: '340100', stationId: 'S5', advisorId: 'A1' },
          { region: '340100', stationId: 'S4', advisorId: 'A1' },
          { region: '440300', stationId: 'S1', advisorId: 'A3' },
        ],
      },
    });
    expect(res.statusCode).toBe(400);
    const fields = res.json().details.map((d: { field: string; message: string }) => `${d.field}: ${d.message}`);
    expect(fields).toEqual(expect.arrayContaining([
      'body.assignments.0.stationId: station S5 is not active',
      'body.assignments.1.region: region 340100 is listed twice',
      'body.assignments.1.stationId: station S4 lacks the heavy-duty capability',
      'body.assignments.2.stationId: station S1 (region 340100) is neither in nor adjacent to region 440300',
      'body.assignments.2.advisorId: advisor A3 is not active',
    ]));
    const after = (await h.app.inject({ method: 'GET', url: '/v1/customers/C1/assignments', headers: admin })).json();
    expect(after.assignments).toEqual([]);
  });

  it('assigns in and next to a region, keeps history with who/when/why, answers who serves a truck here', async () => {
    const first = await h.app.inject({
      method: 'PUT', url: '/v1/customers/C1/assignments', headers: admin,
      payload: { assignments: [{ region: '340100', stationId: 'S1', advisorId: 'A1' }, { region: '320100', stationId: 'S2', advisorId: 'A2' }], reason: 'contract 2026' },
    });
    expect(first.statusCode, first.body).toBe(200);
    const second = await h.app.inject({
      method: 'PUT', url: '/v1/customers/C1/assignments', headers: admin,
      payload: { assignments: [{ region: '340100', stationId: 'CSV1', advisorId: 'A1' }], reason: 'S1 overloaded' },
    });
    const view = second.json();
    expect(view.assignments.map((a: { region: string; stationId: string }) => `${a.region}:${a.stationId}`)).toEqual(['320100:S2', '340100:CSV1']);
    expect(view.history[0]).toMatchObject({ region: '340100', stationId: 'CSV1', reason: 'S1 overloaded', assignedBy: 'admin:admin-user', previous: { stationId: 'S1' } });
    expect(Date.parse(view.history[0].assignedAt)).toBeGreaterThan(Date.now() - 60_000);

    // In Nanjing (320100) the truck of C1 is served by S2 + A2; in Hefei by CSV1 + A1; in Shenzhen only the lead advisor.
    const inNanjing = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${net.vin(1)}?lat=32.06&lon=118.79`, headers: admin })).json();
    expect(inNanjing.servedBy).toMatchObject({ region: { code: '320100' }, basis: 'prefecture', station: { id: 'S2' }, advisor: { id: 'A2' } });
    const inHefei = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${net.vin(1)}?lat=31.82&lon=117.23`, headers: admin })).json();
    expect(inHefei.servedBy).toMatchObject({ region: { code: '340100' }, station: { id: 'CSV1' }, advisor: { id: 'A1' } });
    expect(inHefei.servedBy.station.etaMin).toBeCloseTo(etaMinutes({ lat: 31.7, lon: 117.3 }, { lat: 31.82, lon: 117.23 }), 1);
    const inShenzhen = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${net.vin(1)}?lat=22.55&lon=114.05`, headers: admin })).json();
    expect(inShenzhen.servedBy).toMatchObject({ basis: 'lead-advisor', station: null, advisor: { id: 'A1' } });
  });

  it('answers which trucks an advisor looks after and which customers a station serves', async () => {
    const a1 = (await h.app.inject({ method: 'GET', url: '/v1/advisors/A1/vehicles', headers: admin })).json();
    // vin 1 (home Hefei → A1); vin 2 (home Nanjing → A2), so A1 has one truck.
    expect(a1).toMatchObject({ advisorId: 'A1', total: 1, items: [{ vin: net.vin(1), basis: 'prefecture' }] });
    const a2 = (await h.app.inject({ method: 'GET', url: '/v1/advisors/A2/vehicles', headers: admin })).json();
    expect(a2.items.map((v: { vin: string }) => v.vin).sort()).toEqual([net.vin(2), net.vin(3)].sort());
    const s2 = (await h.app.inject({ method: 'GET', url: '/v1/stations/S2/customers', headers: admin })).json();
    expect(s2.items).toEqual([{ id: 'C1', name: 'Anhui Freight', regions: ['320100'] }]);
    const s1 = (await h.app.inject({ method: 'GET', url: '/v1/stations/S1/customers', headers: admin })).json();
    expect(s1.total).toBe(0); // replaced by CSV1
  });
});

describe('live state, nearest stations', () => {
  it('GET /v1/vehicles/{vin} includes the live hash written by the ingester', async () => {
    await h.redis.hset(redisKeys(h.services.redisPrefix).live(net.vin(3)), {
      customerId: 'C2', ts: '1700000000000', lat: '22.6', lon: '114.1', speedKmh: '61.5', ignition: 'true', severity: 'warning',
      dtcs: JSON.stringify([{ spn: 110, fmi: 0, oc: 3 }]), lamps: JSON.stringify({ mil: false, redStop: false, amberWarning: true, protect: false }),
      status: 'online', lastSeen: '1700000001000',
    });
    const res = await h.app.inject({ method: 'GET', url: `/v1/vehicles/${net.vin(3)}`, headers: admin });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.live).toMatchObject({ lat: 22.6, lon: 114.1, speedKmh: 61.5, ignition: true, severity: 'warning', dtcs: [{ spn: 110, fmi: 0, oc: 3 }], status: 'online' });
    expect(body.servedBy).toMatchObject({ position: { source: 'live' }, region: { code: '440300' }, basis: 'prefecture', station: { id: 'S3' }, advisor: { id: 'A2' } });
    const never = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${net.vin(2)}`, headers: admin })).json();
    expect(never.live).toBeNull();
  });

  it('ranks nearest stations by ETA exactly as a brute-force computation does', async () => {
    const point = { lat: 32.0, lon: 117.6 };
    const res = await h.app.inject({ method: 'GET', url: `/v1/stations/nearest?lat=${point.lat}&lon=${point.lon}&limit=3&capability=heavy-duty`, headers: admin });
    expect(res.statusCode).toBe(200);
    const all = (await h.app.inject({ method: 'GET', url: '/v1/stations?limit=1000', headers: admin })).json().items as Array<typeof net.stations[number]>;
    const expected = all
      .filter((s) => s.active && s.capabilities.includes('heavy-duty'))
      .map((s) => ({ id: s.id, eta: etaMinutes(s, point) }))
      .sort((a, b) => a.eta - b.eta)
      .slice(0, 3);
    const got = res.json().items as Array<{ station: { id: string }; etaMin: number; openNow: boolean }>;
    expect(got.map((g) => g.station.id)).toEqual(expected.map((e) => e.id));
    got.forEach((g, i) => expect(g.etaMin).toBeCloseTo(expected[i]!.eta, 1));
  });
});

describe('scope follows the registry', () => {
  it('changing a lead advisor changes what the advisors see, at once', async () => {
    const a1 = h.auth(await h.token('advisor', { advisorId: 'A1' }));
    expect((await h.app.inject({ method: 'GET', url: '/v1/customers/C2', headers: a1 })).statusCode).toBe(404);
    const patched = await h.app.inject({ method: 'PATCH', url: '/v1/customers/C2', headers: admin, payload: { leadAdvisorId: 'A1' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/v1/customers/C2', headers: a1 })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: `/v1/vehicles/${net.vin(3)}`, headers: a1 })).statusCode).toBe(200);
    // A2 still looks after C2 through the Shenzhen assignment.
    const a2 = h.auth(await h.token('advisor', { advisorId: 'A2' }));
    expect((await h.app.inject({ method: 'GET', url: '/v1/customers/C2', headers: a2 })).statusCode).toBe(200);
    await h.app.inject({ method: 'PATCH', url: '/v1/customers/C2', headers: admin, payload: { leadAdvisorId: 'A2' } });
    expect((await h.app.inject({ method: 'GET', url: '/v1/customers/C2', headers: a1 })).statusCode).toBe(404);
  });

  it('a lead advisor that does not exist is refused', async () => {
    const res = await h.app.inject({ method: 'PATCH', url: '/v1/customers/C2', headers: admin, payload: { leadAdvisorId: 'GHOST' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0]).toEqual({ field: 'body.leadAdvisorId', message: 'unknown advisor GHOST' });
  });
});
