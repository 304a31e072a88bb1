// The rescue metrics on the Prometheus `/metrics` of the real app, with a real in-process dispatcher against
// real Redis: the families are there with HELP and TYPE, their values follow the cases a test opens,
// declines, launches and escalates through the API, and they equal `/v1/rescue-metrics` (one source).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { readDispatcherConfig } from '../../dispatcher/config.ts';
import { startDispatcher, type RunningDispatcher } from '../../dispatcher/dispatcher.ts';
import type { RescueCase } from '../../core/rescue-case.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { RESCUE_METRIC_FAMILIES } from '../../infra/rescue-metrics.ts';
import { addScrapedFamilies } from '../../api/metrics.ts';
import { waitFor } from '../harness/context.ts';
import { makeCustomer, makeStations, makeVehicles } from '../dispatcher/fixtures.ts';
import { startApiHarness, type ApiHarness } from './app-harness.ts';

let h: ApiHarness;
let dispatcher: RunningDispatcher;
let agent: string;
const centre = { lat: 23.13, lon: 113.26 };
const stations = makeStations({ count: 20, centre, spreadDeg: 0.3, seed: 57, restrictedHours: 0, inactive: 0, noEngine: 0, vans: [2, 3] });
const vehicles = makeVehicles('cust-p', 3, 7000);

beforeAll(async () => {
  h = await startApiHarness('rescueprom');
  const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
  await registry.putMany('station', stations);
  await registry.putMany('customer', [makeCustomer('cust-p')]);
  await registry.putMany('vehicle', vehicles);
  dispatcher = await startDispatcher(readDispatcherConfig(h.services.env()), pino({ level: 'error' }));
  agent = await h.token('agent');
});
afterAll(async () => {
  await dispatcher?.stop();
  await h?.close();
});

async function scrape(url = '/metrics'): Promise<string> {
  const res = await h.app.inject({ method: 'GET', url });
  expect(res.statusCode).toBe(200);
  return res.body;
}

