// Fault suite, telemetry half (the reliability verification of docs/reliability.md): real ingester processes against a private Redis, Mosquitto and
// InfluxDB, broken by signals and by our TCP proxy while simulated trucks publish numbered positions.
// After every fault heals, the stored set is read back: lost = duplicated = unexpected = 0.
//
// FAULT_SCALE (default 1) stretches the traffic and the stall durations; `npm run test:faults` runs the long
// form (FAULT_SCALE=10, InfluxDB stalled for 10 minutes). Results are printed as one JSON line per scenario
// and recorded in docs/reliability.md.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createTelemetryStore, type TelemetryStore } from '../../infra/telemetry-store.ts';
import { waitFor } from '../harness/context.ts';
import type { ServiceProcess } from '../harness/processes.ts';
import { startTcpProxy } from '../harness/tcp-proxy.ts';
import { createTruckFleet, type LedgerReport } from './ledger.ts';
import { FAULT_DEVICE_KEY, startFaultStack, type FaultStack } from './stack.ts';

const SCALE = Number(process.env.FAULT_SCALE ?? 1);
const STALL_MS = Number(process.env.FAULT_INFLUX_STALL_S ?? 8 * SCALE) * 1000;
const ROOT = 'fleet/v1';
const TRUCKS_PER_SCENARIO = 10;
/** Traffic pacing while InfluxDB is stalled (not a synchronisation: every check waits on a condition). */
const PACE_MS = 1000;
const SCENARIOS = ['kill9', 'influxstall', 'redisrestart', 'brokerrestart', 'netstall', 'twoingest', 'brokerkill'] as const;
/** Mosquitto's autosave_interval in infra/local-services.ts and deploy/mosquitto/mosquitto.conf. */
const BROKER_AUTOSAVE_S = 1;

function vinsFor(scenario: number): string[] {
  return Array.from({ length: TRUCKS_PER_SCENARIO }, (_, i) =>
    withCheckDigit(`LFS${String(scenario).padStart(2, '0')}0000${String(i).padStart(8, '0')}`),
  );
}
const PROBE_VIN = withCheckDigit('LPRBE000000000001');

let stack: FaultStack;
let redis: Redis;
let store: TelemetryStore;
const keys = redisKeys('fr');

beforeAll(async () => {
  const allVins = [PROBE_VIN, ...SCENARIOS.flatMap((_, i) => vinsFor(i))];
  stack = await startFaultStack({ trucks: allVins });
  redis = createRedis({ redisMode: 'standalone', redisUrl: stack.redis.url }, 'worker');
  const registry = createRegistryStore({ redis, prefix: 'fr' });
  await registry.put('customer', { id: 'faults', name: 'Fault suite logistics', active: true });
  await registry.putMany('vehicle', allVins.map((vin) => ({ vin, customerId: 'faults', active: true })));
  store = createTelemetryStore({ version: 1, url: stack.influx.url, database: 'faults' });
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.close();
});

/** One ingester alone subscribes plainly (`none`); several share the `ingest` group (docs/scaling.md). */
function spawnIngester(clientId: string, extra: Record<string, string> = {}): ServiceProcess {
  return stack.spawn(`ingest-${clientId}`, 'ingest/main.ts', {
    INGEST_CLIENT_ID: clientId,
    INGEST_SHARE_GROUP: 'none',
    INGEST_SPOOL_DIR: `${stack.dir}/spool-${clientId}`,
    INGEST_METRICS_PORT: '0',
    ...extra,
  });
}

/**
 * Stops an ingester for good: after it has drained (SIGTERM), its persistent session is cleared. A retired
 * member of the shared subscription would otherwise keep receiving its share of messages into a queue
 * nobody reads (docs/scaling.md: scaling in).
 */
async function retireIngester(processes: ServiceProcess[], clientIds: string[]): Promise<void> {
  for (const p of processes) p.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited()));
  for (const clientId of clientIds) {
    const session = await mqtt.connectAsync(stack.mosquitto.url, {
      clientId, clean: true, username: stack.accounts.ingester.username, password: stack.accounts.ingester.password, reconnectPeriod: 0,
    });
    await session.endAsync();
  }
}

