// The second half of a rescue case against the real API, Redis and an in-process dispatcher: parts follow the
// case, warranty, the repair statuses, the rating, the follow-up task, the repair deadline and the scorecard.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_EVENT_FIELD, type LiveEvent } from '../../core/events.ts';
import type { Customer, Depot, Station, Vehicle } from '../../core/registry.ts';
import type { RescueCase } from '../../core/rescue-case.ts';
import { readDispatcherConfig } from '../../dispatcher/config.ts';
import { startDispatcher, type RunningDispatcher } from '../../dispatcher/dispatcher.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { redStopEvent } from '../dispatcher/fixtures.ts';
import { waitFor } from '../harness/context.ts';
import { vin } from '../api/fixtures.ts';

let h: ApiHarness;
let dispatcher: RunningDispatcher;
let admin: { authorization: string };
const hefei = { lat: 31.82, lon: 117.23 };
const station: Station = {
  id: 'RS1', name: 'Hefei Repair', lat: 31.85, lon: 117.25, region: '340100', hours: '24h', vans: 5, rating: 4.6,
  capabilities: ['heavy-duty', 'engine', 'brakes'], partsCategories: ['engine', 'lubricants', 'filters'], active: true,
};
const depot = (id: string, lat: number, lon: number, region = '340100'): Depot => ({ id, name: id, lat, lon, region, partsCategories: ['engine', 'lubricants', 'filters'], active: true });
// D-NEAR is nearest but has no oil pump; D-MID has one; D-FAR has more, farther away.
const depots = [depot('D-NEAR', 31.95, 117.3), depot('D-MID', 32.6, 117.0), depot('D-FAR', 30.6, 114.3, '420100')];
const customers: Customer[] = [{ id: 'RC1', name: 'Repair Freight', leadAdvisorId: 'RA1', active: true }, { id: 'RC2', name: 'Other Tenant', active: true }];
const recent = new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10);
const vehicles: Vehicle[] = [
  { vin: vin(9001), customerId: 'RC1', model: 'H6', inServiceDate: recent, active: true },
  { vin: vin(9002), customerId: 'RC1', model: 'H6', inServiceDate: '2015-03-01', active: true },
  { vin: vin(9003), customerId: 'RC1', active: true },
  { vin: vin(9004), customerId: 'RC2', active: true },
];

async function importAll(kind: string, rows: unknown[]) {
  const res = await h.app.inject({ method: 'POST', url: `/v1/import/${kind}`, headers: admin, payload: rows });
  expect(res.statusCode, res.body).toBe(200);
}

async function getCase(id: string): Promise<RescueCase> {
  return (await h.app.inject({ method: 'GET', url: `/v1/rescues/${id}`, headers: admin })).json() as RescueCase;
}

async function events(caseId: string): Promise<LiveEvent[]> {
  const entries = await h.redis.xrange(h.api.keys.events, '-', '+');
  return entries.map(([, f]) => JSON.parse(f[f.indexOf(LIVE_EVENT_FIELD) + 1]!) as LiveEvent).filter((e) => e.caseId === caseId);
}

beforeAll(async () => {
  h = await startApiHarness('repairflow');
  admin = h.auth(await h.token('admin'));
  await importAll('advisors', [{ id: 'RA1', name: 'Advisor', active: true }]);
  await importAll('customers', customers);
  await importAll('stations', [station, { ...station, id: 'RS2', name: 'Hefei Second' }]);
  await importAll('depots', depots);
  await importAll('vehicles', vehicles);
  dispatcher = await startDispatcher(readDispatcherConfig(h.services.env()), pino({ level: 'error' }));
});
afterAll(async () => {
  await dispatcher?.stop();
  await h?.close();
});

