// Acceptance (JT/T 808 gateway): the gateway is kill -9-ed three times during a 20,000-location stream from 200
// terminals that resend what was not answered. Answers go out only after the broker's PUBACK, so every
// answered location is in the broker's hands and every unanswered one is resent: stored = sent, and since a
// record's identity is (VIN, device time) the resends overwrite instead of duplicating.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local-services.ts';
import { createRedis } from '../../infra/redis.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { createJt808Terminal, type Jt808Terminal } from '../../simulators/jt808-terminal.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { spawnIngester, stopIngester, tempDir, testVin, type IngesterProcess } from '../ingest/support.ts';
import { fitTerminals, startGateway, stopGateway, type GatewayProcess } from './support.ts';

const services = testServices('gwkill');
const redis = createRedis(services, 'fail-fast');
const store = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });
const TERMINALS = 200;
const PER_TERMINAL = 100;
const fleet = Array.from({ length: TERMINALS }, (_, i) => ({ vin: testVin(17_000 + i), phone: String(15_000_000_000 + i) }));
const gateways: GatewayProcess[] = [];
const terminals: Jt808Terminal[] = [];
let ingester: IngesterProcess;

async function stored(): Promise<number> {
  const rows = await store.query('SELECT count(lat) FROM position');
  return Number(rows[0]?.count ?? 0);
}

beforeAll(async () => {
  await store.ensureDatabase();
  await fitTerminals(redis, services.redisPrefix, fleet);
  ingester = spawnIngester(services, { INGEST_CLIENT_ID: `gwk-${services.namespace}`, INGEST_SPOOL_DIR: tempDir('gwk'), INGEST_SHARE_GROUP: 'none' });
  await waitFor(() => ingester.output().includes('"subscribed"'), { what: 'ingester subscribed' });
});

afterAll(async () => {
  await Promise.all(terminals.map((t) => t.close()));
  for (const g of gateways) await stopGateway(g, 'SIGKILL');
  if (ingester) await stopIngester(ingester);
  redis.disconnect();
});

describe('gateway kill -9', () => {
  it('stores every location exactly once when the gateway is killed three times mid-stream', { timeout: 300_000 }, async () => {
    const ports = { port: await freePort(), metricsPort: await freePort() };
    const env = { JT808_MAX_CONNECTIONS_PER_ADDRESS: '1000', LOG_LEVEL: 'warn' };
    let gateway = await startGateway(services, env, ports);
    gateways.push(gateway);

    for (const [i, f] of fleet.entries()) {
      const t = createJt808Terminal({
        host: '127.0.0.1', port: ports.port, phone: f.phone, edition: i % 2 ? 2019 : 2013, plate: f.vin, reconnect: true, resendAfterMs: 5000,
      });
      terminals.push(t);
      await t.connect();
      expect((await t.register()).result).toBe(0);
      expect(await t.authenticate()).toBe(0);
    }

    const base = Math.floor(Date.now() / 1000) * 1000 - 6 * 3_600_000;
    let answered = 0;
    // Each terminal keeps up to 4 locations unanswered, as a terminal with a send window would.
    const sending = Promise.all(terminals.map(async (t, n) => {
      const window = new Set<Promise<number>>();
      for (let i = 0; i < PER_TERMINAL; i++) {
        const p = t.location({ lat: 30 + n / 1000, lon: 110 + i / 1000, ts: base + i * 1000, speedKmh: 50 }).then((result) => {
          window.delete(p);
          expect(result).toBe(0);
          answered++;
          return result;
        });
        window.add(p);
        if (window.size >= 4) await Promise.race(window);
      }
      await Promise.all(window);
    }));
    let finished = false;
    void sending.finally(() => (finished = true));

    let killsDuringStream = 0;
    for (let kill = 1; kill <= 3; kill++) {
      const before = answered;
      await waitFor(() => finished || answered > before + 500, { timeoutMs: 60_000, what: `progress before kill ${kill}` });
      if (!finished) killsDuringStream++;
      gateway.process.kill('SIGKILL');
      await gateway.process.exited();
      gateway = await startGateway(services, env, ports);
      gateways.push(gateway);
    }
    await sending;
    expect(killsDuringStream).toBe(3);
    expect(answered).toBe(TERMINALS * PER_TERMINAL);
    // Kills hit messages in flight: some were resent.
    expect(terminals.reduce((sum, t) => sum + t.resent(), 0)).toBeGreaterThan(0);

    await waitFor(async () => (await stored()) >= TERMINALS * PER_TERMINAL, { timeoutMs: 120_000, what: '20,000 points in InfluxDB' });
    expect(await stored()).toBe(TERMINALS * PER_TERMINAL);
    // Every terminal's 100 device times, each once.
    const perVin = await store.query('SELECT count(lat) FROM position GROUP BY vin');
    expect(perVin).toHaveLength(TERMINALS);
    expect(perVin.every((row) => Number(row.count) === PER_TERMINAL)).toBe(true);
  });
});
