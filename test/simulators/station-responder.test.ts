// The station responder against the real API (listening on loopback, real HTTP) and a real in-process
// dispatcher making the offers: it answers as each station with the station's own token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { readDispatcherConfig } from '../../dispatcher/config.ts';
import { startDispatcher, type RunningDispatcher } from '../../dispatcher/dispatcher.ts';
import type { RescueCase } from '../../core/rescue-case.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { signToken } from '../../infra/jwt.ts';
import { createRandom } from '../../core/prng.ts';
import { createRescueApiClient } from '../../simulators/rescue-api-client.ts';
import { answerOffer, DECLINE_REASONS, DEFAULT_STATION_BEHAVIOUR, type StationBehaviour } from '../../simulators/station-behaviour.ts';
import { createStationResponder, type StationResponder } from '../../simulators/station-responder.ts';
import { createComplaintDesk } from '../../simulators/complaint-desk.ts';
import { startApiHarness, TEST_JWT, type ApiHarness } from '../api/app-harness.ts';
import { makeCustomer, makeStations, makeVehicles } from '../dispatcher/fixtures.ts';
import { waitFor } from '../harness/context.ts';

let h: ApiHarness;
let dispatcher: RunningDispatcher;
let baseUrl: string;
let agentToken: string;
const centre = { lat: 30.6, lon: 114.3 };
const stations = makeStations({ count: 12, centre, spreadDeg: 0.3, seed: 77, restrictedHours: 0, inactive: 0, noEngine: 0, vans: [3, 4] });
const vehicles = makeVehicles('cust-sim', 6, 7700);

beforeAll(async () => {
  h = await startApiHarness('simstations');
  const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
  await registry.putMany('station', stations);
  await registry.putMany('customer', [makeCustomer('cust-sim')]);
  await registry.putMany('vehicle', vehicles);
  dispatcher = await startDispatcher(readDispatcherConfig(h.services.env({ STATION_OFFER_TIMEOUT_S: '60' })), pino({ level: 'error' }));
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const address = h.app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  agentToken = await h.token('agent');
});
afterAll(async () => {
  await dispatcher?.stop();
  await h?.close();
});

function responderWith(behaviour: StationBehaviour, seed: number, ownTokens = true): StationResponder {
  const api = createRescueApiClient({
    baseUrl,
    watchToken: agentToken,
    stationToken: async (stationId) => (ownTokens ? signToken(TEST_JWT, { sub: `sim-${stationId}`, role: 'station', stationId }) : undefined),
  });
  // ×600: a 30 min ETA passes in 3 s, a 10 min repair in 1 s.
  return createStationResponder({ api, rng: createRandom(seed), behaviour, speedup: 600, silentStations: new Set(), now: Date.now, log: () => {} });
}

async function report(vin: string): Promise<RescueCase> {
  const res = await fetch(`${baseUrl}/v1/rescues`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ vin, lat: centre.lat, lon: centre.lon, description: 'red stop lamp, engine stopped' }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as RescueCase;
}

async function getCase(id: string): Promise<RescueCase> {
  const res = await fetch(`${baseUrl}/v1/rescues/${id}`, { headers: { authorization: `Bearer ${agentToken}` } });
  return (await res.json()) as RescueCase;
}

describe('station behaviour', () => {
  it('accepts about the configured share and answers with a long-tailed delay around the median', () => {
    const rng = createRandom(5);
    const answers = Array.from({ length: 4000 }, () => answerOffer(rng, DEFAULT_STATION_BEHAVIOUR, { etaMin: 40 }));
    const accepted = answers.filter((a) => a.action === 'accept').length / answers.length;
    expect(accepted).toBeGreaterThan(0.87);
    expect(accepted).toBeLessThan(0.93);
    const delays = answers.map((a) => a.afterS).sort((a, b) => a - b);
    expect(delays[2000]!).toBeGreaterThan(80);
    expect(delays[2000]!).toBeLessThan(100);
    expect(delays[3960]!).toBeGreaterThan(2.5 * 90); // p99: the long tail (some offers time out)
    const reasons = new Set(answers.flatMap((a) => (a.action === 'decline' ? [a.reason] : [])));
    expect([...reasons].every((r) => DECLINE_REASONS.some(([known]) => known === r))).toBe(true);
    expect(reasons.size).toBeGreaterThan(2);
  });
});