describe('from DM1 to closed', () => {
  it('the accepting station lacks the part: reserved at the nearest depot with stock, delivered, consumed; the customer rates 4; the advisor completes the follow-up', async () => {
    const put = (url: string, items: unknown[]) => h.app.inject({ method: 'PUT', url, headers: admin, payload: { items } });
    expect((await put('/v1/stations/RS1/stock', [{ partNo: 'LUB-OIL-18', qty: 5 }, { partNo: 'FLT-OF-01', qty: 2 }])).statusCode).toBe(200);
    expect((await put('/v1/depots/D-NEAR/stock', [{ partNo: 'FLT-OF-01', qty: 9 }])).statusCode).toBe(200);
    expect((await put('/v1/depots/D-MID/stock', [{ partNo: 'LUB-OP-01', qty: 1 }])).statusCode).toBe(200);
    expect((await put('/v1/depots/D-FAR/stock', [{ partNo: 'LUB-OP-01', qty: 4 }])).statusCode).toBe(200);

    // DM1: engine oil pressure below normal, most severe (SPN 100 FMI 1), red stop lamp.
    const truck = vehicles[0]!.vin;
    await h.api.queues.faultEvents.add('fault', redStopEvent(truck, 'RC1', hefei, { spn: 100 }), { jobId: `dm1-${truck}` });
    const offered = await waitFor(async () => {
      const list = (await h.app.inject({ method: 'GET', url: `/v1/rescues?vin=${truck}`, headers: admin })).json().items as RescueCase[];
      return list.find((c) => c.status === 'offered');
    }, { what: 'the DM1 case offered' });
    expect(offered.warranty).toMatchObject({ covered: true, reason: 'within_policy', policy: { years: 3, km: 1_000_000 } });
    expect(offered.faultCodes).toEqual([{ spn: 100, fmi: 1 }]);

    const stationAuth = h.auth(await h.token('station', { stationId: 'RS1' }));
    const accepted = await h.app.inject({ method: 'POST', url: `/v1/rescues/${offered.id}/accept`, headers: stationAuth, payload: { vanId: 'V1', etaMin: 20 } });
    expect(accepted.statusCode, accepted.body).toBe(200);
    const launched = accepted.json() as RescueCase;
    const parts = new Map(launched.parts!.map((p) => [p.partNo, p]));
    expect(parts.get('LUB-OIL-18')).toMatchObject({ source: 'station', status: 'reserved', qty: 2 });
    expect(parts.get('FLT-OF-01')).toMatchObject({ source: 'station', status: 'reserved', qty: 1 });
    const pump = parts.get('LUB-OP-01')!;
    expect(pump).toMatchObject({ source: 'depot', depotId: 'D-MID', status: 'in_transit', qty: 1 });
    expect(Date.parse(pump.readyAt!)).toBeGreaterThan(Date.parse(launched.launch!.at));
    // The van is there in 20 minutes, the courier from D-MID (~90 km) later: parts not ready at arrival, recorded.
    expect(launched.partsReadyAtArrival).toBe(false);
    expect((await h.app.inject({ method: 'GET', url: '/v1/depots/D-MID/stock', headers: admin })).json().items).toEqual([{ partNo: 'LUB-OP-01', onHand: 1, reserved: 1, available: 0 }]);

    // Waiting for parts, then the courier arrives (the parts-check job at readyAt; run it now as the timer would).
    const move = (status: string, extra: Record<string, unknown> = {}) =>
      h.app.inject({ method: 'POST', url: `/v1/rescues/${offered.id}/status`, headers: stationAuth, payload: { status, ...extra } });
    expect((await move('on_site')).statusCode).toBe(200);
    expect((await move('waiting_parts', { note: '等待机油泵' })).statusCode).toBe(200);
    await h.redis.hset(h.api.keys.case(offered.id), 'json', JSON.stringify({ ...(await getCase(offered.id)), parts: (await getCase(offered.id)).parts!.map((p) => (p.partNo === 'LUB-OP-01' ? { ...p, readyAt: new Date(Date.now() - 1000).toISOString() } : p)) }));
    await dispatcher.processor.handleJob({ data: { kind: 'parts_check', caseId: offered.id } });
    expect((await getCase(offered.id)).parts!.find((p) => p.partNo === 'LUB-OP-01')!.status).toBe('delivered');
    expect((await move('repairing')).statusCode).toBe(200);
    const repaired = await move('repaired', { note: '更换机油泵', labourHours: 3.5, photos: ['photos/rs1/pump.jpg'], parts: [{ partNo: 'LUB-OP-01', qty: 1 }, { partNo: 'LUB-OIL-18', qty: 2 }, { partNo: 'FLT-OF-01', qty: 1 }] });
    expect(repaired.statusCode, repaired.body).toBe(200);
    const done = repaired.json() as RescueCase;
    expect(done.status).toBe('repaired');
    expect(done.repair).toMatchObject({ withinDeadline: true, labourHours: 3.5 });
    expect(done.parts!.filter((p) => p.status === 'consumed').map((p) => p.partNo).sort()).toEqual(['FLT-OF-01', 'LUB-OIL-18', 'LUB-OP-01']);
    expect(done.claim).toMatchObject({ status: 'draft', labourHours: 3.5, photos: ['photos/rs1/pump.jpg'], faultCodes: [{ spn: 100, fmi: 1 }] });
    expect((await h.app.inject({ method: 'GET', url: '/v1/depots/D-MID/stock', headers: admin })).json().items).toEqual([]);
    expect((await h.app.inject({ method: 'GET', url: '/v1/stations/RS1/stock', headers: stationAuth })).json().items).toEqual([
      { partNo: 'FLT-OF-01', onHand: 1, reserved: 0, available: 1 }, { partNo: 'LUB-OIL-18', onHand: 3, reserved: 0, available: 3 },
    ]);
    expect((await h.app.inject({ method: 'POST', url: `/v1/rescues/${offered.id}/claim/submit`, headers: stationAuth, payload: {} })).json().claim.status).toBe('submitted');

    // The customer rates 4, once.
    const customer = h.auth(await h.token('customer', { customerId: 'RC1' }));
    const rated = await h.app.inject({ method: 'POST', url: `/v1/rescues/${offered.id}/rating`, headers: customer, payload: { score: 4, comment: '很快' } });
    expect(rated.statusCode, rated.body).toBe(200);
    expect(rated.json().rating).toMatchObject({ score: 4, comment: '很快', by: { kind: 'customer' } });

    // The advisor's follow-up task, due three days after the repair.
    const advisor = h.auth(await h.token('advisor', { advisorId: 'RA1' }));
    const tasks = (await h.app.inject({ method: 'GET', url: '/v1/tasks?kind=follow_up&status=open', headers: advisor })).json().items;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ id: `fu-${offered.id}`, caseId: offered.id, advisorId: 'RA1', overdue: false, title: { zh: expect.stringContaining('回访'), en: expect.stringContaining('Follow-up') } });
    expect(Date.parse(tasks[0].dueAt) - Date.parse(done.repair!.repairedAt!)).toBe(3 * 86_400_000);
    const completed = await h.app.inject({ method: 'POST', url: `/v1/tasks/${tasks[0].id}/complete`, headers: advisor, payload: { outcome: 'satisfied', note: '客户满意' } });
    expect(completed.statusCode, completed.body).toBe(200);
    expect(completed.json()).toMatchObject({ status: 'done', outcome: 'satisfied' });
    expect((await h.app.inject({ method: 'POST', url: `/v1/tasks/${tasks[0].id}/complete`, headers: advisor, payload: { outcome: 'satisfied' } })).statusCode).toBe(409);

    expect((await h.app.inject({ method: 'POST', url: `/v1/rescues/${offered.id}/status`, headers: admin, payload: { status: 'closed' } })).json().status).toBe('closed');
    const types = (await events(offered.id)).map((e) => e.type);
    for (const t of ['rescue.launched', 'rescue.waiting_parts', 'rescue.parts_delivered', 'rescue.repairing', 'rescue.repaired', 'rescue.claim_submitted', 'rescue.rated', 'rescue.follow_up_completed', 'rescue.closed']) expect(types).toContain(t);
    const repairedEvent = (await events(offered.id)).find((e) => e.type === 'rescue.repaired')!;
    expect(repairedEvent.data.message).toEqual({ zh: '车辆已修复', en: 'The truck is repaired' });

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const card = (await h.app.inject({ method: 'GET', url: `/v1/stations/RS1/scorecard?from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`, headers: admin })).json();
    expect(card).toMatchObject({ offers: 1, accepted: 1, acceptanceRate: 1, launches: 1, repairedWithin24h: 1, repairsDue: 1, partsNeeded: 1, partsReadyAtArrival: 0, ratings: 1, averageRating: 4 });
    expect(card.medianAnswerS).toBeGreaterThanOrEqual(0);
  });

  it('out of warranty: the repair starts only after the customer approves the station\'s quote', async () => {
    const truck = vehicles[1]!.vin;
    await h.redis.hset(h.api.keys.live(truck), 'odometerKm', '1200000');
    const opened = await h.app.inject({ method: 'POST', url: '/v1/rescues', headers: admin, payload: { vin: truck, ...hefei } });
    const c = opened.json() as RescueCase;
    expect(c.warranty).toMatchObject({ covered: false, reason: 'expired_age', expiresOn: '2018-02-28', kmLeft: 0 });
    await h.app.inject({ method: 'POST', url: `/v1/rescues/${c.id}/assign`, headers: admin, payload: { stationId: 'RS1' } });
    const stationAuth = h.auth(await h.token('station', { stationId: 'RS1' }));
    await h.app.inject({ method: 'POST', url: `/v1/rescues/${c.id}/status`, headers: stationAuth, payload: { status: 'on_site' } });
    const early = await h.app.inject({ method: 'POST', url: `/v1/rescues/${c.id}/status`, headers: stationAuth, payload: { status: 'repairing' } });
    expect(early.statusCode).toBe(409);
    const quoted = await h.app.inject({ method: 'POST', url: `/v1/rescues/${c.id}/quote`, headers: stationAuth, payload: { labourHours: 2, parts: [{ partNo: 'LUB-PS-01', qty: 1, unitPriceCny: 380 }], amountCny: 780 } });
    expect(quoted.statusCode, quoted.body).toBe(200);
    const advisor = h.auth(await h.token('advisor', { advisorId: 'RA1' }));
    const approved = await h.app.inject({ method: 'POST', url: `/v1/rescues/${c.id}/quote/decision`, headers: advisor, payload: { approved: true } });
    expect(approved.json().quote).toMatchObject({ status: 'approved', amountCny: 780, decidedBy: { kind: 'advisor' } });
    expect((await h.app.inject({ method: 'POST', url: `/v1/rescues/${c.id}/status`, headers: stationAuth, payload: { status: 'repairing' } })).statusCode).toBe(200);
    // `resolved` stays accepted: the legacy name of repaired, with the same effects (no claim out of warranty).
    const resolved = await h.app.inject({ method: 'POST', url: `/v1/rescues/${c.id}/status`, headers: stationAuth, payload: { status: 'resolved' } });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', repair: { withinDeadline: true } });
    expect(resolved.json().claim).toBeUndefined();
    expect(resolved.json().followUp).toMatchObject({ status: 'open', advisorId: 'RA1' });
  });
});

