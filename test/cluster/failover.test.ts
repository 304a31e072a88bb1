// The failover acceptance on the real cluster, with the real processes: 200 trucks publish 50,000 positions
// and 200 red-stop DM1 snapshots over MQTT (QoS 1, Mosquitto); an ingester process stores the positions in InfluxDB
// and the live state in Redis and turns each DM1 change into a fault event (outbox → relay → BullMQ); two dispatcher
// processes open and dispatch the cases; the stations answer offers. Mid-storm the master owning the most keys is
// SIGKILL-ed and its replica promoted. The ledger (acked / stored / lost / duplicated; breakdowns / cases / launched
// / escalated) is printed, then every line of the acceptance is asserted. It kills a node of the shared test
// cluster, so it runs alone: CLUSTER_FAILOVER=1 npm run test:cluster -- test/cluster/failover.test.ts
import { loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { pendingOffer, type RescueCase } from '../../core/rescue-case.ts';
import { createRedis, redisNodes, type Redis } from '../../infra/redis.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { spawnService, type ServiceProcess } from '../harness/processes.ts';
import { createRig, type DispatchRig } from '../dispatcher/setup.ts';
import { makeCustomer, makeStations, makeVehicles, seededRandom } from '../dispatcher/fixtures.ts';
import { spawnIngester, stopIngester, tempDir, type IngesterProcess } from '../ingest/support.ts';
import { connectFleet, positionStream, redStopDm1, type FleetPublisher } from './failover-fleet.ts';

const TRUCKS = 200;
const POSITIONS = 50_000;
const services = testServices('failover');
const centre = { lat: 30.6, lon: 114.3 };
const stations = makeStations({ count: 40, centre, spreadDeg: 0.6, seed: 29, restrictedHours: 0, inactive: 0, noEngine: 0, vans: [1, 3] });
const vehicles = makeVehicles('failover', TRUCKS, 3000);
const env = {
  STATION_OFFER_TIMEOUT_S: '2', RESCUE_LAUNCH_WINDOW_S: '12', ESCALATE_BEFORE_S: '5',
  DISPATCHER_JOB_LOCK_MS: '2000', DISPATCHER_SWEEP_INTERVAL_S: '2', DISPATCHER_CONCURRENCY: '8', LOG_LEVEL: 'warn',
};
const telemetry = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });
let rig: DispatchRig;
let fleet: FleetPublisher | undefined;
const dispatchers: ServiceProcess[] = [];
let ingester: IngesterProcess | undefined;

beforeAll(async () => {
  await telemetry.ensureDatabase();
  rig = await createRig(services, env, { stations, customers: [makeCustomer('failover')], vehicles });
});
afterAll(async () => {
  for (const d of dispatchers) d.kill('SIGKILL');
  await Promise.all(dispatchers.map((d) => d.exited()));
  if (ingester) await stopIngester(ingester, 'SIGKILL');
  await fleet?.close();
  await rig?.close();
});

/** Polls `read` until `done` holds or the deadline passes, and returns the last reading either way (the ledger is printed on failure too). */
async function settle<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T | undefined> {
  let last: T | undefined;
  await waitFor(async () => {
    last = await read();
    return done(last);
  }, { timeoutMs, intervalMs: 500 }).catch(() => undefined);
  return last;
}

