// A storm of breakdowns in one area handled by two dispatcher PROCESSES, one of them kill -9-ed mid-storm.
// Normal suite: 150 breakdowns; DISPATCH_STORM=500 runs the full-size storm of 500 (see docs/dispatch.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_EVENT_FIELD, type LiveEvent } from '../../core/events.ts';
import { pendingOffer, type RescueCase } from '../../core/rescue-case.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { createRig, type DispatchRig } from './setup.ts';
import { makeCustomer, makeStations, makeVehicles, redStopEvent, seededRandom } from './fixtures.ts';

const STORM = Number(process.env.DISPATCH_STORM ?? 150);
/** How often the simulated stations look for offers. */
const RESPONDER_POLL_MS = 100;
const services = testServices('dispatchstorm');
const centre = { lat: 30.6, lon: 114.3 };
const stations = makeStations({ count: 40, centre, spreadDeg: 0.6, seed: 23, restrictedHours: 0, inactive: 0, noEngine: 0, vans: [1, 3] });
const vehicles = makeVehicles('storm', STORM, 1000);
const env = {
  STATION_OFFER_TIMEOUT_S: '2',
  RESCUE_LAUNCH_WINDOW_S: '12',
  ESCALATE_BEFORE_S: '5',
  DISPATCHER_JOB_LOCK_MS: '2000',
  DISPATCHER_SWEEP_INTERVAL_S: '2',
  DISPATCHER_CONCURRENCY: '8',
  LOG_LEVEL: 'error',
};
let rig: DispatchRig;
const children: ChildProcess[] = [];

function spawnDispatcher(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'dispatcher/main.ts'], {
    cwd: process.cwd(),
    env: services.env(env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[dispatcher ${child.pid}] ${chunk.toString()}`));
  children.push(child);
  return child;
}

beforeAll(async () => {
  rig = await createRig(services, env, { stations, customers: [makeCustomer('storm')], vehicles });
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rig?.close();
});

describe('dispatcher storm with kill -9', () => {
  it(`${STORM} breakdowns in one area: every case ends launched or escalated, none doubled, never more offers than vans`, async () => {
    const a = spawnDispatcher();
    spawnDispatcher();
    await waitFor(async () => (await rig.faultQueue.getWorkers()).length >= 2, { what: 'two dispatcher processes', timeoutMs: 30_000 });

    const vans = new Map(stations.map((s) => [s.id, s.vans]));
    const violations: string[] = [];
    let responding = true;
    // Stations with an even index accept what they are offered; the others never answer.
    const accepting = new Set(stations.filter((_, i) => i % 2 === 0).map((s) => s.id));
    const responder = (async () => {
      while (responding) {
        const counts = await rig.store.vansInUse(stations.map((s) => s.id));
        for (const [id, used] of counts) if (used > vans.get(id)!) violations.push(`${id}: ${used} > ${vans.get(id)}`);
        for (const c of await rig.store.getMany(await rig.store.activeCaseIds())) {
          const offer = pendingOffer(c);
          if (c.status === 'offered' && offer && accepting.has(offer.stationId)) {
            await rig.commands.accept(c.id, offer.stationId, { vanId: 'v' }, { kind: 'station', id: offer.stationId }).catch(() => undefined);
          }
        }
        await new Promise((r) => setTimeout(r, RESPONDER_POLL_MS)); // a station's polling period, not a synchronisation
      }
    })();

    const rnd = seededRandom(5);
    const events = vehicles.map((v) => redStopEvent(v.vin, 'storm', { lat: centre.lat + (rnd() * 2 - 1) * 0.5, lon: centre.lon + (rnd() * 2 - 1) * 0.5 }));
    // Each breakdown is reported twice (a redelivered snapshot), in two bursts.
    const jobs = [...events, ...events].map((e, i) => ({ name: 'fault', data: e, opts: { jobId: i < events.length ? e.id : `${e.id}-again`, attempts: 5 } }));
    await rig.faultQueue.addBulk(jobs.slice(0, STORM));
    await waitFor(async () => (await rig.redis.zcard(rig.keys.caseIndex)) >= STORM / 3, { what: 'first third of the cases' });
    const casesAtKill = await rig.redis.zcard(rig.keys.caseIndex);
    a.kill('SIGKILL');
    await rig.faultQueue.addBulk(jobs.slice(STORM));

    const settled = (c: RescueCase) => c.status === 'launched' || c.escalated;
    const final = await waitFor(async () => {
      const ids = await rig.redis.zrange(rig.keys.caseIndex, 0, -1);
      if (ids.length < STORM) return undefined;
      const cases = await rig.store.getMany(ids);
      return cases.every(settled) ? cases : undefined;
    }, { what: 'every case launched or escalated', timeoutMs: 90_000, intervalMs: 250 });
    responding = false;
    await responder;

    const launched = final.filter((c) => c.status === 'launched').length;
    process.stdout.write(`storm ${STORM}: ${launched} launched, ${final.length - launched} escalated, one dispatcher kill -9-ed after ${casesAtKill} cases\n`);
    expect(final).toHaveLength(STORM);
    expect(new Set(final.map((c) => c.vin)).size).toBe(STORM);
    for (const v of vehicles) expect(await rig.redis.zcard(rig.keys.vehicleCases(v.vin))).toBe(1);
    expect(violations).toEqual([]);
    expect(final.filter((c) => c.status === 'launched').length).toBeGreaterThan(0);

    // Vans: a case holds at most one, and no station ends with more rescues than vans.
    const holders = new Map<string, string[]>();
    for (const s of stations) {
      const members = await rig.redis.smembers(rig.keys.stationVansInUse(s.id));
      expect(members.length).toBeLessThanOrEqual(s.vans);
      for (const m of members) holders.set(m, [...(holders.get(m) ?? []), s.id]);
    }
    for (const [caseId, at] of holders) expect(at, caseId).toHaveLength(1);
    for (const c of final.filter((c) => c.status === 'launched')) expect(holders.get(c.id)).toEqual([c.launch!.stationId]);

    // Never offered twice at once: on the live stream, every offer of a case is answered before the next.
    const entries = await rig.redis.xrange(rig.keys.events, '-', '+');
    const open = new Map<string, boolean>();
    for (const [, fields] of entries) {
      const e = JSON.parse(fields[fields.indexOf(LIVE_EVENT_FIELD) + 1]!) as LiveEvent;
      if (e.type === 'rescue.offered') {
        expect(open.get(e.caseId!), `case ${e.caseId} offered twice at once`).not.toBe(true);
        open.set(e.caseId!, true);
      } else if (['rescue.declined', 'rescue.offer_timed_out', 'rescue.launched', 'rescue.assigned', 'rescue.cancelled'].includes(e.type)) {
        open.set(e.caseId!, false);
      }
    }
    for (const c of final) {
      expect(c.offers.filter((o) => o.outcome === 'pending').length).toBeLessThanOrEqual(1);
      expect(c.offers.map((o) => o.attempt)).toEqual(c.offers.map((_, i) => i + 1));
    }
  });
});