describe('the 24-hour repair clock', () => {
  it('a repair that misses its deadline is escalated once (advisor and agents) and counted in the scorecard', async () => {
    const truck = vehicles[2]!.vin;
    // A case reported 25 hours ago (the store takes the report time), launched and on site, not repaired.
    const reportedAt = new Date(Date.now() - 25 * 3_600_000);
    const opened = await h.api.cases.open({
      vin: truck, customerId: 'RC1', source: 'agent', reportedAt, reportedBy: { kind: 'agent', id: 'ag' }, location: { ...hefei, source: 'request' },
      spns: [], systems: ['general'], capabilities: ['heavy-duty'], partsCategories: [],
    });
    await h.app.inject({ method: 'POST', url: `/v1/rescues/${opened.case.id}/assign`, headers: admin, payload: { stationId: 'RS2' } });
    await h.app.inject({ method: 'POST', url: `/v1/rescues/${opened.case.id}/status`, headers: admin, payload: { status: 'on_site' } });
    // The deadline timer fires, the sweep runs twice more: one escalation.
    await dispatcher.processor.handleJob({ data: { kind: 'repair_deadline', caseId: opened.case.id } });
    await dispatcher.processor.sweep();
    await dispatcher.processor.handleJob({ data: { kind: 'repair_deadline', caseId: opened.case.id } });
    const c = await getCase(opened.case.id);
    expect(c.repairBreach).toMatchObject({ advisorId: 'RA1' });
    const overdue = (await events(c.id)).filter((e) => e.type === 'rescue.repair_overdue');
    expect(overdue).toHaveLength(1);
    expect(overdue[0]!.data.message).toMatchObject({ en: expect.stringContaining('China time') });
    // The repair comes in late: counted as missed, once.
    await h.app.inject({ method: 'POST', url: `/v1/rescues/${c.id}/status`, headers: admin, payload: { status: 'repaired' } });
    const from = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const stationAuth = h.auth(await h.token('station', { stationId: 'RS2' }));
    const card = await h.app.inject({ method: 'GET', url: `/v1/stations/RS2/scorecard?from=${from}&to=${to}`, headers: stationAuth });
    expect(card.statusCode, card.body).toBe(200);
    expect(card.json()).toMatchObject({ stationId: 'RS2', launches: 1, repairsDue: 1, repairsMissed24h: 1, repairedWithin24h: 0, repairedWithin24hRate: 0 });
    const other = await h.app.inject({ method: 'GET', url: `/v1/stations/RS2/scorecard?from=${from}&to=${to}`, headers: h.auth(await h.token('station', { stationId: 'RS1' })) });
    expect(other.statusCode).toBe(404);
  });
});
