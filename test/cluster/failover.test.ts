// Failover under load on the real cluster: a stream of 50,000 positions from 200 trucks (through the ingest state
// applier, retried batch by batch as the ingester replays its spool) and a storm of 200 breakdowns handled by two
// dispatchers; the master owning the most keys is SIGKILL-ed mid-storm and its replica promoted. It kills a node
// of the shared test cluster, so it runs alone: CLUSTER_FAILOVER=1 npm run test:cluster -- test/cluster/failover.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { pendingOffer, type RescueCase } from '../../core/rescue-case.ts';
import { redisNodes } from '../../infra/redis.ts';
import { createStateApplier } from '../../ingest/apply-state.ts';
import type { DecodedBatch } from '../../ingest/decode.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { createRig, type DispatchRig } from '../dispatcher/setup.ts';
import { makeCustomer, makeStations, makeVehicles, redStopEvent, seededRandom } from '../dispatcher/fixtures.ts';

const TRUCKS = 200;
const POSITIONS = 50_000;
const BATCH = 500;
const services = testServices('failover');
const centre = { lat: 30.6, lon: 114.3 };
const stations = makeStations({ count: 40, centre, spreadDeg: 0.6, seed: 29, restrictedHours: 0, inactive: 0, noEngine: 0, vans: [1, 3] });
const vehicles = makeVehicles('failover', TRUCKS, 3000);
const env = {
  STATION_OFFER_TIMEOUT_S: '2', RESCUE_LAUNCH_WINDOW_S: '12', ESCALATE_BEFORE_S: '5',
  DISPATCHER_JOB_LOCK_MS: '2000', DISPATCHER_SWEEP_INTERVAL_S: '2', DISPATCHER_CONCURRENCY: '8', LOG_LEVEL: 'silent',
};
let rig: DispatchRig;

beforeAll(async () => {
  rig = await createRig(services, env, { stations, customers: [makeCustomer('failover')], vehicles });
});
afterAll(async () => {
  await rig?.close();
});