/** Waits until an ingester is subscribed and working: a probe truck's position reaches the live state. */
async function waitUntilIngesting(mqttUrl = stack.mosquitto.url): Promise<void> {
  const probe = await createTruckFleet({
    mqttUrl: () => mqttUrl, topicRoot: ROOT, deviceKey: FAULT_DEVICE_KEY, vins: [PROBE_VIN],
    baseTime: Date.now() - 3_600_000, origin: { lat: 30, lon: 114 },
  });
  try {
    const before = await redis.hget(keys.live(PROBE_VIN), 'seq');
    await waitFor(
      async () => {
        await probe.publishRound(1);
        const seq = await redis.hget(keys.live(PROBE_VIN), 'seq');
        return seq !== null && seq !== before;
      },
      { timeoutMs: 30_000, intervalMs: 300, what: 'the ingester to process a probe message' },
    );
  } finally {
    await probe.close();
  }
}

async function settle(fleet: Awaited<ReturnType<typeof createTruckFleet>>, timeoutMs = 60_000 * Math.max(1, SCALE)): Promise<LedgerReport> {
  await waitFor(() => fleet.allAcknowledged(), { timeoutMs, what: 'all publishes acknowledged' });
  let report: LedgerReport | undefined;
  try {
    await waitFor(
      async () => {
        report = await fleet.readBack(store);
        return report.lost === 0;
      },
      { timeoutMs, intervalMs: 250, what: 'every acknowledged message to be stored' },
    );
  } catch {
    // fall through: the assertions below print the numbers
  }
  report = await fleet.readBack(store);
  return report;
}

function record(scenario: string, report: LedgerReport, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`FAULT-RESULT ${JSON.stringify({ scenario, scale: SCALE, ...report, ...extra })}\n`);
}

function expectClean(report: LedgerReport): void {
  expect(report.acknowledged).toBeGreaterThan(0);
  expect({ lost: report.lost, duplicated: report.duplicated, unexpected: report.unexpected, examples: report.examples }).toEqual({
    lost: 0, duplicated: 0, unexpected: 0, examples: { lost: [], duplicated: [], unexpected: [] },
  });
}

async function newFleet(scenario: number, mqttUrl = () => stack.mosquitto.url) {
  return createTruckFleet({
    mqttUrl, topicRoot: ROOT, deviceKey: FAULT_DEVICE_KEY, vins: vinsFor(scenario),
    baseTime: Date.now() - 20 * 3_600_000, origin: { lat: 31 + scenario * 0.1, lon: 117 },
  });
}

