// The sweep's schedule survives losing its next job, as a failover can lose it (BullMQ's writes are not covered by
// WAIT): the dispatcher's watchdog sees the next run overdue and schedules the sweep again (dispatcher/dispatcher.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESCUE_QUEUES } from '../../core/queues.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { createRig, type DispatchRig } from '../dispatcher/setup.ts';
import { makeCustomer, makeStations, makeVehicles } from '../dispatcher/fixtures.ts';

const services = testServices('sweepwatchdog');
const centre = { lat: 30.6, lon: 114.3 };
const env = { DISPATCHER_SWEEP_INTERVAL_S: '1', DISPATCHER_JOB_LOCK_MS: '1000', LOG_LEVEL: 'silent' };
let rig: DispatchRig;

beforeAll(async () => {
  rig = await createRig(services, env, {
    stations: makeStations({ count: 2, centre, spreadDeg: 0.1, seed: 3, restrictedHours: 0, inactive: 0, noEngine: 0, vans: [1, 1] }),
    customers: [makeCustomer('watchdog')],
    vehicles: makeVehicles('watchdog', 1, 7000),
  });
});
afterAll(async () => {
  await rig?.close();
});

describe('sweep watchdog', () => {
  it('re-creates the sweep schedule when its next job was lost', async () => {
    await rig.startDispatcher();
    const first = await waitFor(() => rig.rescueJobs.getJobScheduler('sweep'), { what: 'the sweep scheduled' });

    // Lose the scheduler's next job the way a failover does: gone from Redis, the scheduler's record left behind.
    const queueKey = `${rig.keys.bullPrefix}:${RESCUE_QUEUES.rescueJobs}`;
    const lost = await waitFor(async () => {
      const scheduler = await rig.rescueJobs.getJobScheduler('sweep');
      const id = `repeat:sweep:${scheduler?.next}`;
      // Removed from the delayed set before the worker promoted it (else the next run is the one to lose).
      if ((await rig.redis.zrem(`${queueKey}:delayed`, id)) !== 1) return undefined;
      await rig.redis.del(`${queueKey}:${id}`);
      return { id, next: scheduler!.next! };
    }, { what: "the sweep's next job lost" });
    expect(await rig.rescueJobs.getJob(lost.id)).toBeUndefined();

    // Without the watchdog nothing would run the sweep again; with it, the schedule moves on past the lost run.
    const again = await waitFor(async () => {
      const scheduler = await rig.rescueJobs.getJobScheduler('sweep');
      return scheduler?.next && scheduler.next > lost.next && (await rig.rescueJobs.getJob(`repeat:sweep:${scheduler.next}`)) ? scheduler : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200, what: 'the sweep scheduled again' });
    expect(again.next).toBeGreaterThan(first.next ?? 0);
  });
});
