// GET /v1/rescues scopes in the query and pages with a cursor for every role: an advisor whose customers'
// cases are older than the newest 100 of the network still gets them (before, scoping ran after the store's
// 100-case limit and the advisor got []), and paging visits every case exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vehicle } from '../../core/registry.ts';
import { startApiHarness, type ApiHarness } from './app-harness.ts';
import * as net from './fixtures.ts';

let h: ApiHarness;
let admin: { authorization: string };
const busyVehicles: Vehicle[] = Array.from({ length: 130 }, (_, i) => ({ vin: net.vin(500 + i), customerId: 'C2', active: true }));
let ownCase = '';

beforeAll(async () => {
  h = await startApiHarness('rescuelist');
  admin = h.auth(await h.token('admin'));
  for (const [kind, rows] of [['advisors', net.advisors], ['customers', net.customers], ['stations', net.stations], ['vehicles', [...net.vehicles, ...busyVehicles]]] as const) {
    const res = await h.app.inject({ method: 'POST', url: `/v1/import/${kind}`, headers: admin, payload: rows });
    expect(res.statusCode, res.body).toBe(200);
  }
  const res = await h.app.inject({ method: 'PUT', url: '/v1/customers/C1/assignments', headers: admin, payload: { assignments: [{ region: '340100', stationId: 'S1', advisorId: 'A1' }] } });
  expect(res.statusCode, res.body).toBe(200);
  // A1's customer C1 has one case, reported first; then 130 newer cases of C2.
  const first = await h.app.inject({ method: 'POST', url: '/v1/rescues', headers: admin, payload: { vin: net.vin(1), lat: 31.9, lon: 117.3 } });
  expect(first.statusCode, first.body).toBe(201);
  ownCase = first.json().id;
  for (const v of busyVehicles) {
    const r = await h.app.inject({ method: 'POST', url: '/v1/rescues', headers: admin, payload: { vin: v.vin, lat: 22.6, lon: 114.1 } });
    expect(r.statusCode).toBe(201);
  }
});
afterAll(async () => h?.close());

describe('GET /v1/rescues', () => {
  it('gives an advisor its customers\' cases even when 130 newer cases of others exist', async () => {
    const advisor = h.auth(await h.token('advisor', { advisorId: 'A1' }));
    const res = await h.app.inject({ method: 'GET', url: '/v1/rescues', headers: advisor });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((c: { id: string }) => c.id)).toEqual([ownCase]);
    expect(res.json().nextCursor).toBeUndefined();
  });

  it('pages with a cursor: every case once, newest report first, for an agent and for a customer', async () => {
    for (const [token, expected] of [[admin, 131], [h.auth(await h.token('customer', { customerId: 'C2' })), 130]] as const) {
      const seen: string[] = [];
      const times: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await h.app.inject({ method: 'GET', url: `/v1/rescues?limit=40${cursor ? `&cursor=${cursor}` : ''}`, headers: token });
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json();
        for (const c of body.items) {
          seen.push(c.id);
          times.push(Date.parse(c.reportedAt));
        }
        cursor = body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toHaveLength(expected);
      expect(new Set(seen).size).toBe(expected);
      expect(pages).toBe(Math.ceil(expected / 40));
      for (let i = 1; i < times.length; i++) expect(times[i]!).toBeLessThanOrEqual(times[i - 1]!);
    }
  });

  it('refuses a cursor it did not issue', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/rescues?cursor=bm90LWEtY3Vyc29y', headers: admin });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([{ field: 'querystring.cursor', message: expect.any(String) }]);
  });
});