describe('telemetry survives faults (Jepsen-style set accounting)', { timeout: 240_000 * Math.max(1, SCALE) }, () => {
  it('ingester kill -9, three times during the stream', async () => {
    let ingester = spawnIngester('kill9');
    await waitUntilIngesting();
    const fleet = await newFleet(0);
    for (let round = 0; round < 3; round++) {
      await fleet.publishRound(100 * SCALE);
      // Kill while work is in flight: as soon as some of this round is stored.
      const storedBefore = (await fleet.readBack(store)).stored;
      await waitFor(async () => (await fleet.readBack(store)).stored > storedBefore, { what: 'progress before the kill' });
      ingester.kill('SIGKILL');
      await ingester.exited();
      await fleet.publishRound(50 * SCALE); // published while no ingester runs: the broker queues them
      ingester = spawnIngester('kill9');
    }
    const report = await settle(fleet);
    record('ingester kill -9 ×3', report);
    expectClean(report);
    await retireIngester([ingester], ['kill9']);
    await fleet.close();
  });

  it(`InfluxDB stalled (SIGSTOP) for ${STALL_MS / 1000} s during the stream, then resumed`, async () => {
    const ingester = spawnIngester('influxstall', { INGEST_INFLUX_TIMEOUT_MS: '2000' });
    await waitUntilIngesting();
    const fleet = await newFleet(1);
    await fleet.publishRound(50 * SCALE);
    stack.influx.child.kill('SIGSTOP');
    const stalledAt = Date.now();
    try {
      while (Date.now() - stalledAt < STALL_MS) {
        await fleet.publishRound(20 * SCALE);
        await waitFor(() => fleet.allAcknowledged(), { what: 'acks while InfluxDB is stalled (the spool takes the traffic)' });
        await new Promise((r) => setTimeout(r, PACE_MS)); // traffic pacing, not synchronisation
      }
    } finally {
      stack.influx.child.kill('SIGCONT');
    }
    const report = await settle(fleet);
    record('InfluxDB SIGSTOP', report, { stallSeconds: STALL_MS / 1000 });
    expectClean(report);
    await retireIngester([ingester], ['influxstall']);
    await fleet.close();
  });

  it('Redis restarted (SIGTERM, AOF) during the stream', async () => {
    const ingester = spawnIngester('redisrestart');
    await waitUntilIngesting();
    const fleet = await newFleet(2);
    await fleet.publishRound(100 * SCALE);
    await stack.restart('redis', 'SIGTERM');
    await fleet.publishRound(100 * SCALE);
    const report = await settle(fleet);
    record('Redis SIGTERM restart', report);
    expectClean(report);
    // The registry (system of record) survived the restart through the AOF.
    expect(await redis.hexists(keys.registry('vehicle'), vinsFor(2)[0]!)).toBe(1);
    await retireIngester([ingester], ['redisrestart']);
    await fleet.close();
  });

  it('Mosquitto restarted (SIGTERM, persistence) during the stream', async () => {
    const ingester = spawnIngester('brokerrestart');
    await waitUntilIngesting();
    const fleet = await newFleet(3);
    await fleet.publishRound(100 * SCALE);
    await stack.restart('mosquitto', 'SIGTERM');
    await fleet.publishRound(100 * SCALE);
    const report = await settle(fleet);
    record('Mosquitto SIGTERM restart', report);
    expectClean(report);
    await retireIngester([ingester], ['brokerrestart']);
    await fleet.close();
  });

  it('network stall between ingester and broker, then the connection is dropped', async () => {
    const target = new URL(stack.mosquitto.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    const ingester = spawnIngester('netstall', { MQTT_URL: proxy.url('mqtt') });
    try {
      await waitUntilIngesting();
      const fleet = await newFleet(4);
      await fleet.publishRound(50 * SCALE);
      proxy.stall();
      await fleet.publishRound(100 * SCALE);
      await waitFor(() => fleet.allAcknowledged(), { what: 'the broker to acknowledge while the ingester is cut off' });
      proxy.resume();
      proxy.drop();
      await fleet.publishRound(50 * SCALE);
      const report = await settle(fleet);
      record('ingester↔broker stall + drop', report);
      expectClean(report);
      await fleet.close();
    } finally {
      await retireIngester([ingester], ['netstall']);
      await proxy.close();
    }
  });

  it('two ingesters share the load; one is killed -9 and the other carries on', async () => {
    const a = spawnIngester('share-a', { INGEST_SHARE_GROUP: 'ingest' });
    const b = spawnIngester('share-b', { INGEST_SHARE_GROUP: 'ingest' });
    await waitUntilIngesting();
    const fleet = await newFleet(5);
    await fleet.publishRound(100 * SCALE);
    a.kill('SIGKILL');
    await a.exited();
    await fleet.publishRound(100 * SCALE);
    // The killed instance's own persistent session still holds what the broker assigned to it:
    // bring it back (same client id and spool) so that it drains its share.
    const a2 = spawnIngester('share-a', { INGEST_SHARE_GROUP: 'ingest' });
    const report = await settle(fleet);
    record('2 ingesters, one kill -9', report);
    expectClean(report);
    await retireIngester([a2, b], ['share-a', 'share-b']);
    await fleet.close();
  });

  it(`Mosquitto kill -9: what is lost is bounded by its ${BROKER_AUTOSAVE_S} s autosave (measured, documented)`, async () => {
    const ingester = spawnIngester('brokerkill');
    await waitUntilIngesting();
    const fleet = await newFleet(6);
    // The ingester is stalled so that messages wait in the broker when it crashes (the worst case).
    ingester.child.kill('SIGSTOP');
    await fleet.publishRound(50 * SCALE);
    await waitFor(() => fleet.allAcknowledged(), { what: 'the broker to acknowledge the first round' });
    const killedAt = Date.now();
    await stack.restart('mosquitto', 'SIGKILL');
    ingester.child.kill('SIGCONT');
    await fleet.publishRound(50 * SCALE);
    const report = await settle(fleet, 30_000);
    const windowMs = Math.max(0, ...report.lostAckTimes.map((at) => killedAt - at));
    record('Mosquitto kill -9 (bounded loss)', { ...report, lostAckTimes: [] }, { lostAckedWithinMsBeforeKill: windowMs });
    // Everything acknowledged more than one autosave interval (plus scheduling slack) before the crash survives,
    // and so does everything after the restart; only the last autosave window may be lost.
    for (const at of report.lostAckTimes) expect(killedAt - at).toBeLessThanOrEqual(BROKER_AUTOSAVE_S * 1000 + 1500);
    expect(report.duplicated).toBe(0);
    expect(report.unexpected).toBe(0);
    await retireIngester([ingester], ['brokerkill']);
    await fleet.close();
  });
});