/** Log lines of a process grouped by message, for the diagnosis printed with the ledger. */
function logSummary(output: string): string {
  const counts = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } | string };
      const err = typeof entry.err === 'string' ? entry.err : entry.err?.message;
      const key = `${entry.msg ?? ''}${err ? `: ${err.replace(/job \S+/, 'job …').slice(0, 90)}` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      // not a log line
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `    ${n} × ${k}`).join('\n');
}

/** How many log lines of a process carry `msg` and were written after `since` (epoch ms). */
function logCountSince(output: string, msg: string, since: number): number {
  let count = 0;
  for (const line of output.split('\n')) {
    if (!line.startsWith('{') || !line.includes(`"msg":"${msg}"`)) continue;
    try {
      if ((JSON.parse(line) as { time?: number }).time! > since) count++;
    } catch {
      // not a log line
    }
  }
  return count;
}

describe.runIf(services.redisMode === 'cluster')('Redis Cluster failover under load', () => {
  it('SIGKILL of the busiest master: every acked position stored once, live state newest, every breakdown one case, launched or escalated', async () => {
    for (let i = 0; i < 2; i++) dispatchers.push(spawnService('dispatcher/main.ts', services.env({ ...env, LOG_LEVEL: 'info' })));
    // One ingester, subscribed without a share group: the documented set-up for one ingester on Mosquitto (docs/scaling.md).
    ingester = spawnIngester(services, {
      INGEST_CLIENT_ID: `failover-${services.namespace}`, INGEST_SPOOL_DIR: tempDir('failover'), INGEST_SHARE_GROUP: 'none', LOG_LEVEL: 'info',
    });
    await waitFor(() => dispatchers.every((d) => d.output().includes('dispatcher started')), { timeoutMs: 60_000, what: 'two dispatcher processes' });
    await waitFor(() => ingester!.output().includes('"subscribed"'), { timeoutMs: 60_000, what: 'the ingester subscribed' });
    fleet = await connectFleet(services, `failover-fleet-${services.namespace}`);

    // Position stream, paced (load shaping, not synchronisation) so that it runs through the failover.
    const base = Date.parse('2026-03-02T08:00:00Z');
    const stream = positionStream(vehicles.map((v) => v.vin), POSITIONS / TRUCKS, base);
    const newest = new Map<string, number>();
    for (const { vin, report } of stream) newest.set(vin, Math.max(newest.get(vin) ?? 0, report.ts as number));
    let acked = 0;
    const streaming = (async () => {
      for (let at = 0; at < stream.length; at += 250) {
        const tick = Date.now();
        await Promise.all(stream.slice(at, at + 250).map(async ({ vin, report }) => {
          await fleet!.publish(vin, 'position', report);
          acked++;
        }));
        const wait = 200 - (Date.now() - tick);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    })();

    // Stations with an even index accept what they are offered; the others never answer (their offers time out).
    const accepting = new Set(stations.filter((_, i) => i % 2 === 0).map((s) => s.id));
    let responding = true;
    const responder = waitFor(async () => {
      if (!responding) return true;
      for (const c of await rig.store.getMany(await rig.store.activeCaseIds())) {
        const offer = pendingOffer(c);
        if (c.status === 'offered' && offer && accepting.has(offer.stationId)) {
          await rig.commands.accept(c.id, offer.stationId, { vanId: 'v' }, { kind: 'station', id: offer.stationId }).catch(() => undefined);
        }
      }
      return false;
    }, { timeoutMs: 900_000, intervalMs: 100, what: 'the stations told to stop' });

    // Breakdowns: a red-stop DM1 from every truck, the first half before the kill, the second half during the failover.
    const rnd = seededRandom(7);
    const places = vehicles.map(() => ({ lat: centre.lat + (rnd() * 2 - 1) * 0.5, lon: centre.lon + (rnd() * 2 - 1) * 0.5 }));
    let breakdowns = 0;
    const breakDown = async (from: number, to: number) => {
      await Promise.all(vehicles.slice(from, to).map(async (v, i) => {
        await fleet!.publish(v.vin, 'dm1', redStopDm1(Date.now(), places[from + i]!));
        breakdowns++;
      }));
    };
    await waitFor(() => acked >= POSITIONS / 10, { timeoutMs: 60_000, what: 'the stream under way' });
    await breakDown(0, TRUCKS / 2);
    await waitFor(async () => (await rig.redis.zcard(rig.keys.caseIndex)) >= TRUCKS / 6, { timeoutMs: 60_000, what: 'first cases' });

    // The master with the most keys, by DBSIZE (the control-plane slot's: cases, queues, outbox, event stream).
    const masters = redisNodes(rig.redis);
    const sizes = await Promise.all(masters.map((m) => m.dbsize()));
    const busiest = masters[sizes.indexOf(Math.max(...sizes))]!;
    const pids = new Map(inject('redisNodePids').split(',').map((entry) => entry.split(':').map(Number) as [number, number]));
    const pid = pids.get(Number(busiest.options.port))!;
    const nodeLines = async (node: Redis) => ((await node.cluster('NODES')) as string).trim().split('\n').map((l) => l.split(' '));
    const before = await nodeLines(busiest);
    const killedId = before.find((f) => f[1]!.startsWith(`127.0.0.1:${busiest.options.port}@`))![0]!;
    const replicaAddr = before.find((f) => f[3] === killedId)![1]!.split('@')[0]!;
    const casesAtKill = await rig.redis.zcard(rig.keys.caseIndex);
    const ackedAtKill = acked;
    const killedAt = Date.now();
    let wholeAgainAt = Infinity;
    process.kill(pid, 'SIGKILL');
    // The replica promoted, as a surviving master sees it: the killed node flagged failed, every slot served again.
    const promoted = (async () => {
      const survivor = createRedis({ redisMode: 'standalone', redisUrl: `redis://127.0.0.1:${masters.find((m) => m !== busiest)!.options.port}` }, 'fail-fast');
      try {
        const killedFlag = async () => ((await survivor.cluster('NODES')) as string).split('\n').find((l) => l.includes(`:${busiest.options.port}@`))?.split(' ')[2] ?? '';
        const failedMs = await waitFor(async () => /(^|,)fail(,|$)/.test(await killedFlag()) && Date.now() - killedAt, { timeoutMs: 60_000, intervalMs: 50, what: 'the killed master flagged fail' });
        const okMs = await waitFor(async () => /cluster_state:ok/.test((await survivor.cluster('INFO')) as string) && Date.now() - killedAt, { timeoutMs: 60_000, intervalMs: 50, what: 'cluster_state:ok after the kill' });
        wholeAgainAt = Date.now();
        return `flagged fail after ${failedMs} ms, cluster_state:ok after ${okMs} ms`;
      } finally {
        survivor.disconnect();
      }
    })();
    await breakDown(TRUCKS / 2, TRUCKS);
    await streaming;
    const streamEndedMs = Date.now() - killedAt;
    const promotion = await promoted;
    const after = await nodeLines(redisNodes(rig.redis)[0]!);
    const roleAfter = (addr: string) => after.find((f) => f[1]!.startsWith(`${addr}@`))?.[2] ?? 'unknown';
    const replicaPromoted = /(^|,)master(,|$)/.test(roleAfter(replicaAddr));

    // Positions: everything acked reaches InfluxDB (the ingester retries through the failover).
    const countStored = async () => {
      const [all] = await telemetry.query('SELECT count(lat) FROM position');
      const [distinct] = await telemetry.query('SELECT count(distinct(seq)) FROM position');
      return { stored: Number(all?.count ?? 0), distinct: Number(distinct?.count ?? 0) };
    };
    await settle(countStored, (s) => s.stored >= acked && s.distinct >= acked, 180_000);
    const influx = await countStored();

    // Cases: polled until every truck has one and every case is launched or escalated.
    const settled = (c: RescueCase) => c.status === 'launched' || c.escalated;
    const final = (await settle(
      async () => rig.store.getMany(await rig.redis.zrange(rig.keys.caseIndex, 0, -1)),
      (cases) => cases.length >= TRUCKS && cases.every(settled),
      240_000,
    )) ?? [];
    responding = false;
    await responder;

    let liveWrong = 0;
    for (const [vin, ts] of newest) if ((await rig.redis.hget(rig.keys.live(vin), 'ts')) !== String(ts)) liveWrong++;
    const byVin = new Map<string, number>();
    for (const c of final) byVin.set(c.vin, (byVin.get(c.vin) ?? 0) + 1);
    const launched = final.filter((c) => c.status === 'launched').length;
    const escalated = final.filter((c) => c.status !== 'launched' && c.escalated).length;
    const unsettled = final.filter((c) => !settled(c)).map((c) => c.status);
    const withoutCase = vehicles.filter((v) => !byVin.has(v.vin)).length;
    const doubled = [...byVin.values()].filter((n) => n > 1).length;
    const lost = acked - influx.distinct;
    const duplicated = influx.stored - influx.distinct;
    // Each dispatcher still runs its timers once the failover is over: a rescue-jobs worker that stopped at the kill
    // (infra/redis.ts SettlingCluster) went unnoticed while the other dispatcher did its work, and failed the run when
    // both stopped. Counted from 10 s after the cluster was whole again (a worker's reconnection takes a few seconds).
    const timeoutsAfterFailover = dispatchers.map((d) => logCountSince(d.output(), 'offer timed out', wholeAgainAt + 10_000));
    const queues = await Promise.all([rig.faultQueue, rig.rescueJobs].map(async (q) => `${q.name} ${JSON.stringify(await q.getJobCounts('wait', 'active', 'delayed', 'failed'))}`));
    process.stdout.write(
      `failover ledger (load ${loadavg().map((l) => l.toFixed(1)).join(' ')}):\n` +
        `  master :${busiest.options.port} (${Math.max(...sizes)} keys of ${sizes.join('/')}) SIGKILL-ed after ${casesAtKill} cases and ${ackedAtKill} positions; ` +
        `${promotion}; stream ended ${streamEndedMs} ms after it\n` +
        `  killed master 127.0.0.1:${busiest.options.port} now "${roleAfter(`127.0.0.1:${busiest.options.port}`)}", its replica ${replicaAddr} now "${roleAfter(replicaAddr)}"\n` +
        `  | positions acked | stored | lost | duplicated | live state at newest |\n` +
        `  | ${acked} | ${influx.distinct} | ${lost} | ${duplicated} | ${TRUCKS - liveWrong} / ${TRUCKS} |\n` +
        `  | breakdowns | cases | without a case | doubled | launched | escalated | neither |\n` +
        `  | ${breakdowns} | ${final.length} | ${withoutCase} | ${doubled} | ${launched} | ${escalated} | ${unsettled.length} ${unsettled.length ? `(${[...new Set(unsettled)].join(', ')})` : ''} |\n` +
        `  offer timeouts handled from 10 s after cluster_state:ok, per dispatcher: ${timeoutsAfterFailover.join(' / ')}\n` +
        `  queues at the end: ${queues.join('; ')}\n` +
        dispatchers.map((d, i) => `  dispatcher ${i + 1} log:\n${logSummary(d.output())}`).join('\n') + '\n' +
        `  ingester log:\n${logSummary(ingester.output())}\n`,
    );
    expect(replicaPromoted).toBe(true);
    expect(acked).toBe(POSITIONS);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(liveWrong).toBe(0);
    expect(breakdowns).toBe(TRUCKS);
    expect(withoutCase).toBe(0);
    expect(doubled).toBe(0);
    expect(final).toHaveLength(TRUCKS);
    expect(launched + escalated).toBe(TRUCKS);
    expect(launched).toBeGreaterThan(0);
    expect(Math.min(...timeoutsAfterFailover)).toBeGreaterThan(0);
  }, 900_000);
});
