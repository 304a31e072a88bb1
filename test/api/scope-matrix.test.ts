// Every registry route × every role × own/foreign object: what each caller gets. A foreign object
// answers 404 exactly like a missing one; a role that may not use a route at all gets 403; no token 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../core/auth.ts';
import { startApiHarness, type ApiHarness } from './app-harness.ts';
import * as net from './fixtures.ts';

let h: ApiHarness;
const tokens = {} as Record<Role, Record<string, string>>;

// Own = the objects of customer C1 / advisor A1 / station S1; foreign = those of C2 / A2 / S3.
const OWN = { customer: 'C1', vin: net.vin(1), station: 'S1', advisor: 'A1' };
const FOREIGN = { customer: 'C2', vin: net.vin(3), station: 'S3', advisor: 'A2' };
type Ids = typeof OWN;

type Expect = 200 | 403 | 404;
interface RouteCase {
  name: string;
  method: 'GET' | 'PATCH' | 'POST' | 'PUT' | 'DELETE';
  url: (ids: Ids) => string;
  payload?: (ids: Ids) => unknown;
  /** Expected status per role for the own object and for the foreign one. */
  expect: Record<Role, [own: Expect, foreign: Expect]>;
}

const ALL: [Expect, Expect] = [200, 200];
const SCOPED: [Expect, Expect] = [200, 404];
const HIDDEN: [Expect, Expect] = [404, 404];
const FORBIDDEN: [Expect, Expect] = [403, 403];
const adminOnly = { admin: ALL, agent: FORBIDDEN, advisor: FORBIDDEN, customer: FORBIDDEN, station: FORBIDDEN };

const ROUTES: RouteCase[] = [
  { name: 'GET customer', method: 'GET', url: (i) => `/v1/customers/${i.customer}`, expect: { admin: ALL, agent: ALL, advisor: SCOPED, customer: SCOPED, station: HIDDEN } },
  { name: 'GET customer assignments', method: 'GET', url: (i) => `/v1/customers/${i.customer}/assignments`, expect: { admin: ALL, agent: ALL, advisor: SCOPED, customer: SCOPED, station: HIDDEN } },
  { name: 'GET vehicle', method: 'GET', url: (i) => `/v1/vehicles/${i.vin}`, expect: { admin: ALL, agent: ALL, advisor: SCOPED, customer: SCOPED, station: HIDDEN } },
  { name: 'GET vehicle track', method: 'GET', url: (i) => `/v1/vehicles/${i.vin}/track`, expect: { admin: ALL, agent: ALL, advisor: SCOPED, customer: SCOPED, station: HIDDEN } },
  { name: 'GET station', method: 'GET', url: (i) => `/v1/stations/${i.station}`, expect: { admin: ALL, agent: ALL, advisor: ALL, customer: ALL, station: SCOPED } },
  { name: 'GET station customers', method: 'GET', url: (i) => `/v1/stations/${i.station}/customers`, expect: { admin: ALL, agent: ALL, advisor: FORBIDDEN, customer: FORBIDDEN, station: SCOPED } },
  { name: 'GET advisor', method: 'GET', url: (i) => `/v1/advisors/${i.advisor}`, expect: { admin: ALL, agent: ALL, advisor: SCOPED, customer: SCOPED, station: HIDDEN } },
  { name: 'GET advisor vehicles', method: 'GET', url: (i) => `/v1/advisors/${i.advisor}/vehicles`, expect: { admin: ALL, agent: ALL, advisor: SCOPED, customer: FORBIDDEN, station: FORBIDDEN } },
  { name: 'GET depot', method: 'GET', url: () => '/v1/depots/D1', expect: { admin: ALL, agent: ALL, advisor: ALL, customer: ALL, station: ALL } },
  { name: 'GET dead letters', method: 'GET', url: () => '/v1/ingest/dead-letters', expect: { admin: ALL, agent: ALL, advisor: FORBIDDEN, customer: FORBIDDEN, station: FORBIDDEN } },
  { name: 'PATCH customer', method: 'PATCH', url: (i) => `/v1/customers/${i.customer}`, payload: () => ({ active: true }), expect: adminOnly },
  { name: 'PATCH vehicle', method: 'PATCH', url: (i) => `/v1/vehicles/${i.vin}`, payload: () => ({ active: true }), expect: adminOnly },
  { name: 'PATCH station', method: 'PATCH', url: (i) => `/v1/stations/${i.station}`, payload: () => ({ active: true }), expect: adminOnly },
  { name: 'PATCH advisor', method: 'PATCH', url: (i) => `/v1/advisors/${i.advisor}`, payload: () => ({ active: true }), expect: adminOnly },
  { name: 'PATCH depot', method: 'PATCH', url: () => '/v1/depots/D1', payload: () => ({ active: true }), expect: adminOnly },
  {
    name: 'PUT assignments', method: 'PUT', url: (i) => `/v1/customers/${i.customer}/assignments`,
    payload: (i) => ({ assignments: [{ region: i.customer === 'C1' ? '340100' : '440300', stationId: i.customer === 'C1' ? 'S1' : 'S3', advisorId: i.advisor }] }),
    expect: adminOnly,
  },
  {
    name: 'PUT customer webhook', method: 'PUT', url: (i) => `/v1/customers/${i.customer}/webhook`,
    payload: (i) => ({ webhookUrl: `https://hooks.example.test/${i.customer}`, webhookSecret: 'sixteen-chars-secret-value' }),
    expect: { admin: ALL, agent: FORBIDDEN, advisor: FORBIDDEN, customer: SCOPED, station: FORBIDDEN },
  },
  { name: 'POST customer', method: 'POST', url: () => '/v1/customers', payload: (i) => ({ id: `N${i.customer}`, name: 'New' }), expect: { ...adminOnly, admin: [200, 200] } },
  { name: 'POST import', method: 'POST', url: () => '/v1/import/depots', payload: () => net.depots, expect: adminOnly },
  { name: 'POST deactivate', method: 'POST', url: () => '/v1/depots/D1/deactivate', expect: { ...adminOnly, admin: [200, 200] } },
];