describe('station responder against the API', () => {
  it('accepts offers as the offered station, then on site → repaired/towed → closed', async () => {
    const responder = responderWith({ ...DEFAULT_STATION_BEHAVIOUR, acceptProbability: 1, responseMedianS: 20, repairMedianS: 600, closeAfterS: 300 }, 1);
    const cases = await Promise.all(vehicles.slice(0, 3).map((v) => report(v.vin)));
    const finished = await waitFor(async () => {
      await responder.poll();
      await responder.runDue();
      const now = await Promise.all(cases.map((c) => getCase(c.id)));
      return now.every((c) => c.status === 'closed') ? now : undefined;
    }, { timeoutMs: 40_000, intervalMs: 100, what: 'all cases closed by the stations' });
    for (const c of finished) {
      const accepted = c.offers.find((o) => o.outcome === 'accepted')!;
      expect(c.launch).toMatchObject({ stationId: accepted.stationId, by: { kind: 'station', id: accepted.stationId }, manual: false });
      expect(c.launch!.etaMin).toBeGreaterThanOrEqual(5);
      const events = c.timeline.map((t) => t.to).filter(Boolean);
      expect(events).toEqual(expect.arrayContaining(['launched', 'on_site', 'closed']));
      expect(events.includes('repaired') || events.includes('towed')).toBe(true);
    }
    const s = responder.stats();
    expect(s.accepted).toBe(3);
    expect(s.closed).toBe(3);
    expect(s.errors).toBe(0);
  });

  it('a simulated customer files a complaint and the simulated desk answers it through the API', async () => {
    const api = createRescueApiClient({
      baseUrl, watchToken: agentToken, stationToken: async () => undefined,
      customerToken: async (customerId) => signToken(TEST_JWT, { sub: `sim-${customerId}`, role: 'customer', customerId }),
    });
    const c = await report(vehicles[5]!.vin);
    const id = await api.complain(c.id, 'cust-sim', '服务站到达比承诺的时间晚了很多。');
    expect(id).toMatch(/^cp-/);
    // ×3600: the desk's median answer time of 0.5 simulated hours is half a wall second.
    const desk = createComplaintDesk({ api, rng: createRandom(5), answerMedianH: 0.5, answerSigma: 0.3, speedup: 3600, now: Date.now });
    const answered = await waitFor(async () => {
      await desk.poll();
      return (await api.complaints('answered')).find((x) => x.id === id);
    }, { timeoutMs: 20_000, intervalMs: 100, what: 'the complaint answered by the desk' });
    expect(answered.caseId).toBe(c.id);
    expect(Date.parse(answered.answeredAt!)).toBeGreaterThanOrEqual(Date.parse(answered.filedAt));
    expect(desk.stats()).toMatchObject({ seen: 1, answered: 1, refused: 0, waiting: 0 });
    expect(await api.complaints('open')).toEqual([]);
  });

  it('declines with a reason; the dispatcher then offers the next station (agent on-behalf mode)', async () => {
    const responder = responderWith({ ...DEFAULT_STATION_BEHAVIOUR, acceptProbability: 0, responseMedianS: 20 }, 2, false);
    const created = await report(vehicles[3]!.vin);
    const second = await waitFor(async () => {
      await responder.poll();
      await responder.runDue();
      const c = await getCase(created.id);
      return c.offers.length >= 2 ? c : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100, what: 'a second offer after the decline' });
    const first = second.offers[0]!;
    expect(first.outcome).toBe('declined');
    expect(DECLINE_REASONS.map(([r]) => r)).toContain(first.reason);
    expect(second.offers[1]!.stationId).not.toBe(first.stationId);
    expect(responder.stats().declined).toBeGreaterThanOrEqual(1);
  });
});
