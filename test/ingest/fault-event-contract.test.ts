// The producer side of the fault-event contract (core/queues.ts FaultEventSchema): DM1 snapshots of every shape
// the ingester accepts (lamps only, no position, extreme coordinates, the largest SPN/FMI/OC, codes added and
// cleared) go the real way — MQTT → ingester process → Lua script → outbox → relay → BullMQ — and what lands in
// the queue must pass the schema the dispatcher validates with. The relay drops what the schema rejects, so a
// producer bug shows up here as a missing or invalid job.
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { parseLiveState } from '../../core/live-state.ts';
import { checkQueuePayload, JOB_OPTIONS, QUEUES, type FaultEvent } from '../../core/queues.ts';
import { deviceTopic } from '../../core/topics.ts';
import { freePort } from '../../infra/local-services.ts';
import { createRedis } from '../../infra/redis.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { mosquittoPub, registerVehicles, spawnIngester, stopIngester, tempDir, testVin, type IngesterProcess } from './support.ts';

const services = testServices('faultcontract');
const redis = createRedis(services, 'fail-fast');
const keys = redisKeys(services.redisPrefix);
const queue = new Queue<FaultEvent>(QUEUES.faultEvents, { connection: createRedis(services, 'fail-fast'), prefix: keys.bullPrefix });
let ingester: IngesterProcess | undefined;

afterAll(async () => {
  if (ingester) await stopIngester(ingester, 'SIGKILL');
  await queue.close();
  redis.disconnect();
});

describe('fault-event contract, producer side', () => {
  it('queues only fault events that the schema accepts, with the queue\'s job options', { timeout: 120_000 }, async () => {
    const vin = testVin(41);
    const customerId = `cust-contract-${'x'.repeat(64)}`.slice(0, 64); // the longest registry id
    await registerVehicles(redis, services.redisPrefix, [vin], customerId);
    const port = await freePort();
    ingester = spawnIngester(services, {
      INGEST_CLIENT_ID: `contract-${services.namespace}`, INGEST_SPOOL_DIR: tempDir('faultcontract'), INGEST_METRICS_PORT: String(port),
    });
    const p = ingester;
    await waitFor(() => p.output().includes('"subscribed"'), { what: 'ingester subscribed' });

    const ts = 1763809200000;
    const off = { mil: false, redStop: false, amberWarning: false, protect: false };
    const snapshots = [
      { ts, lamps: { ...off, amberWarning: true }, dtcs: [] },
      { ts: ts + 1000, lat: -89.999999, lon: 179.999999, lamps: { ...off, mil: true }, dtcs: [{ spn: 3364, fmi: 16, oc: 126 }] },
      { ts: ts + 2000, seq: 7, lat: 0, lon: -180, lamps: { ...off, redStop: true, protect: true }, dtcs: [{ spn: 524287, fmi: 31 }, { spn: 100, fmi: 1, oc: 0 }] },
      { ts: ts + 3000, dtcs: [] },
    ];
    await mosquittoPub(services, deviceTopic(services.topicRoot, vin, 'dm1'), snapshots.map((s) => JSON.stringify(s)));
    await waitFor(async () => parseLiveState(vin, await redis.hgetall(keys.live(vin)))?.dm1Ts === ts + 3000, { what: 'last snapshot applied' });
    await waitFor(async () => (await redis.xlen(keys.ingestOutbox)) === 0, { what: 'outbox relayed' });
    const jobs = (await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized']))
      .sort((a, b) => a.data.ts - b.data.ts);

    expect(jobs.map((j) => j.id)).toEqual(snapshots.map((s) => `${vin}-${s.ts}`));
    for (const job of jobs) {
      const checked = checkQueuePayload(QUEUES.faultEvents, job.data);
      expect(checked.ok ? 'valid' : checked.problem).toBe('valid');
      expect(job.opts).toMatchObject(JOB_OPTIONS[QUEUES.faultEvents]);
    }
    expect(jobs.map((j) => j.data.severity)).toEqual(['warning', 'warning', 'critical', 'info']);
    expect(jobs[0]!.data).not.toHaveProperty('lat');
    expect(jobs[1]!.data).toMatchObject({ customerId, lat: -89.999999, lon: 179.999999, added: [{ spn: 3364, fmi: 16, oc: 126 }], cleared: [] });
    expect(jobs[3]!.data).toMatchObject({ active: [], added: [], cleared: [{ spn: 100, fmi: 1, oc: 0 }, { spn: 524287, fmi: 31, oc: 0 }] });
  });
});