describe.runIf(services.redisMode === 'cluster')('Redis Cluster failover under load', () => {
  it('SIGKILL of the busiest master: nothing acknowledged lost, every breakdown one case, every case launched or escalated', async () => {
    await rig.startDispatcher();
    await rig.startDispatcher();
    const base = Date.parse('2026-03-02T08:00:00Z');

    // Position stream: device time rises per truck; a batch is acknowledged when apply() resolves, retried until then.
    const applier = createStateApplier({ redis: rig.redis, prefix: services.redisPrefix, clientId: 'failover-ingest', spoolId: 'failover' });
    const newest = new Map<string, number>();
    let acked = 0;
    let retries = 0;
    const stream = (async () => {
      for (let start = 0; start < POSITIONS; start += BATCH) {
        const positions: DecodedBatch['positions'] = [];
        for (let i = start; i < start + BATCH; i++) {
          const v = vehicles[i % TRUCKS]!;
          positions.push({ vin: v.vin, customerId: 'failover', report: { ts: base + i * 10, lat: centre.lat + (i % 97) / 1000, lon: centre.lon }, receivedAt: i });
        }
        const batch: DecodedBatch = { positions, dm1s: [], statuses: [], alarms: [], deadLetters: [], received: { position: BATCH, dm1: 0, status: 0, alarm: 0, other: 0 } };
        // Redis failing over: the ingester retries the batch (idempotent) until it is applied.
        await waitFor(async () => {
          try {
            await applier.apply(batch, { segment: 1, offset: start + BATCH }, Date.now());
            return true;
          } catch (err) {
            retries++;
            throw err;
          }
        }, { timeoutMs: 120_000, intervalMs: 100, what: 'the batch applied through the failover' });
        acked += BATCH;
        for (const p of positions) newest.set(p.vin, p.report.ts);
      }
    })();

    // Stations with an even index accept what they are offered; the others never answer.
    const accepting = new Set(stations.filter((_, i) => i % 2 === 0).map((s) => s.id));
    let responding = true;
    // The stations poll every 100 ms until the test stops them; a poll failing during the failover is retried.
    const responder = waitFor(async () => {
      if (!responding) return true;
      for (const c of await rig.store.getMany(await rig.store.activeCaseIds())) {
        const offer = pendingOffer(c);
        if (c.status === 'offered' && offer && accepting.has(offer.stationId)) {
          await rig.commands.accept(c.id, offer.stationId, { vanId: 'v' }, { kind: 'station', id: offer.stationId }).catch(() => undefined);
        }
      }
      return false;
    }, { timeoutMs: 600_000, intervalMs: 100, what: 'the stations told to stop' });

    const rnd = seededRandom(7);
    const events = vehicles.map((v) => redStopEvent(v.vin, 'failover', { lat: centre.lat + (rnd() * 2 - 1) * 0.5, lon: centre.lon + (rnd() * 2 - 1) * 0.5 }));
    const jobs = events.map((e) => ({ name: 'fault', data: e, opts: { jobId: e.id, attempts: 5 } }));
    await rig.faultQueue.addBulk(jobs.slice(0, TRUCKS / 2));
    await waitFor(async () => (await rig.redis.zcard(rig.keys.caseIndex)) >= TRUCKS / 6, { what: 'first cases' });

    // The master with the most keys, by DBSIZE.
    const masters = redisNodes(rig.redis);
    const sizes = await Promise.all(masters.map((m) => m.dbsize()));
    const busiest = masters[sizes.indexOf(Math.max(...sizes))]!;
    const pids = new Map(inject('redisNodePids').split(',').map((entry) => entry.split(':').map(Number) as [number, number]));
    const pid = pids.get(Number(busiest.options.port))!;
    const casesAtKill = await rig.redis.zcard(rig.keys.caseIndex);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    // The second half of the storm arrives during the failover; the producer retries like the outbox relay does.
    await waitFor(async () => {
      await rig.faultQueue.addBulk(jobs.slice(TRUCKS / 2));
      return true;
    }, { timeoutMs: 120_000, intervalMs: 200, what: 'the second burst accepted by the queue' });
    const addedAfterMs = Date.now() - killedAt;
    await stream;

    // Polled until every case is settled or the deadline passes; the ledger is printed either way.
    const settled = (c: RescueCase) => c.status === 'launched' || c.escalated;
    let final: RescueCase[] = [];
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      try {
        final = await rig.store.getMany(await rig.redis.zrange(rig.keys.caseIndex, 0, -1));
        if (final.length >= TRUCKS && final.every(settled)) break;
      } catch {
        // failing over
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    responding = false;
    await responder;

    let liveWrong = 0;
    for (const [vin, ts] of newest) if ((await rig.redis.hget(rig.keys.live(vin), 'ts')) !== String(ts)) liveWrong++;
    const byVin = new Map<string, number>();
    for (const c of final) byVin.set(c.vin, (byVin.get(c.vin) ?? 0) + 1);
    const launched = final.filter((c) => c.status === 'launched').length;
    const escalated = final.filter((c) => c.status !== 'launched' && c.escalated).length;
    const unsettled = final.filter((c) => !settled(c)).map((c) => c.status);
    const lostCases = vehicles.filter((v) => !byVin.has(v.vin)).length;
    const doubled = [...byVin.values()].filter((n) => n > 1).length;
    process.stdout.write(
      `failover ledger: master :${busiest.options.port} (${Math.max(...sizes)} keys of ${sizes.join('/')}) SIGKILL-ed after ${casesAtKill} cases; ` +
        `second burst accepted ${addedAfterMs} ms after the kill; batch retries ${retries}\n` +
        `  positions: acked ${acked} / live state at newest ${TRUCKS - liveWrong} of ${TRUCKS} trucks / wrong ${liveWrong}\n` +
        `  breakdowns ${TRUCKS} / cases ${final.length} / lost ${lostCases} / doubled ${doubled} / launched ${launched} / escalated ${escalated} / neither ${unsettled.length} (${[...new Set(unsettled)].join(', ')})\n`,
    );
    expect(acked).toBe(POSITIONS);
    expect(liveWrong).toBe(0);
    expect(final).toHaveLength(TRUCKS);
    expect(lostCases).toBe(0);
    expect(doubled).toBe(0);
    expect(launched + escalated).toBe(TRUCKS);
  }, 240_000);
});