beforeAll(async () => {
  h = await startApiHarness('apimatrix');
  const admin = h.auth(await h.token('admin'));
  for (const [kind, rows] of [['advisors', net.advisors], ['customers', net.customers], ['stations', net.stations], ['depots', net.depots], ['vehicles', net.vehicles]] as const) {
    expect((await h.app.inject({ method: 'POST', url: `/v1/import/${kind}`, headers: admin, payload: rows })).statusCode).toBe(200);
  }
  // C1 is looked after by A1 (lead + Hefei) and served by S1 in Hefei; C2 by A2 and S3 in Shenzhen.
  for (const [customer, region, station, advisor] of [['C1', '340100', 'S1', 'A1'], ['C2', '440300', 'S3', 'A2']] as const) {
    const res = await h.app.inject({ method: 'PUT', url: `/v1/customers/${customer}/assignments`, headers: admin, payload: { assignments: [{ region, stationId: station, advisorId: advisor }] } });
    expect(res.statusCode, res.body).toBe(200);
  }
  tokens.admin = admin;
  tokens.agent = h.auth(await h.token('agent'));
  tokens.advisor = h.auth(await h.token('advisor', { advisorId: 'A1' }));
  tokens.customer = h.auth(await h.token('customer', { customerId: 'C1' }));
  tokens.station = h.auth(await h.token('station', { stationId: 'S1' }));
});
afterAll(async () => h?.close());

const ROLES: Role[] = ['admin', 'agent', 'advisor', 'customer', 'station'];

describe('scope matrix: route × role × own/foreign', () => {
  for (const route of ROUTES) {
    it(route.name, async () => {
      const got: string[] = [];
      const want: string[] = [];
      for (const role of ROLES) {
        for (const [which, ids] of [['own', OWN], ['foreign', FOREIGN]] as const) {
          const payload = route.payload?.(ids);
          const res = await h.app.inject({
            method: route.method,
            url: route.url(ids),
            headers: tokens[role],
            ...(payload !== undefined ? { payload: payload as object } : {}),
          });
          const expected = route.expect[role][which === 'own' ? 0 : 1];
          // 201 (created) counts as success for POST.
          const status = res.statusCode === 201 ? 200 : res.statusCode;
          got.push(`${role}/${which}: ${status}`);
          want.push(`${role}/${which}: ${expected}`);
          if (status >= 400) {
            expect(res.json(), `${route.name} ${role}/${which}`).toMatchObject({ error: expect.any(String), message: expect.any(String) });
          }
          if (expected === 404) expect(res.json().error).toBe('not_found');
        }
      }
      expect(got).toEqual(want);
    });
  }

  it('every route answers 401 without a token and with a bad one', async () => {
    for (const route of ROUTES) {
      const anonymous = await h.app.inject({ method: route.method, url: route.url(OWN) });
      expect(anonymous.statusCode, route.name).toBe(401);
      const forged = await h.app.inject({ method: route.method, url: route.url(OWN), headers: { authorization: 'Bearer abc.def.ghi' } });
      expect(forged.statusCode, route.name).toBe(401);
      expect(forged.json().error).toBe('unauthenticated');
    }
  });
});

describe('lists only show what the caller may see', () => {
  const ids = (res: { json(): { items: Array<{ id?: string; vin?: string }> } }) => res.json().items.map((i) => i.id ?? i.vin).sort();

  it('customers, vehicles, advisors and stations per role', async () => {
    const get = (role: Role, url: string) => h.app.inject({ method: 'GET', url, headers: tokens[role] });
    expect(ids(await get('customer', '/v1/customers'))).toEqual(['C1']);
    expect(ids(await get('advisor', '/v1/customers'))).toEqual(['C1']);
    expect(ids(await get('station', '/v1/customers'))).toEqual([]);
    expect(ids(await get('agent', '/v1/customers'))).toEqual(['C1', 'C2', 'NC1', 'NC2']);
    expect(ids(await get('customer', '/v1/vehicles'))).toEqual([net.vin(1), net.vin(2)].sort());
    expect(ids(await get('customer', `/v1/vehicles?customerId=C2`))).toEqual([]);
    expect(ids(await get('station', '/v1/vehicles'))).toEqual([]);
    expect(ids(await get('customer', '/v1/advisors'))).toEqual(['A1']);
    expect(ids(await get('station', '/v1/stations'))).toEqual(['S1']);
    const nearest = (await get('station', '/v1/stations/nearest?lat=31.8&lon=117.2&limit=5')).json();
    expect(nearest.items.map((i: { station: { id: string } }) => i.station.id)).toEqual(['S1']);
  });
});
