// The rescue routes on the real app (app.inject, no port) against real Redis, with a real in-process
// dispatcher making the offers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { readDispatcherConfig } from '../../dispatcher/config.ts';
import { startDispatcher, type RunningDispatcher } from '../../dispatcher/dispatcher.ts';
import type { RescueCase } from '../../core/rescue-case.ts';
import { waitFor } from '../harness/context.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { makeCustomer, makeStations, makeVehicles } from './fixtures.ts';

let h: ApiHarness;
let dispatcher: RunningDispatcher;
const centre = { lat: 23.13, lon: 113.26 };
const stations = makeStations({ count: 30, centre, spreadDeg: 0.4, seed: 31, restrictedHours: 0, inactive: 0, noEngine: 0, vans: [2, 3] });
const mine = makeVehicles('cust-a', 5, 5000);
const theirs = makeVehicles('cust-b', 2, 6000);
const tokens: Record<string, string> = {};

beforeAll(async () => {
  h = await startApiHarness('rescuesapi');
  const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
  await registry.putMany('station', stations);
  await registry.putMany('customer', [makeCustomer('cust-a', { leadAdvisorId: 'adv-1' }), makeCustomer('cust-b')]);
  await registry.putMany('vehicle', [...mine, ...theirs]);
  dispatcher = await startDispatcher(readDispatcherConfig(h.services.env({ STATION_OFFER_TIMEOUT_S: '30' })), pino({ level: 'error' }));
  tokens.agent = await h.token('agent');
  tokens.custA = await h.token('customer', { customerId: 'cust-a' });
  tokens.custB = await h.token('customer', { customerId: 'cust-b' });
  tokens.advisor = await h.token('advisor', { advisorId: 'adv-1' });
  tokens.otherAdvisor = await h.token('advisor', { advisorId: 'adv-9' });
});
afterAll(async () => {
  await dispatcher?.stop();
  await h?.close();
});

