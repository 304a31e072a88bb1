// GET /v1/fleet/live and /v1/fleet/search against the real app, Redis and registry: scope, paging,
// the live columns, open cases on the first page, search without the province character.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { readApiConfig } from '../../api/config.ts';
import { createApiServices } from '../../api/services.ts';
import { LIVE_EVENT_FIELD, type LiveEvent } from '../../core/events.ts';
import { redisKeys } from '../../core/keys.ts';
import type { Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { startApiHarness, type ApiHarness } from './app-harness.ts';

let h: ApiHarness;
const vin = (n: number) => withCheckDigit(`LFWFLEET0${String(n).padStart(8, '0')}`);
const VEHICLES: Vehicle[] = [
  ...Array.from({ length: 30 }, (_, i): Vehicle => ({ vin: vin(i), customerId: 'acme', plate: `沪A${String(10000 + i)}`, active: true })),
  { vin: vin(100), customerId: 'globex', plate: '苏E·88123', active: true },
  { vin: vin(101), customerId: 'globex', plate: '苏E88124', active: false },
];

beforeAll(async () => {
  h = await startApiHarness('apifleet');
  const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
  await registry.putMany('customer', [{ id: 'acme', name: '顺达物流', active: true }, { id: 'globex', name: 'Globex Freight', active: true }]);
  await registry.putMany('vehicle', VEHICLES);
  const keys = redisKeys(h.services.redisPrefix);
  // The ingester's live hash for every other truck (same field names: core/live-state.ts).
  for (const [i, v] of VEHICLES.entries()) {
    if (i % 2) continue;
    await h.redis.hset(keys.live(v.vin), { customerId: v.customerId, lat: String(31 + i / 100), lon: '121.4', speedKmh: String(i), heading: '90', status: 'online', severity: i === 0 ? 'critical' : 'none', lastSeen: String(Date.now()), ts: String(Date.now()) });
  }
});
afterAll(async () => h?.close());

async function get(url: string, token: string) {
  const res = await h.app.inject({ method: 'GET', url, headers: h.auth(token) });
  return { status: res.statusCode, body: res.json() };
}

describe('GET /v1/fleet/live', () => {
  it('gives an agent every active truck with its live columns, and the customers\' names', async () => {
    const { status, body } = await get('/v1/fleet/live', await h.token('agent'));
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.total).toBe(31);
    expect(body.items).toHaveLength(31);
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((t: { vin: string }) => t.vin)).toEqual([...body.items.map((t: { vin: string }) => t.vin)].sort());
    const first = body.items.find((t: { vin: string }) => t.vin === vin(0));
    expect(first).toMatchObject({ plate: '沪A10000', customerId: 'acme', lat: 31, lon: 121.4, speed: 0, heading: 90, status: 'online', severity: 'critical' });
    const silent = body.items.find((t: { vin: string }) => t.vin === vin(1));
    expect(silent).toEqual({ vin: vin(1), plate: '沪A10001', customerId: 'acme', severity: 'none' });
    expect(body.customers).toEqual(expect.arrayContaining([{ id: 'acme', name: '顺达物流' }]));
    expect(body.openCases).toEqual([]);
  });

  it('pages with a cursor without losing or repeating a truck', async () => {
    const token = await h.token('admin');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { body } = await get(`/v1/fleet/live?limit=7${cursor ? `&cursor=${cursor}` : ''}`, token);
      seen.push(...body.items.map((t: { vin: string }) => t.vin));
      if (pages > 0) expect(body.openCases).toBeUndefined();
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(31);
  });

  it('shows a customer only its own trucks and refuses a station', async () => {
    const { body } = await get('/v1/fleet/live', await h.token('customer', { customerId: 'globex' }));
    expect(body.items.map((t: { plate: string }) => t.plate)).toEqual(['苏E·88123']);
    expect((await get('/v1/fleet/live', await h.token('station', { stationId: 's1' }))).status).toBe(403);
  });
});

