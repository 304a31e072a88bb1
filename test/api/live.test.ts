// Track downsampling in InfluxDB, the ingester's dead letters, and the SSE event stream with scoping
// and Last-Event-ID resume (over a real socket: the app listens on a loopback port for this file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_EVENT_FIELD, type LiveEvent } from '../../core/events.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { startApiHarness, type ApiHarness } from './app-harness.ts';
import * as net from './fixtures.ts';
import { MAX_STREAMS_PER_CALLER } from '../../api/routes/events.ts';
import { waitFor } from '../harness/context.ts';

let h: ApiHarness;
let admin: Record<string, string>;
let baseUrl: string;

beforeAll(async () => {
  h = await startApiHarness('apilive');
  admin = h.auth(await h.token('admin'));
  for (const [kind, rows] of [['advisors', net.advisors], ['customers', net.customers], ['stations', net.stations], ['vehicles', net.vehicles]] as const) {
    expect((await h.app.inject({ method: 'POST', url: `/v1/import/${kind}`, headers: admin, payload: rows })).statusCode).toBe(200);
  }
  await h.app.inject({ method: 'PUT', url: '/v1/customers/C1/assignments', headers: admin, payload: { assignments: [{ region: '340100', stationId: 'S1', advisorId: 'A1' }] } });
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => h?.close());

describe('GET /v1/vehicles/{vin}/track', () => {
  const vin = net.vin(1);
  const start = Date.UTC(2026, 0, 5, 0, 0, 0);
  const points = 3 * 24 * 360; // three days, one point every 10 s

  beforeAll(async () => {
    const store = createTelemetryStore({ version: 1, url: h.services.influxUrl, database: h.services.influxDb });
    const lines: string[] = [];
    for (let i = 0; i < points; i++) {
      lines.push(`position,customer=C1,vin=${vin} lat=${31 + i / points},lon=117,speedKmh=${i % 90} ${start + i * 10_000}`);
    }
    for (let i = 0; i < lines.length; i += 5000) await store.write(lines.slice(i, i + 5000));
  });

  it('downsamples a long range in the database to at most 2000 points', async () => {
    const from = new Date(start).toISOString();
    const to = new Date(start + 3 * 24 * 3600_000).toISOString();
    const res = await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin}/track?from=${from}&to=${to}`, headers: admin });
    expect(res.statusCode, res.body).toBe(200);
    const track = res.json();
    expect(track.stepS).toBe(Math.ceil((3 * 24 * 3600) / 1999));
    expect(track.points.length).toBeGreaterThan(1900);
    expect(track.points.length).toBeLessThanOrEqual(2000);
    // Buckets are in time order and the latitude climbs with time, as written.
    for (let i = 1; i < track.points.length; i++) expect(track.points[i].t).toBeGreaterThan(track.points[i - 1].t);
    expect(track.points[0].lat).toBeCloseTo(31, 2);
    expect(track.points.at(-1).lat).toBeCloseTo(32, 2);
    expect(Math.max(...track.points.map((p: { speedKmh: number }) => p.speedKmh))).toBe(89);
  });

  it('returns raw-resolution points for a short range and honours a coarser step', async () => {
    const from = new Date(start).toISOString();
    const to = new Date(start + 600_000).toISOString();
    const raw = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin}/track?from=${from}&to=${to}`, headers: admin })).json();
    expect(raw.stepS).toBe(1);
    expect(raw.points).toHaveLength(60);
    const coarse = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin}/track?from=${from}&to=${to}&step=60`, headers: admin })).json();
    expect(coarse.points).toHaveLength(10);
  });

  it('refuses an inverted range naming the field', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin}/track?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`, headers: admin });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].field).toBe('querystring.from');
  });
});

describe('GET /v1/ingest/dead-letters', () => {
  it('shows the capped list newest first and the counts per reason', async () => {
    const key = `${h.services.redisPrefix}:ingest:dead-letters`;
    for (const [reason, vin] of [['bad_json', undefined], ['unknown_vin', net.vin(9)]] as const) {
      await h.redis.lpush(key, JSON.stringify({ at: new Date().toISOString(), reason, topic: 't/x', ...(vin ? { vin } : {}), detail: 'd', payload: '{oops' }));
      await h.redis.hincrby(`${h.services.redisPrefix}:ingest:dead-letter-counts`, reason, 1);
    }
    const res = (await h.app.inject({ method: 'GET', url: '/v1/ingest/dead-letters', headers: admin })).json();
    expect(res.counts).toEqual({ bad_json: 1, unknown_vin: 1 });
    expect(res.items.map((d: { reason: string }) => d.reason)).toEqual(['unknown_vin', 'bad_json']);
    const filtered = (await h.app.inject({ method: 'GET', url: '/v1/ingest/dead-letters?reason=bad_json', headers: admin })).json();
    expect(filtered.items).toHaveLength(1);
    expect(filtered.items[0]).toMatchObject({ reason: 'bad_json', payload: '{oops' });
  });
});

/** Reads SSE messages from a streaming fetch until `count` data messages arrived. */
async function readEvents(url: string, token: string, count: number, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<{ id: string; type: string; data: LiveEvent }> = [];
  let buffer = '';
  const done = (async () => {
    while (events.length < count) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
        if (fields.data) events.push({ id: fields.id!, type: fields.event!, data: JSON.parse(fields.data) as LiveEvent });
      }
    }
    controller.abort();
    return events;
  })();
  return { events: done, abort: () => controller.abort() };
}