async function call(method: 'GET' | 'POST', url: string, token: string, payload?: object) {
  const res = await h.app.inject({ method, url, headers: h.auth(token), ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() as RescueCase & { items: RescueCase[]; error: string; message: string } };
}

async function offered(id: string): Promise<RescueCase> {
  return waitFor(async () => {
    const r = await call('GET', `/v1/rescues/${id}`, tokens.agent!);
    return r.body.status === 'offered' ? r.body : undefined;
  }, { what: 'offer' });
}

describe('rescue API', () => {
  it('an agent reports a breakdown (201), the offered station sees and accepts it; others get 404', async () => {
    const created = await call('POST', '/v1/rescues', tokens.agent!, { vin: mine[0]!.vin, lat: centre.lat, lon: centre.lon, description: 'engine stopped', contactPhone: '+86 138 0000 0000' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ vin: mine[0]!.vin, customerId: 'cust-a', source: 'agent', status: 'open' });
    const c = await offered(created.body.id);
    const stationId = c.offers[0]!.stationId;
    const station = await h.token('station', { stationId });
    const other = await h.token('station', { stationId: stations.find((s) => s.id !== stationId)!.id });

    expect((await call('GET', `/v1/rescues/${c.id}`, station)).status).toBe(200);
    expect((await call('GET', `/v1/rescues/${c.id}`, other)).status).toBe(404);
    expect((await call('GET', `/v1/rescues/${c.id}`, tokens.custB!)).status).toBe(404);
    expect((await call('GET', `/v1/rescues/${c.id}`, tokens.otherAdvisor!)).status).toBe(404);
    expect((await call('GET', `/v1/rescues/${c.id}`, tokens.custA!)).status).toBe(200);
    expect((await call('GET', `/v1/rescues/${c.id}`, tokens.advisor!)).status).toBe(200);
    expect((await call('POST', `/v1/rescues/${c.id}/accept`, other, {})).status).toBe(404);
    expect((await call('GET', `/v1/rescues?stationId=${stationId}`, other)).body.items).toEqual([]);
    expect((await call('GET', '/v1/rescues', station)).body.items.map((x) => x.id)).toEqual([c.id]);

    const accepted = await call('POST', `/v1/rescues/${c.id}/accept`, station, { vanId: 'van-3', technician: 'Chen Jie', etaMin: 25 });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('launched');
    expect(accepted.body.launch).toMatchObject({ stationId, vanId: 'van-3', etaMin: 25, by: { kind: 'station', id: stationId } });
    // Cannot accept twice, cannot skip to closed.
    expect((await call('POST', `/v1/rescues/${c.id}/accept`, station, {})).body.error).toBe('invalid_transition');
    expect((await call('POST', `/v1/rescues/${c.id}/status`, station, { status: 'closed' })).status).toBe(409);
    expect((await call('POST', `/v1/rescues/${c.id}/status`, station, { status: 'on_site' })).body.status).toBe('on_site');
  });

  it('scopes reports and lists by role; the body cannot carry ownership fields', async () => {
    expect((await call('POST', '/v1/rescues', tokens.custA!, { vin: theirs[0]!.vin, lat: centre.lat, lon: centre.lon })).status).toBe(404);
    const bad = await call('POST', '/v1/rescues', tokens.custA!, { vin: mine[1]!.vin, lat: 23.1, lon: 113.2, customerId: 'cust-b' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('validation_failed');
    expect((await call('POST', '/v1/rescues', tokens.custA!, { vin: mine[1]!.vin, lat: 123, lon: 113 })).status).toBe(400);
    const own = await call('POST', '/v1/rescues', tokens.custA!, { vin: mine[1]!.vin, lat: centre.lat + 0.1, lon: centre.lon });
    expect(own.status).toBe(201);
    expect(own.body.source).toBe('customer');
    const again = await call('POST', '/v1/rescues', tokens.advisor!, { vin: mine[1]!.vin, lat: centre.lat + 0.1, lon: centre.lon });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(own.body.id);
    const theirCase = await call('POST', '/v1/rescues', tokens.custB!, { vin: theirs[0]!.vin, lat: centre.lat, lon: centre.lon });
    expect(theirCase.status).toBe(201);

    const listA = (await call('GET', '/v1/rescues', tokens.custA!)).body.items;
    expect(listA.length).toBeGreaterThan(0);
    expect(listA.every((c) => c.customerId === 'cust-a')).toBe(true);
    expect((await call('GET', '/v1/rescues?customerId=cust-b', tokens.custA!)).body.items).toEqual([]);
    const advisorList = (await call('GET', '/v1/rescues', tokens.advisor!)).body.items;
    expect(advisorList.map((c) => c.id)).toContain(own.body.id);
    expect(advisorList.every((c) => c.customerId === 'cust-a')).toBe(true);
    expect((await call('GET', '/v1/rescues?customerId=cust-b', tokens.agent!)).body.items.map((c) => c.id)).toEqual([theirCase.body.id]);
    // The dispatcher may have offered the case by now: filter by the status it has, and by one it has not.
    const current = (await call('GET', `/v1/rescues/${own.body.id}`, tokens.agent!)).body as { status: string };
    const ofVin = (await call('GET', `/v1/rescues?vin=${mine[1]!.vin}&status=${current.status}`, tokens.agent!)).body.items;
    expect(ofVin.map((c) => c.id)).toContain(own.body.id);
    expect(ofVin.every((c) => c.status === current.status && c.vin === mine[1]!.vin)).toBe(true);
    expect((await call('GET', `/v1/rescues?vin=${mine[1]!.vin}&status=closed`, tokens.agent!)).body.items).toEqual([]);

    // Customers cannot assign (403); they may cancel their own case.
    expect((await call('POST', `/v1/rescues/${own.body.id}/assign`, tokens.custA!, { stationId: stations[0]!.id })).status).toBe(403);
    const cancelled = await call('POST', `/v1/rescues/${own.body.id}/cancel`, tokens.custA!, { reason: 'driver restarted the engine' });
    expect(cancelled.body.status).toBe('cancelled');
    expect((await call('POST', `/v1/rescues/${theirCase.body.id}/cancel`, tokens.custA!, { reason: 'x' })).status).toBe(404);
  });

  it('decline moves the offer on; an agent assigns by hand; escalated filter and 401 without token', async () => {
    const created = await call('POST', '/v1/rescues', tokens.agent!, { vin: mine[2]!.vin, lat: centre.lat - 0.1, lon: centre.lon });
    const c = await offered(created.body.id);
    const first = c.offers[0]!.stationId;
    const station = await h.token('station', { stationId: first });
    expect((await call('POST', `/v1/rescues/${c.id}/decline`, station, { reason: 'all vans out', reasonCode: 'no_van' })).body.offers[0]!.outcome).toBe('declined');
    const next = await waitFor(async () => {
      const r = await call('GET', `/v1/rescues/${c.id}`, tokens.agent!);
      return r.body.offers.length === 2 ? r.body : undefined;
    }, { what: 'second offer' });
    expect(next.offers[1]!.stationId).not.toBe(first);
    // The station that declined still sees the case it was offered.
    expect((await call('GET', `/v1/rescues/${c.id}`, station)).status).toBe(200);
    const assigned = await call('POST', `/v1/rescues/${c.id}/assign`, tokens.agent!, { stationId: first, technician: 'Zhao Lei', note: 'phoned: a van came back' });
    expect(assigned.status).toBe(200);
    expect(assigned.body.launch).toMatchObject({ stationId: first, manual: true });
    expect(assigned.body.offers[1]!.outcome).toBe('withdrawn');
    // The escalated filter splits the list exactly (an `.every` on the filtered list alone passes when it is empty).
    const everyCase = (await call('GET', '/v1/rescues', tokens.agent!)).body.items;
    expect(everyCase.length).toBeGreaterThan(0);
    for (const flag of [true, false]) {
      const filtered = (await call('GET', `/v1/rescues?escalated=${flag}`, tokens.agent!)).body.items;
      expect(filtered.map((x) => x.id).sort(), `escalated=${flag}`).toEqual(everyCase.filter((x) => x.escalated === flag).map((x) => x.id).sort());
    }
    expect((await h.app.inject({ method: 'GET', url: '/v1/rescues' })).statusCode).toBe(401);
    expect((await call('GET', '/v1/rescues/rc-nope-0000000000', tokens.agent!)).status).toBe(404);
    expect((await call('GET', '/v1/rescues/webhook-dead-letters', tokens.agent!)).body.items).toEqual([]);
  });

  it('shows admins a board of the dispatcher queues with the pending timers', async () => {
    const admin = await h.token('admin');
    expect((await call('GET', '/v1/rescue-queues', tokens.agent!)).status).toBe(403);
    const res = await h.app.inject({ method: 'GET', url: '/v1/rescue-queues', headers: h.auth(admin) });
    expect(res.statusCode).toBe(200);
    const board = res.json() as { queues: Array<{ name: string; counts: Record<string, number>; delayed: Array<{ id: string; runAt?: number }> }> };
    expect(board.queues.map((q) => q.name).sort()).toEqual(['fault-events', 'rescue-jobs', 'rescue-webhooks']);
    const timers = board.queues.find((q) => q.name === 'rescue-jobs')!;
    expect(timers.counts.delayed).toBeGreaterThan(0);
    expect(timers.delayed.some((j) => j.id.startsWith('sla-repair-') && j.runAt! > Date.now())).toBe(true);
    const retried = await h.app.inject({ method: 'POST', url: '/v1/rescue-queues/rescue-jobs/retry-failed', headers: h.auth(admin) });
    expect(retried.json()).toEqual({ retried: 0 });
    expect((await h.app.inject({ method: 'POST', url: '/v1/rescue-queues/nope/retry-failed', headers: h.auth(admin) })).statusCode).toBe(400);
  });

  it('exposes rescue metrics shared by all instances (counted in the atomic case commit)', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/rescue-metrics' });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"+]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1]);
    // Two launches so far in this file (one accept, one manual assignment), both within the window.
    expect(value('rescue_events_total{event="launched"}')).toBe(1);
    expect(value('rescue_events_total{event="assigned"}')).toBe(1);
    expect(value('rescue_time_to_launch_seconds_count')).toBe(2);
    expect(value('rescue_time_to_launch_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(value('rescue_launched_within_window_ratio')).toBe(1);
    expect(value('rescue_declines_total{reason="no_van"}')).toBe(1);
    expect(value('rescue_events_total{event="cancelled"}')).toBe(1);
    expect(text).toMatch(/^rescue_queue_jobs\{queue="fault-events",state="waiting"\} \d+$/m);
    expect(value('rescue_offers_per_launched_case')).toBeGreaterThanOrEqual(1);
  });
});