/** The value of one sample line (`name{labels}` exactly as exposed), or undefined when absent. */
function sample(text: string, line: string): number | undefined {
  const escaped = line.replace(/[{}"+.]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

async function call(method: 'GET' | 'POST', url: string, token: string, payload?: object): Promise<RescueCase> {
  const res = await h.app.inject({ method, url, headers: h.auth(token), ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json() as RescueCase;
}

async function pendingOffer(id: string, offers: number): Promise<RescueCase> {
  return waitFor(async () => {
    const c = await call('GET', `/v1/rescues/${id}`, agent);
    return c.status === 'offered' && c.offers.length === offers ? c : undefined;
  }, { what: `offer ${offers} of ${id}` });
}

describe('rescue metrics on /metrics', () => {
  it('exposes every rescue family with HELP and TYPE next to the HTTP and process metrics', async () => {
    const text = await scrape();
    for (const family of RESCUE_METRIC_FAMILIES) {
      expect(text).toContain(`# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`);
    }
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(sample(text, 'rescue_time_to_launch_seconds_count')).toBe(0);
    expect(sample(text, 'rescue_time_to_launch_seconds_bucket{le="+Inf"}')).toBe(0);
    expect(sample(text, 'rescue_escalations_total')).toBe(0);
    expect(sample(text, 'rescue_launched_within_window_ratio')).toBe(0);
    expect(sample(text, 'rescue_offers_per_launched_case')).toBe(0);
    expect(sample(text, 'rescue_open_cases')).toBe(0);
    for (const queue of ['fault-events', 'rescue-jobs', 'rescue-webhooks']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        expect(sample(text, `rescue_queue_jobs{queue="${queue}",state="${state}"}`), `${queue} ${state}`).toBeTypeOf('number');
      }
    }
  });

  it('follows a case that is opened, declined once and launched', async () => {
    const created = await call('POST', '/v1/rescues', agent, { vin: vehicles[0]!.vin, lat: centre.lat, lon: centre.lon });
    const opened = await scrape();
    expect(sample(opened, 'rescue_events_total{event="opened"}')).toBe(1);
    expect(sample(opened, 'rescue_open_cases')).toBe(1);

    const first = await pendingOffer(created.id, 1);
    const firstStation = await h.token('station', { stationId: first.offers[0]!.stationId });
    await call('POST', `/v1/rescues/${created.id}/decline`, firstStation, { reason: 'both vans out', reasonCode: 'no_van' });
    expect(sample(await scrape(), 'rescue_declines_total{reason="no_van"}')).toBe(1);

    const second = await pendingOffer(created.id, 2);
    const secondStation = await h.token('station', { stationId: second.offers[1]!.stationId });
    const launched = await call('POST', `/v1/rescues/${created.id}/accept`, secondStation, { vanId: 'van-1', etaMin: 20 });
    expect(launched.status).toBe('launched');

    const text = await scrape();
    expect(sample(text, 'rescue_events_total{event="launched"}')).toBe(1);
    expect(sample(text, 'rescue_time_to_launch_seconds_count')).toBe(1);
    expect(sample(text, 'rescue_time_to_launch_seconds_bucket{le="+Inf"}')).toBe(1);
    // Launched within seconds of the report: in every bucket, and within the window.
    expect(sample(text, 'rescue_time_to_launch_seconds_bucket{le="60"}')).toBe(1);
    const seconds = (Date.parse(launched.launch!.at) - Date.parse(launched.reportedAt)) / 1000;
    expect(sample(text, 'rescue_time_to_launch_seconds_sum')).toBeCloseTo(seconds, 2);
    expect(sample(text, 'rescue_launched_within_window_ratio')).toBe(1);
    expect(sample(text, 'rescue_offers_per_launched_case')).toBe(2);
    // The launched case waits on its timers (SLA clocks) in the dispatcher queue.
    expect(sample(text, 'rescue_queue_jobs{queue="rescue-jobs",state="delayed"}')).toBeGreaterThan(0);
  });

  it('counts an escalation (a breakdown far from every station has no candidate)', async () => {
    const before = await scrape();
    const created = await call('POST', '/v1/rescues', agent, { vin: vehicles[1]!.vin, lat: 43.83, lon: 87.62 });
    await waitFor(async () => (await call('GET', `/v1/rescues/${created.id}`, agent)).escalated, { what: 'escalation' });
    const after = await scrape();
    expect(sample(after, 'rescue_escalations_total')).toBe(sample(before, 'rescue_escalations_total')! + 1);
    expect(sample(after, 'rescue_events_total{event="escalated"}')).toBe(1);
    expect(sample(after, 'rescue_open_cases')).toBe(2);
    // Launch figures are untouched by a case that was not launched.
    expect(sample(after, 'rescue_time_to_launch_seconds_count')).toBe(1);
  });

  it('carries exactly the samples of /v1/rescue-metrics (one source, read at scrape time)', async () => {
    const rescueLines = (text: string) => text.split('\n').filter((l) => /^(# (HELP|TYPE) )?rescue_/.test(l));
    // Both read Redis at their own moment; the dispatcher's timers may move a queue count in between.
    await waitFor(async () => {
      const [json, prom] = await Promise.all([scrape('/v1/rescue-metrics'), scrape()]);
      const expected = rescueLines(json);
      return expected.length > 0 && JSON.stringify(rescueLines(prom)) === JSON.stringify(expected);
    }, { what: '/metrics and /v1/rescue-metrics to agree' });
  });

  it('keeps answering the other metrics when the rescue source cannot be read', async () => {
    const registry = new Registry();
    const errors: unknown[] = [];
    addScrapedFamilies(registry, RESCUE_METRIC_FAMILIES, () => Promise.reject(new Error('redis down')), (err) => errors.push(err));
    const text = await registry.metrics();
    expect(text).toContain('# TYPE rescue_escalations_total counter');
    expect(text).not.toMatch(/^rescue_/m);
    // One failed read per scrape, shared by every family.
    expect(errors).toHaveLength(1);
  });
});