describe('GET /v1/events (SSE)', () => {
  const key = () => `${h.services.redisPrefix}:events`;
  const publish = (event: LiveEvent) => h.redis.xadd(key(), '*', LIVE_EVENT_FIELD, JSON.stringify(event));
  const at = new Date().toISOString();

  it('streams only the events the caller may see, with stream ids', async () => {
    const customerToken = await h.token('customer', { customerId: 'C1' });
    const stationToken = await h.token('station', { stationId: 'S1' });
    const customerStream = await readEvents(`${baseUrl}/v1/events`, customerToken, 2);
    const stationStream = await readEvents(`${baseUrl}/v1/events?types=rescue.`, stationToken, 1);
    // The API subscribes before it sends the response headers: from here on nothing is missed.
    await publish({ type: 'vehicle.position', at, vin: net.vin(3), customerId: 'C2', data: { lat: 22.5 } });
    await publish({ type: 'vehicle.position', at, vin: net.vin(1), customerId: 'C1', data: { lat: 31.8 } });
    await publish({ type: 'rescue.offered', at, caseId: 'K1', customerId: 'C2', stationIds: ['S1'], data: {} });
    await publish({ type: 'rescue.launched', at, caseId: 'K2', customerId: 'C1', stationIds: ['S3'], data: {} });
    const seen = await customerStream.events;
    expect(seen.map((e) => `${e.type}:${e.data.customerId}`)).toEqual(['vehicle.position:C1', 'rescue.launched:C1']);
    expect(seen[0]!.id).toMatch(/^\d+-\d+$/);
    const stationSeen = await stationStream.events;
    expect(stationSeen.map((e) => `${e.type}:${e.data.caseId}`)).toEqual(['rescue.offered:K1']);
  });

  it('tells a station nothing about the other stations of a case it was offered', async () => {
    const stationStream = await readEvents(`${baseUrl}/v1/events?types=rescue.`, await h.token('station', { stationId: 'S1' }), 2);
    const agentStream = await readEvents(`${baseUrl}/v1/events?types=rescue.`, await h.token('agent'), 3);
    // K3 went to S3 first (declined), then to S1: every event of the case names both stations.
    const both = ['S3', 'S1'];
    await publish({ type: 'rescue.offered', at, caseId: 'K3', customerId: 'C1', stationIds: both, data: { stationId: 'S3', etaMin: 40 } });
    await publish({ type: 'rescue.escalated', at, caseId: 'K3', customerId: 'C1', stationIds: both, data: { reason: 'launch_window' } });
    await publish({ type: 'rescue.offered', at, caseId: 'K3', customerId: 'C1', stationIds: both, data: { stationId: 'S1', etaMin: 20 } });
    const stationSeen = await stationStream.events;
    expect(stationSeen.map((e) => `${e.type}:${String(e.data.data.stationId)}`)).toEqual(['rescue.escalated:undefined', 'rescue.offered:S1']);
    for (const e of stationSeen) expect(e.data.stationIds).toEqual(['S1']);
    expect(JSON.stringify(stationSeen)).not.toContain('S3');
    const agentSeen = await agentStream.events;
    expect(agentSeen.map((e) => e.data.stationIds)).toEqual([both, both, both]);
  });

  it('resumes after Last-Event-ID with what was missed', async () => {
    const first = await publish({ type: 'vehicle.status', at, vin: net.vin(1), customerId: 'C1', data: { n: 1 } });
    await publish({ type: 'vehicle.status', at, vin: net.vin(1), customerId: 'C1', data: { n: 2 } });
    await publish({ type: 'vehicle.status', at, vin: net.vin(1), customerId: 'C1', data: { n: 3 } });
    const token = await h.token('advisor', { advisorId: 'A1' });
    const stream = await readEvents(`${baseUrl}/v1/events?types=vehicle.status`, token, 2, { 'last-event-id': first! });
    const seen = await stream.events;
    expect(seen.map((e) => e.data.data.n)).toEqual([2, 3]);
  });

  it('caps the open streams of one caller', async () => {
    const token = await h.token('customer', { customerId: 'C1', sub: 'many-tabs' });
    const controllers: AbortController[] = [];
    try {
      for (let i = 0; i < MAX_STREAMS_PER_CALLER; i++) {
        const controller = new AbortController();
        controllers.push(controller);
        const res = await fetch(`${baseUrl}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
        expect(res.status).toBe(200);
      }
      const refused = await fetch(`${baseUrl}/v1/events`, { headers: { authorization: `Bearer ${token}` } });
      expect(refused.status).toBe(429);
      expect((await refused.json()).error).toBe('rate_limited');
    } finally {
      for (const c of controllers) c.abort();
    }
    // Closed streams free their slots.
    await waitFor(async () => {
      const controller = new AbortController();
      const res = await fetch(`${baseUrl}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
      controller.abort();
      return res.status === 200;
    }, { what: 'a free stream slot' });
  });

  it('refuses a malformed Last-Event-ID and a missing token', async () => {
    const token = await h.token('agent');
    const bad = await fetch(`${baseUrl}/v1/events`, { headers: { authorization: `Bearer ${token}`, 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
    const anonymous = await fetch(`${baseUrl}/v1/events`);
    expect(anonymous.status).toBe(401);
  });
});
