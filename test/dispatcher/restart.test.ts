// Timers are BullMQ delayed jobs in Redis: they survive a restart of the dispatcher AND of Redis (AOF).
// This file runs its own redis-server (the shared one must never restart under other test files).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type LocalService } from '../../infra/local-services.ts';
import { testServices, waitFor, type TestServices } from '../harness/context.ts';
import { addFaultEvent, createRig, type DispatchRig } from './setup.ts';
import { makeCustomer, makeStations, makeVehicles, redStopEvent } from './fixtures.ts';

const shared = testServices('dispatchrestart');
const dir = mkdtempSync(join(tmpdir(), 'dispatch-restart-'));
const centre = { lat: 29.56, lon: 106.55 };
const [truck] = makeVehicles('restart', 1, 9500);
let redisServer: LocalService;
let rig: DispatchRig;

beforeAll(async () => {
  redisServer = await startRedis({ dir });
  const url = redisServer.url;
  const services: TestServices = { ...shared, redisUrl: url, env: (extra = {}) => shared.env({ ...extra, REDIS_URL: url }) };
  rig = await createRig(
    services,
    { STATION_OFFER_TIMEOUT_S: '2', RESCUE_LAUNCH_WINDOW_S: '12', ESCALATE_BEFORE_S: '6', DISPATCHER_SWEEP_INTERVAL_S: '3600' },
    {
      stations: makeStations({ count: 12, centre, spreadDeg: 0.3, seed: 61, restrictedHours: 0, inactive: 0, noEngine: 0 }),
      customers: [makeCustomer('restart')],
      vehicles: [truck!],
    },
  );
});
afterAll(async () => {
  await rig?.close();
  await redisServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('timers across restarts', () => {
  it('an offer timeout and the escalation set before a dispatcher + Redis restart fire once afterwards', async () => {
    const first = await rig.startDispatcher();
    await addFaultEvent(rig.faultQueue, redStopEvent(truck!.vin, 'restart', centre));
    const offered = await waitFor(async () => {
      const ids = await rig.redis.zrange(rig.keys.vehicleCases(truck!.vin), 0, -1);
      const c = ids[0] ? await rig.store.get(ids[0]) : undefined;
      return c?.status === 'offered' ? c : undefined;
    }, { what: 'first offer' });
    await waitFor(async () => (await rig.rescueJobs.getJob(`offer-timeout-${offered.id}-1`)) !== undefined, { what: 'timeout timer stored' });
    await waitFor(async () => (await rig.rescueJobs.getJob(`escalate-${offered.id}`)) !== undefined, { what: 'escalation timer stored' });

    // Everything goes down: the dispatcher, then Redis (graceful: AOF flushed), and comes back.
    await first.stop();
    rig.dispatchers.splice(0);
    await redisServer.stop();
    redisServer = await startRedis({ dir, port: redisServer.port });
    expect(await waitFor(async () => (await rig.redis.ping()) === 'PONG', { what: 'redis back' })).toBe(true);
    expect((await rig.store.get(offered.id))?.status).toBe('offered');
    await rig.startDispatcher();

    const escalated = await waitFor(async () => {
      const c = await rig.store.get(offered.id);
      return c?.escalated ? c : undefined;
    }, { what: 'escalation after restart', timeoutMs: 30_000 });
    expect(escalated.offers[0]!.outcome).toBe('timed_out');
    expect(escalated.offers.length).toBeGreaterThanOrEqual(2);
    expect(escalated.timeline.filter((t) => t.event === 'offer_timed_out' && t.details?.attempt === 1)).toHaveLength(1);
    expect(escalated.timeline.filter((t) => t.event === 'escalated')).toHaveLength(1);
    expect(Date.parse(escalated.escalatedAt!)).toBeLessThan(Date.parse(escalated.launchDeadline));
  });
});