describe('the live table behind GET /v1/fleet/live', () => {
  const keys = () => redisKeys(h.services.redisPrefix);
  /** A live event as the ingester publishes it (ingest/apply-state.ts), without touching the hash: only the stream can carry it. */
  const publish = (event: Omit<LiveEvent, 'at'>) => h.redis.xadd(keys().events, '*', LIVE_EVENT_FIELD, JSON.stringify({ at: new Date().toISOString(), ...event }));
  const truck = async (token: string, v: string) => (await get('/v1/fleet/live', token)).body.items.find((t: { vin: string }) => t.vin === v);

  it('moves a truck on a position published after the table was loaded, and keeps each customer to its own trucks', async () => {
    const agent = await h.token('agent');
    const globex = await h.token('customer', { customerId: 'globex' });
    expect(await truck(agent, vin(2))).toMatchObject({ lat: 31.02 });
    const ts = Date.now() + 60_000;
    await publish({ type: 'vehicle.position', vin: vin(2), customerId: 'acme', data: { ts, lat: 30.5, lon: 114.3, speedKmh: 71, heading: 180 } });
    await publish({ type: 'vehicle.fault', vin: vin(2), customerId: 'acme', data: { ts, lamps: { mil: false, redStop: true, amberWarning: false, protect: false }, severity: 'critical', active: [{ spn: 100, fmi: 1, oc: 1 }] } });
    await publish({ type: 'vehicle.status', vin: vin(2), customerId: 'acme', data: { status: 'offline' } });
    await expect.poll(() => truck(agent, vin(2)), { timeout: 10_000 }).toMatchObject({ lat: 30.5, lon: 114.3, speed: 71, heading: 180, ts, severity: 'critical', status: 'offline' });
    // An older position (a late batch) does not move it back.
    await publish({ type: 'vehicle.position', vin: vin(3), customerId: 'acme', data: { ts: Date.now(), lat: 29, lon: 106 } });
    await publish({ type: 'vehicle.position', vin: vin(2), customerId: 'acme', data: { ts: ts - 1000, lat: 1, lon: 1 } });
    await expect.poll(() => truck(agent, vin(3)), { timeout: 10_000 }).toMatchObject({ lat: 29, lon: 106 });
    expect(await truck(agent, vin(2))).toMatchObject({ lat: 30.5, lon: 114.3 });
    // Another customer's answer holds only its own truck, whatever the stream carried.
    const own = (await get('/v1/fleet/live', globex)).body;
    expect(own.items.map((t: { vin: string }) => t.vin)).toEqual([vin(100)]);
    expect(own.total).toBe(1);
  });

  it('reads a truck new in the registry, and a restarted API loads what changed while it was away', async () => {
    const agent = await h.token('agent');
    const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
    const added = vin(200);
    await h.redis.hset(keys().live(added), { customerId: 'acme', lat: '23.1', lon: '113.3', ts: String(Date.now()), status: 'online', severity: 'none' });
    await registry.put('vehicle', { vin: added, customerId: 'acme', plate: '粤A20000', active: true });
    expect(await truck(agent, added)).toMatchObject({ plate: '粤A20000', lat: 23.1, lon: 113.3, status: 'online' });

    // Written by hand, with no event (as if published while this API was down): the running table does not
    // re-read Redis per request, so it still has the old place…
    await h.redis.hset(keys().live(vin(4)), { lat: '45.75', lon: '126.65', ts: String(Date.now() + 120_000) });
    expect(await truck(agent, vin(4))).toMatchObject({ lat: 31.04 });
    // …a restarted API (new services over the same Redis) loads it, and its periodic resync finds the next one.
    const restarted = await buildApp(createApiServices(readApiConfig({ API_RATE_LIMIT_MAX: '100000', FLEET_LIVE_RESYNC_S: '1' }), {
      redis: h.redis, redisPrefix: h.services.redisPrefix, tokens: h.api.tokens, telemetry: h.api.telemetry, mqtt: h.api.mqtt, regions: h.api.regions,
    }));
    try {
      const fromRestarted = async (v: string) => (await restarted.inject({ method: 'GET', url: '/v1/fleet/live', headers: h.auth(agent) })).json().items.find((t: { vin: string }) => t.vin === v);
      expect(await fromRestarted(vin(4))).toMatchObject({ lat: 45.75, lon: 126.65 });
      await h.redis.hset(keys().live(vin(6)), { lat: '36.07', lon: '120.38', ts: String(Date.now() + 120_000) });
      await expect.poll(() => fromRestarted(vin(6)), { timeout: 10_000 }).toMatchObject({ lat: 36.07, lon: 120.38 });
    } finally {
      await restarted.close();
    }
  });
});

describe('GET /v1/fleet/search', () => {
  it('finds a plate without its province character and with separators ignored', async () => {
    const agent = await h.token('agent');
    expect((await get(`/v1/fleet/search?q=E88123`, agent)).body.items).toEqual([{ vin: vin(100), plate: '苏E·88123', customerId: 'globex', customerName: 'Globex Freight' }]);
    expect((await get(`/v1/fleet/search?q=${encodeURIComponent('苏e 88123')}`, agent)).body.items[0].vin).toBe(vin(100));
    // Partial: every plate containing A1000 (沪A10000 … 沪A10009), exact match first.
    const partial = (await get('/v1/fleet/search?q=A10005', agent)).body.items;
    expect(partial[0].plate).toBe('沪A10005');
    expect((await get('/v1/fleet/search?q=a1000', agent)).body.items).toHaveLength(10);
    // By VIN fragment; deactivated trucks are not found.
    expect((await get(`/v1/fleet/search?q=${vin(7).slice(-6)}`, agent)).body.items.map((m: { vin: string }) => m.vin)).toContain(vin(7));
    expect((await get('/v1/fleet/search?q=88124', agent)).body.items).toEqual([]);
  });

  it('keeps a customer inside its own trucks', async () => {
    const token = await h.token('customer', { customerId: 'acme' });
    expect((await get('/v1/fleet/search?q=88123', token)).body.items).toEqual([]);
  });
});
