// Acceptance: a DM1 with the red stop lamp produces exactly one fault event even if the same snapshot is
// delivered five times — here to two ingesters sharing the subscription at once.
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { LIVE_EVENT_FIELD, type LiveEvent } from '../../core/events.ts';
import { redisKeys } from '../../core/keys.ts';
import { parseLiveState } from '../../core/live-state.ts';
import { QUEUES, type FaultEvent } from '../../core/queues.ts';
import { deviceTopic } from '../../core/topics.ts';
import { freePort } from '../../infra/local-services.ts';
import { createRedis } from '../../infra/redis.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { mosquittoPub, registerVehicles, scrapeCounter, spawnIngester, stopIngester, tempDir, testVin, type IngesterProcess } from './support.ts';

const services = testServices('dm1events');
const redis = createRedis(services, 'fail-fast');
const keys = redisKeys(services.redisPrefix);
const queue = new Queue<FaultEvent>(QUEUES.faultEvents, { connection: createRedis(services, 'fail-fast'), prefix: keys.bullPrefix });
const store = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });
const running: IngesterProcess[] = [];

afterAll(async () => {
  await Promise.all(running.map((p) => stopIngester(p, 'SIGKILL')));
  await queue.close();
  redis.disconnect();
});

async function faultJobs(): Promise<FaultEvent[]> {
  const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized']);
  return jobs.map((j) => j.data).sort((a, b) => a.ts - b.ts);
}

async function liveEvents(type: string): Promise<LiveEvent[]> {
  const entries = await redis.xrange(keys.events, '-', '+');
  return entries
    .map(([, fields]) => JSON.parse(fields[fields.indexOf(LIVE_EVENT_FIELD) + 1]!) as LiveEvent)
    .filter((e) => e.type === type);
}

describe('DM1 fault events', () => {
  it('emits one event per change, none for repeats, across two ingesters', { timeout: 120_000 }, async () => {
    const vin = testVin(31);
    await registerVehicles(redis, services.redisPrefix, [vin], 'cust-f');
    const ports: number[] = [];
    for (const id of ['a', 'b']) {
      const port = await freePort();
      ports.push(port);
      const p = spawnIngester(services, {
        INGEST_CLIENT_ID: `dm1-${id}-${services.namespace}`, INGEST_SPOOL_DIR: tempDir(`dm1${id}`), INGEST_METRICS_PORT: String(port),
      });
      running.push(p);
      await waitFor(() => p.output().includes('"subscribed"'), { what: `ingester ${id} subscribed` });
    }
    const topic = deviceTopic(services.topicRoot, vin, 'dm1');
    const ts = 1763805600000;
    const redStop = {
      ts, seq: 1, lat: 31.2304, lon: 121.4737,
      lamps: { mil: false, redStop: true, amberWarning: false, protect: false },
      dtcs: [{ spn: 100, fmi: 1, oc: 3 }, { spn: 3226, fmi: 2, oc: 1 }],
    };
    await mosquittoPub(services, topic, Array.from({ length: 5 }, () => JSON.stringify(redStop)));
    const first = await waitFor(async () => {
      const jobs = await faultJobs();
      return jobs.length > 0 && jobs;
    }, { what: 'the fault event job' });
    // The same codes again later (occurrence count grew) and the snapshot 5 more times: no change, no event.
    const repeat = { ...redStop, ts: ts + 60_000, seq: 2, dtcs: [{ spn: 3226, fmi: 2, oc: 1 }, { spn: 100, fmi: 1, oc: 4 }] };
    await mosquittoPub(services, topic, [JSON.stringify(repeat), ...Array.from({ length: 5 }, () => JSON.stringify(redStop))]);
    await waitFor(async () => parseLiveState(vin, await redis.hgetall(keys.live(vin)))?.dm1Ts === ts + 60_000, { what: 'repeat applied' });
    // All cleared: one more event with the cleared codes.
    const cleared = { ts: ts + 120_000, seq: 3, lamps: { mil: false, redStop: false, amberWarning: false, protect: false }, dtcs: [] };
    await mosquittoPub(services, topic, [JSON.stringify(cleared), JSON.stringify(cleared)]);
    // Both ingesters have applied all 13 DM1 deliveries (the shared subscription split them).
    await waitFor(async () => {
      const counts = await Promise.all(ports.map((port) => scrapeCounter(port, 'ingest_messages_received_total', { channel: 'dm1' })));
      return counts[0]! + counts[1]! === 13;
    }, { what: 'all 13 DM1 messages applied' });
    await waitFor(async () => (await redis.xlen(keys.ingestOutbox)) === 0, { what: 'outbox relayed' });
    const jobs = await faultJobs();

    expect(first).toHaveLength(1);
    expect(jobs).toHaveLength(2);
    expect(jobs[0]).toMatchObject({
      id: `${vin}-${ts}`, vin, customerId: 'cust-f', ts, severity: 'critical', lat: 31.2304, lon: 121.4737,
      lamps: redStop.lamps, active: redStop.dtcs, added: redStop.dtcs, cleared: [],
    });
    expect(jobs[1]).toMatchObject({
      id: `${vin}-${ts + 120_000}`, severity: 'info', active: [], added: [],
      cleared: [{ spn: 100, fmi: 1, oc: 4 }, { spn: 3226, fmi: 2, oc: 1 }],
    });
    const job = await queue.getJob(`${vin}-${ts}`);
    expect(job?.data.id).toBe(`${vin}-${ts}`);

    const faults = await liveEvents('vehicle.fault');
    expect(faults.map((e) => e.data.faultEventId)).toEqual([`${vin}-${ts}`, `${vin}-${ts + 120_000}`]);
    expect(faults[0]).toMatchObject({ vin, customerId: 'cust-f' });
    const live = parseLiveState(vin, await redis.hgetall(keys.live(vin)));
    expect(live).toMatchObject({ dm1Ts: ts + 120_000, dtcs: [], severity: 'none' });

    // Every distinct snapshot is in InfluxDB once (the 5 redeliveries overwrite their own point).
    const dm1Rows = await store.query(`SELECT count(dtcCount) FROM dm1 WHERE vin = '${vin}'`);
    expect(Number(dm1Rows[0]?.count)).toBe(3);
    const dtcRows = await store.query(`SELECT oc, severity FROM dtc WHERE vin = '${vin}' AND spn = '100'`);
    expect(dtcRows.map((r) => [r.oc, r.severity])).toEqual([[3, 'critical'], [4, 'critical']]);
  });
});
