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

// Rescue cases. Launched: the own case is C1's (offered to S3 first, declined, then assigned to S1); the foreign
// case is C2's, assigned to S3. Closed: C1's second truck's case, offered to S1 and cancelled; C2's earlier case,
// offered to S3 and cancelled. Every /v1/rescues* route, every role, own and foreign. Routes that change a case
// run against the closed cases, where a caller in scope gets the state's answer (409, or 400/403 for what the
// role may not do) and a caller out of scope 404, so no row changes what another row sees.
describe('rescue routes: route × role × own/foreign case', () => {
  const cases = { own: '', foreign: '', ownClosed: '', foreignClosed: '' };

  beforeAll(async () => {
    const open = async (vin: string, lat: number, lon: number) => {
      const res = await h.app.inject({ method: 'POST', url: '/v1/rescues', headers: tokens.admin, payload: { vin, lat, lon } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    // The dispatcher's offer (no dispatcher runs here: the case store commits the same action).
    const offer = (id: string, stationId: string, candidates: Array<{ stationId: string; etaMin: number; distanceKm: number }>) =>
      h.api.cases.apply(id, {
        type: 'offer', stationId, etaMin: candidates[0]!.etaMin, distanceKm: candidates[0]!.distanceKm, timeoutS: 180,
        candidates: candidates.map((c, i) => ({ ...c, kept: true, reason: 'ranked', rank: i + 1 })),
        partsDepots: [],
      }, { kind: 'dispatcher', id: 'test' }, () => 2);
    const cancel = async (id: string) => {
      const res = await h.app.inject({ method: 'POST', url: `/v1/rescues/${id}/cancel`, headers: tokens.admin, payload: { reason: 'false alarm' } });
      expect(res.statusCode, res.body).toBe(200);
    };
    cases.ownClosed = await open(net.vin(2), 31.8, 117.2);
    await offer(cases.ownClosed, 'S1', [{ stationId: 'S1', distanceKm: 3, etaMin: 15 }]);
    await cancel(cases.ownClosed);
    cases.foreignClosed = await open(FOREIGN.vin, 22.5, 114.0);
    await offer(cases.foreignClosed, 'S3', [{ stationId: 'S3', distanceKm: 4, etaMin: 18 }]);
    await cancel(cases.foreignClosed);

    cases.own = await open(OWN.vin, 31.9, 117.3);
    cases.foreign = await open(FOREIGN.vin, 22.6, 114.1);
    await offer(cases.own, 'S3', [{ stationId: 'S3', distanceKm: 1100, etaMin: 400 }, { stationId: 'S1', distanceKm: 5, etaMin: 20 }]);
    const s3 = h.auth(await h.token('station', { stationId: 'S3' }));
    expect((await h.app.inject({ method: 'POST', url: `/v1/rescues/${cases.own}/decline`, headers: s3, payload: { reason: 'too far' } })).statusCode).toBe(200);
    for (const [id, stationId] of [[cases.own, 'S1'], [cases.foreign, 'S3']] as const) {
      const res = await h.app.inject({ method: 'POST', url: `/v1/rescues/${id}/assign`, headers: tokens.admin, payload: { stationId } });
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  type Which = 'own' | 'foreign';
  type Status = Expect | 400 | 409;
  interface RescueRoute {
    name: string;
    method: 'GET' | 'POST';
    /** The launched cases, or the closed ones. */
    target: 'launched' | 'closed';
    url: (id: string) => string;
    payload?: (which: Which) => object;
    expect: Record<Role, [Status, Status]>;
  }
  const caseOf = (route: RescueRoute, which: Which) => (route.target === 'launched' ? cases[which] : cases[which === 'own' ? 'ownClosed' : 'foreignClosed']);
  const CLOSED: [Status, Status] = [409, 404];
  const RESCUE_ROUTES: RescueRoute[] = [
    { name: 'GET rescue', method: 'GET', target: 'launched', url: (id) => `/v1/rescues/${id}`, expect: { admin: ALL, agent: ALL, advisor: SCOPED, customer: SCOPED, station: SCOPED } },
    { name: 'GET closed rescue', method: 'GET', target: 'closed', url: (id) => `/v1/rescues/${id}`, expect: { admin: ALL, agent: ALL, advisor: SCOPED, customer: SCOPED, station: SCOPED } },
    // Reporting a breakdown of a truck with an open case attaches to it (200); a truck the caller may not see is 404.
    {
      name: 'POST report', method: 'POST', target: 'launched', url: () => '/v1/rescues',
      payload: (which) => ({ vin: which === 'own' ? OWN.vin : FOREIGN.vin, lat: 30, lon: 115, description: 'called again' }),
      expect: { admin: ALL, agent: ALL, advisor: SCOPED, customer: SCOPED, station: FORBIDDEN },
    },
    // Launched already: an agent must name the station (no pending offer: 400), the station gets 409 (nothing
    // to accept) on its own case and 404 on another's; roles that never answer offers 403.
    { name: 'POST accept', method: 'POST', target: 'launched', url: (id) => `/v1/rescues/${id}/accept`, payload: () => ({}), expect: { admin: [400, 400], agent: [400, 400], advisor: FORBIDDEN, customer: FORBIDDEN, station: [409, 404] } },
    { name: 'POST decline', method: 'POST', target: 'closed', url: (id) => `/v1/rescues/${id}/decline`, payload: () => ({ reason: 'no van' }), expect: { admin: [400, 400], agent: [400, 400], advisor: FORBIDDEN, customer: FORBIDDEN, station: CLOSED } },
    { name: 'POST status', method: 'POST', target: 'launched', url: (id) => `/v1/rescues/${id}/status`, payload: () => ({ status: 'closed' }), expect: { admin: [409, 409], agent: [409, 409], advisor: FORBIDDEN, customer: FORBIDDEN, station: [409, 404] } },
    { name: 'POST assign', method: 'POST', target: 'launched', url: (id) => `/v1/rescues/${id}/assign`, payload: () => ({ stationId: 'S2' }), expect: { admin: [409, 409], agent: [409, 409], advisor: FORBIDDEN, customer: FORBIDDEN, station: FORBIDDEN } },
    { name: 'POST cancel', method: 'POST', target: 'closed', url: (id) => `/v1/rescues/${id}/cancel`, payload: () => ({ reason: 'x' }), expect: { admin: [409, 409], agent: [409, 409], advisor: CLOSED, customer: CLOSED, station: FORBIDDEN } },
    { name: 'POST cancel (unknown case)', method: 'POST', target: 'launched', url: () => '/v1/rescues/rc-nope-0000000000/cancel', payload: () => ({ reason: 'x' }), expect: { admin: [404, 404], agent: [404, 404], advisor: [404, 404], customer: [404, 404], station: FORBIDDEN } },
    { name: 'POST quote', method: 'POST', target: 'closed', url: (id) => `/v1/rescues/${id}/quote`, payload: () => ({ labourHours: 2, parts: [], amountCny: 800 }), expect: { admin: [409, 409], agent: [409, 409], advisor: FORBIDDEN, customer: FORBIDDEN, station: [403, 404] } },
    { name: 'POST quote decision', method: 'POST', target: 'closed', url: (id) => `/v1/rescues/${id}/quote/decision`, payload: () => ({ approved: true }), expect: { admin: FORBIDDEN, agent: FORBIDDEN, advisor: CLOSED, customer: CLOSED, station: FORBIDDEN } },
    { name: 'POST claim submit', method: 'POST', target: 'closed', url: (id) => `/v1/rescues/${id}/claim/submit`, payload: () => ({ labourHours: 2 }), expect: { admin: [409, 409], agent: [409, 409], advisor: FORBIDDEN, customer: FORBIDDEN, station: [403, 404] } },
    { name: 'POST rating', method: 'POST', target: 'closed', url: (id) => `/v1/rescues/${id}/rating`, payload: () => ({ score: 5 }), expect: { admin: FORBIDDEN, agent: FORBIDDEN, advisor: CLOSED, customer: CLOSED, station: FORBIDDEN } },
    { name: 'POST parts reserve', method: 'POST', target: 'closed', url: (id) => `/v1/rescues/${id}/parts/reserve`, expect: { admin: [409, 409], agent: [409, 409], advisor: FORBIDDEN, customer: FORBIDDEN, station: [403, 404] } },
    { name: 'GET webhook dead letters', method: 'GET', target: 'launched', url: () => '/v1/rescues/webhook-dead-letters', expect: { admin: ALL, agent: ALL, advisor: FORBIDDEN, customer: ALL, station: FORBIDDEN } },
  ];

  for (const route of RESCUE_ROUTES) {
    it(route.name, async () => {
      const got: string[] = [];
      const want: string[] = [];
      for (const role of ROLES) {
        for (const which of ['own', 'foreign'] as Which[]) {
          const payload = route.payload?.(which);
          const res = await h.app.inject({ method: route.method, url: route.url(caseOf(route, which)), headers: tokens[role], ...(payload ? { payload } : {}) });
          got.push(`${role}/${which}: ${res.statusCode === 201 ? 200 : res.statusCode}`);
          want.push(`${role}/${which}: ${route.expect[role][which === 'own' ? 0 : 1]}`);
          // An answer for a case the caller may not see looks exactly like one for a case that does not exist.
          if (res.statusCode === 404) expect(res.json()).toMatchObject({ error: 'not_found', details: [] });
        }
      }
      expect(got).toEqual(want);
    });
  }

  it('GET /v1/rescues lists exactly the cases in scope, per role', async () => {
    const listed = async (role: Role, query = '') =>
      ((await h.app.inject({ method: 'GET', url: `/v1/rescues${query}`, headers: tokens[role] })).json().items as Array<{ id: string }>).map((c) => c.id).sort();
    const all = Object.values(cases).sort();
    const c1 = [cases.own, cases.ownClosed].sort();
    expect(all).toHaveLength(4);
    expect(await listed('admin')).toEqual(all);
    expect(await listed('agent')).toEqual(all);
    expect(await listed('advisor')).toEqual(c1);
    expect(await listed('customer')).toEqual(c1);
    expect(await listed('customer', '?customerId=C2')).toEqual([]);
    // S1 was offered C1's cancelled case and runs C1's launched one; it was never offered C2's.
    expect(await listed('station')).toEqual(c1);
    expect(await listed('station', '?stationId=S3')).toEqual([]);
    expect(await listed('agent', '?stationId=S3')).toEqual([cases.own, cases.foreign, cases.foreignClosed].sort());
  });

  it('GET /v1/rescues pages with a cursor for every role', async () => {
    const pages = async (role: Role) => {
      const seen: string[][] = [];
      let cursor: string | undefined;
      do {
        const res = await h.app.inject({ method: 'GET', url: `/v1/rescues?limit=1${cursor ? `&cursor=${cursor}` : ''}`, headers: tokens[role] });
        expect(res.statusCode, res.body).toBe(200);
        seen.push((res.json().items as Array<{ id: string }>).map((c) => c.id));
        cursor = res.json().nextCursor;
      } while (cursor && seen.length < 10);
      return seen;
    };
    const c1 = [cases.own, cases.ownClosed];
    for (const role of ['advisor', 'customer', 'station'] as const) {
      const seen = await pages(role);
      // One case per page, each once; the last page says so by carrying no cursor.
      expect(seen.every((page) => page.length === 1), role).toBe(true);
      expect(seen.flat().sort(), role).toEqual(c1.sort());
    }
    for (const role of ['admin', 'agent'] as const) expect((await pages(role)).flat().sort(), role).toEqual(Object.values(cases).sort());
  });

  it('a station sees its own part of a case: no other candidates, no other station\'s offer or answer', async () => {
    const asStation = (await h.app.inject({ method: 'GET', url: `/v1/rescues/${cases.own}`, headers: tokens.station })).json();
    expect(asStation.launch.stationId).toBe('S1');
    expect(asStation.candidates).toEqual([]);
    expect(asStation.stationIds).toEqual(['S1']);
    // S1 got the case by assignment, not by an offer: it sees no offer at all (S3's is not its business).
    expect(asStation.offers).toEqual([]);
    expect(JSON.stringify(asStation)).not.toContain('S3');
    // The agent still sees the whole story.
    const asAgent = (await h.app.inject({ method: 'GET', url: `/v1/rescues/${cases.own}`, headers: tokens.agent })).json();
    expect(asAgent.candidates.map((c: { stationId: string }) => c.stationId)).toEqual(['S3', 'S1']);
    expect(asAgent.offers.map((o: { stationId: string }) => o.stationId)).toEqual(['S3']);
    // The station that lost the offer does not learn who won it.
    const s3 = h.auth(await h.token('station', { stationId: 'S3' }));
    const asLoser = (await h.app.inject({ method: 'GET', url: `/v1/rescues/${cases.own}`, headers: s3 })).json();
    expect(asLoser.launch).toBeUndefined();
    expect(JSON.stringify(asLoser)).not.toContain('S1');
  });
});
