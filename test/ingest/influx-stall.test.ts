// Acceptance: InfluxDB stopped (SIGSTOP) during the stream, then resumed (SIGCONT): counts match.
// The test runs its OWN influxd so that stalling it cannot stall other test files. The stall lasts
// INGEST_INFLUX_STALL_S seconds (default 5; the full 10-minute outage: INGEST_INFLUX_STALL_S=600,
// see docs/ingest.md) and traffic keeps arriving while it lasts.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { parseLiveState } from '../../core/live-state.ts';
import { deviceTopic } from '../../core/topics.ts';
import { freePort, startInflux, type LocalService } from '../../infra/local-services.ts';
import { createRedis } from '../../infra/redis.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { mosquittoPub, positionJson, registerVehicles, scrapeCounter, spawnIngester, stopIngester, tempDir, testVin, type IngesterProcess } from './support.ts';

const services = testServices('influxstall');
const redis = createRedis(services, 'fail-fast');
const keys = redisKeys(services.redisPrefix);
const stallMs = Number(process.env.INGEST_INFLUX_STALL_S ?? 5) * 1000;
const influxDir = tempDir('influxd');
let influx: LocalService;
let ingester: IngesterProcess | undefined;

beforeAll(async () => {
  influx = await startInflux({ dir: influxDir });
}, 120_000);

afterAll(async () => {
  if (ingester) await stopIngester(ingester, 'SIGKILL');
  influx.child.kill('SIGCONT');
  await influx.stop();
  rmSync(influxDir, { recursive: true, force: true });
  redis.disconnect();
});

describe('InfluxDB outage', () => {
  it('spools through a SIGSTOP of influxd and stores everything after SIGCONT', { timeout: stallMs + 120_000 }, async () => {
    const store = createTelemetryStore({ version: 1, url: influx.url, database: services.influxDb });
    const vin = testVin(51);
    await registerVehicles(redis, services.redisPrefix, [vin], 'cust-s');
    const metricsPort = await freePort();
    ingester = spawnIngester(services, {
      INFLUX_URL: influx.url, INGEST_CLIENT_ID: `stall-${services.namespace}`, INGEST_SPOOL_DIR: tempDir('stall'),
      INGEST_METRICS_PORT: String(metricsPort), INGEST_INFLUX_TIMEOUT_MS: '1000', INGEST_BATCH_MAX: '1000',
    });
    const running = ingester;
    await waitFor(() => running.output().includes('"subscribed"'), { what: 'ingester subscribed' });
    const count = async () => Number((await store.query(`SELECT count(lat) FROM position WHERE vin = '${vin}'`))[0]?.count ?? 0);

    const total = 10_000;
    const lines = Array.from({ length: total }, (_, i) => positionJson(i, 1763950000000));
    const topic = deviceTopic(services.topicRoot, vin, 'position');
    await mosquittoPub(services, topic, lines.slice(0, 2000));
    await waitFor(async () => (await count()) === 2000, { what: 'first 2,000 stored' });

    influx.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await mosquittoPub(services, topic, lines.slice(2000));
    // While InfluxDB is frozen the ingester keeps accepting: the spool grows and writes fail (and are retried).
    await waitFor(async () => (await scrapeCounter(metricsPort, 'ingest_influx_write_failures_total')) >= 1, {
      timeoutMs: 30_000, what: 'failed InfluxDB writes during the stall',
    });
    expect(await scrapeCounter(metricsPort, 'ingest_spool_backlog_bytes')).toBeGreaterThan(0);
    // Hold the outage for its full length (this is the fault being injected, not a synchronisation wait).
    await waitFor(() => Date.now() - stoppedAt >= stallMs, { timeoutMs: stallMs + 5_000, intervalMs: 250, what: 'stall duration' });
    influx.child.kill('SIGCONT');

    await waitFor(async () => (await count()) === total, { timeoutMs: 90_000, what: `${total} points after the outage` });
    const distinct = await store.query(`SELECT count(distinct(seq)) FROM position WHERE vin = '${vin}'`);
    expect(Number(distinct[0]?.count)).toBe(total);
    const live = parseLiveState(vin, await redis.hgetall(keys.live(vin)));
    expect(live?.seq).toBe(total - 1);
    expect(running.child.exitCode).toBeNull();
  });
});
