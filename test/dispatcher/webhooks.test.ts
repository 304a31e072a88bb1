// Customer webhooks against real HTTP receivers on loopback (the one true external of the system).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../core/events.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, EVENT_ID_HEADER, verifyWebhook, createWebhookDeliverer } from '../../infra/webhooks.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { addFaultEvent, createRig, type DispatchRig } from './setup.ts';
import { makeCustomer, makeStations, makeVehicles, redStopEvent } from './fixtures.ts';

interface Received { headers: IncomingMessage['headers']; body: string }
const services = testServices('webhooks');
const centre = { lat: 34.75, lon: 113.62 };
const SECRET = 'whsec-0123456789abcdef';
let rig: DispatchRig;
const servers: Server[] = [];

async function receiver(answer: (n: number) => number): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = answer(received.length);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received };
}

let good: Awaited<ReturnType<typeof receiver>>;
let flaky: Awaited<ReturnType<typeof receiver>>;
let broken: Awaited<ReturnType<typeof receiver>>;
const vehicles = { good: makeVehicles('good', 1, 7000)[0]!, flaky: makeVehicles('flaky', 1, 7100)[0]!, broken: makeVehicles('broken', 1, 7200)[0]! };

beforeAll(async () => {
  good = await receiver(() => 204);
  flaky = await receiver((n) => (n === 1 ? 503 : 200));
  broken = await receiver(() => 500);
  rig = await createRig(
    services,
    { WEBHOOK_ATTEMPTS: '3', WEBHOOK_BACKOFF_MS: '50', STATION_OFFER_TIMEOUT_S: '60' },
    {
      stations: makeStations({ count: 10, centre, spreadDeg: 0.2, seed: 41, restrictedHours: 0, inactive: 0, noEngine: 0 }),
      customers: [
        makeCustomer('good', { webhookUrl: good.url, webhookSecret: SECRET }),
        makeCustomer('flaky', { webhookUrl: flaky.url, webhookSecret: SECRET }),
        makeCustomer('broken', { webhookUrl: broken.url, webhookSecret: SECRET }),
      ],
      vehicles: Object.values(vehicles),
    },
  );
  await rig.startDispatcher();
});
afterAll(async () => {
  await rig?.close();
  for (const s of servers) s.close();
});

describe('customer webhooks', () => {
  it('sends every rescue event of the customer, signed with HMAC-SHA256 over timestamp.body', async () => {
    await addFaultEvent(rig.faultQueue, redStopEvent(vehicles.good.vin, 'good', centre));
    await waitFor(() => good.received.length >= 2, { what: 'opened + offered webhooks' });
    const events = good.received.map((r) => JSON.parse(r.body) as LiveEvent);
    expect(events.map((e) => e.type).sort()).toEqual(['rescue.offered', 'rescue.opened']); // deliveries run in parallel: no order promise
    expect(events.every((e) => e.customerId === 'good' && e.vin === vehicles.good.vin)).toBe(true);
    for (const r of good.received) {
      const signature = String(r.headers[SIGNATURE_HEADER]);
      expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(verifyWebhook(SECRET, String(r.headers[TIMESTAMP_HEADER]), r.body, signature)).toBe(true);
      expect(verifyWebhook('another-secret-of-length', String(r.headers[TIMESTAMP_HEADER]), r.body, signature)).toBe(false);
      expect(verifyWebhook(SECRET, String(r.headers[TIMESTAMP_HEADER]), r.body.replace('good', 'evil'), signature)).toBe(false);
    }
    expect(new Set(good.received.map((r) => r.headers[EVENT_ID_HEADER])).size).toBe(2);
  });

  it('retries a failing receiver with backoff and delivers the same event again', async () => {
    await addFaultEvent(rig.faultQueue, redStopEvent(vehicles.flaky.vin, 'flaky', centre));
    await waitFor(() => flaky.received.length >= 3, { what: 'retry + second event' });
    const first = flaky.received[0]!;
    const retried = flaky.received.filter((r) => r.headers[EVENT_ID_HEADER] === first.headers[EVENT_ID_HEADER]);
    expect(retried.length).toBe(2);
    expect(retried[1]!.body).toBe(first.body);
  });

  it('dead-letters a delivery after the last try, visible through the store', async () => {
    await addFaultEvent(rig.faultQueue, redStopEvent(vehicles.broken.vin, 'broken', centre));
    const deliverer = createWebhookDeliverer({ registry: rig.registry, redis: rig.redis, prefix: services.redisPrefix, timeoutMs: 1000 });
    const dead = await waitFor(async () => {
      const all = await deliverer.listDeadLetters(100, 'broken');
      return all.length >= 2 ? all : undefined;
    }, { what: 'dead letters' });
    expect(dead[0]).toMatchObject({ customerId: 'broken', attempts: 3, error: 'webhook answered HTTP 500', url: broken.url });
    expect(broken.received.length).toBeGreaterThanOrEqual(6);
    expect(await deliverer.listDeadLetters(100, 'good')).toEqual([]);
  });
});
