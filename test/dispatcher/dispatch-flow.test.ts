import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStationIndex } from '../../core/station-index.ts';
import { DEFAULT_ETA_MODEL, etaMinutes, greatCircleKm } from '../../core/eta.ts';
import { staticDropReason } from '../../core/candidates.ts';
import { LIVE_EVENT_FIELD, type LiveEvent } from '../../core/events.ts';
import { JOB_OPTIONS, QUEUES, RESCUE_QUEUES, type RescueJob } from '../../core/queues.ts';
import { newRescueCase, type Actor } from '../../core/rescue-case.ts';
import { readRescueConfig } from '../../infra/rescue-config.ts';
import { readRepairConfig } from '../../infra/repair-config.ts';
import { createComplaintStore } from '../../infra/complaint-store.ts';
import { createRegistryCache } from '../../infra/registry-cache.ts';
import { createNetworkView } from '../../dispatcher/network-view.ts';
import { createRescueProcessor } from '../../dispatcher/rescue-processor.ts';
import type { Station } from '../../core/registry.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { addFaultEvent, createRig, type DispatchRig } from './setup.ts';
import { makeCustomer, makeStations, makeVehicles, redStopEvent } from './fixtures.ts';

const services = testServices('dispatchflow');
const centre = { lat: 31.23, lon: 121.47 };
const stations: Station[] = makeStations({ count: 150, centre, spreadDeg: 0.8, seed: 11, restrictedHours: 0.3, inactive: 0.1, noEngine: 0.3 });
const vehicles = makeVehicles('acme', 40);
let rig: DispatchRig;
const agent: Actor = { kind: 'agent', id: 'agent-1' };

const RIG_ENV = { STATION_OFFER_TIMEOUT_S: '2', RESCUE_LAUNCH_WINDOW_S: '9', ESCALATE_BEFORE_S: '4', DRIVING_CHECK_S: '2', DISPATCHER_SWEEP_INTERVAL_S: '3' };

beforeAll(async () => {
  rig = await createRig(
    services,
    RIG_ENV,
    { stations, customers: [makeCustomer('acme')], vehicles },
  );
  await rig.startDispatcher();
});
afterAll(async () => {
  await rig?.close();
});

/** Least-ETA eligible station computed the slow, obvious way over the whole network. */
function bruteForceBest(point: { lat: number; lon: number }, at: Date, inUse: Map<string, number>): Station {
  const req = { ...point, capabilities: ['engine' as const], partsCategories: [], at, excludeStationIds: new Set<string>(), maxDistanceKm: 500 };
  const eligible = stations
    .filter((s) => staticDropReason(s, req) === undefined && (inUse.get(s.id) ?? 0) < s.vans)
    .sort((a, b) => etaMinutes(a, point, DEFAULT_ETA_MODEL) - etaMinutes(b, point, DEFAULT_ETA_MODEL));
  return eligible[0]!;
}

async function caseOf(vin: string) {
  const ids = await rig.redis.zrange(rig.keys.vehicleCases(vin), 0, -1);
  return ids.length === 1 ? rig.store.get(ids[0]!) : undefined;
}

describe('dispatcher: fault event → offer → launch', () => {
  it('offers a red-stop breakdown next to a station to the least-ETA capable, free, open station; accept launches it', async () => {
    const index = createStationIndex(stations, DEFAULT_ETA_MODEL);
    const near = index.nearest({ lat: centre.lat, lon: centre.lon, limit: 1, eligible: { capabilities: ['engine'], at: new Date(), excludeStationIds: new Set() } })[0]!.station;
    const point = { lat: near.lat + 0.003, lon: near.lon + 0.002 };
    const vin = vehicles[0]!.vin;
    const event = redStopEvent(vin, 'acme', point, { spn: 100 });
    const inUse = await rig.store.vansInUse(stations.map((s) => s.id));
    const expected = bruteForceBest(point, new Date(), inUse);

    await addFaultEvent(rig.faultQueue, event);
    const offered = await waitFor(async () => {
      const c = await caseOf(vin);
      return c?.status === 'offered' ? c : undefined;
    }, { what: 'offer' });
    expect(offered.offers[0]!.stationId).toBe(expected.id);
    expect(offered.offers[0]!.etaMin).toBeCloseTo(etaMinutes(expected, point, DEFAULT_ETA_MODEL), 0);
    expect(offered.capabilities).toEqual(['engine']);
    const kept = offered.candidates.filter((d) => d.kept);
    expect(kept[0]!.stationId).toBe(expected.id);
    expect(offered.candidates.some((d) => !d.kept)).toBe(true);
    expect(await rig.redis.sismember(rig.keys.stationVansInUse(expected.id), offered.id)).toBe(1);

    const station: Actor = { kind: 'station', id: expected.id };
    const launched = await rig.commands.accept(offered.id, expected.id, { vanId: 'van-1', technician: 'Li Wei' }, station);
    expect(launched.status).toBe('launched');
    expect(Date.parse(launched.launch!.at)).toBeLessThan(Date.parse(launched.launchDeadline));
    expect(launched.timeline.map((t) => t.event)).toEqual(['opened', 'offered', 'launched']);

    // Events went to the live stream, scoped to the customer and the station.
    const entries = await rig.redis.xrange(rig.keys.events, '-', '+');
    const events = entries.map(([, f]) => JSON.parse(f[f.indexOf(LIVE_EVENT_FIELD) + 1]!) as LiveEvent).filter((e) => e.caseId === offered.id);
    expect(events.map((e) => e.type)).toEqual(['rescue.opened', 'rescue.offered', 'rescue.launched']);
    expect(events[2]).toMatchObject({ customerId: 'acme', vin, stationIds: [expected.id] });

    // The launched rescue keeps holding the van; the case is the vehicle's open case.
    expect(await rig.redis.get(rig.keys.openCaseOfVehicle(vin))).toBe(offered.id);
    await rig.commands.setStatus(offered.id, 'on_site', undefined, station);
    await rig.commands.setStatus(offered.id, 'resolved', 'oil pump replaced', station);
    expect(await rig.redis.sismember(rig.keys.stationVansInUse(expected.id), offered.id)).toBe(0);
    expect(await rig.redis.get(rig.keys.openCaseOfVehicle(vin))).toBeNull();
  });

  it('a duplicated fault event never opens a second case; a new critical event attaches', async () => {
    const vin = vehicles[1]!.vin;
    const event = redStopEvent(vin, 'acme', centre, { id: 'dup-event-1' });
    await Promise.all(Array.from({ length: 5 }, () => addFaultEvent(rig.faultQueue, event)));
    // Even a job with a different id for the same snapshot (e.g. replayed by hand) cannot open a second case.
    await rig.faultQueue.add('fault', event, { jobId: 'dup-event-1-replayed' });
    await addFaultEvent(rig.faultQueue, redStopEvent(vin, 'acme', centre, { id: 'dup-event-2', spn: 110 }));
    const c = await waitFor(async () => {
      const found = await caseOf(vin);
      return found && found.faultEventIds.length === 2 && found.status === 'offered' ? found : undefined;
    }, { what: 'two events on one case' });
    await waitFor(async () => {
      const states = await Promise.all(['dup-event-1', 'dup-event-1-replayed', 'dup-event-2'].map((id) => rig.faultQueue.getJobState(id)));
      return states.every((state) => state === 'completed');
    }, { what: 'the three fault jobs done' });
    expect(await rig.redis.zcard(rig.keys.vehicleCases(vin))).toBe(1);
    expect(c.faultEventIds.sort()).toEqual(['dup-event-1', 'dup-event-2']);
    expect(c.spns).toEqual([100, 110]);
    expect(c.timeline.filter((t) => t.event === 'attached')).toHaveLength(1);
  });

  it('an unanswered case moves through candidates, escalates before the window ends, and an agent assigns it', async () => {
    const vin = vehicles[2]!.vin;
    const point = { lat: centre.lat - 0.2, lon: centre.lon + 0.1 };
    await addFaultEvent(rig.faultQueue, redStopEvent(vin, 'acme', point));
    const escalated = await waitFor(async () => {
      const c = await caseOf(vin);
      return c?.escalated ? c : undefined;
    }, { what: 'escalation', timeoutMs: 30_000 });
    // When the escalation timer is due is checked exactly, with an injected clock, below.
    expect(Date.parse(escalated.escalatedAt!)).toBeLessThan(Date.parse(escalated.launchDeadline));
    expect(escalated.escalationReason).toBe('launch_window');
    const timedOut = escalated.offers.filter((o) => o.outcome === 'timed_out');
    expect(timedOut.length).toBeGreaterThanOrEqual(1);
    expect(new Set(escalated.offers.map((o) => o.stationId)).size).toBe(escalated.offers.length);
    // Offers go in ETA order: each next station is no faster than the previous one.
    for (let i = 1; i < escalated.offers.length; i++) {
      expect(escalated.offers[i]!.etaMin).toBeGreaterThanOrEqual(escalated.offers[i - 1]!.etaMin - 1e-9);
    }

    const byHand = stations.find((s) => s.active && !escalated.offers.some((o) => o.stationId === s.id))!;
    const assigned = await rig.commands.assign(escalated.id, byHand.id, { technician: 'Wang Fang', etaMin: 40 }, agent);
    expect(assigned.status).toBe('launched');
    expect(assigned.launch).toMatchObject({ stationId: byHand.id, manual: true, by: agent });
    expect(await rig.redis.sismember(rig.keys.stationVansInUse(byHand.id), assigned.id)).toBe(1);
    // The pending offer, if any, no longer holds a van.
    for (const o of assigned.offers) {
      if (o.stationId !== byHand.id) expect(await rig.redis.sismember(rig.keys.stationVansInUse(o.stationId), assigned.id)).toBe(0);
    }
    await expect(rig.commands.accept(assigned.id, assigned.offers[0]!.stationId, {}, { kind: 'station', id: assigned.offers[0]!.stationId }))
      .rejects.toMatchObject({ code: 'invalid_transition' });
  });

  it('a declined offer goes to the next candidate at once', async () => {
    const vin = vehicles[3]!.vin;
    await addFaultEvent(rig.faultQueue, redStopEvent(vin, 'acme', { lat: centre.lat + 0.3, lon: centre.lon - 0.2 }));
    const first = await waitFor(async () => {
      const c = await caseOf(vin);
      return c?.status === 'offered' ? c : undefined;
    }, { what: 'first offer' });
    const s1 = first.offers[0]!.stationId;
    await rig.commands.decline(first.id, s1, 'no technician', { kind: 'station', id: s1 });
    const second = await waitFor(async () => {
      const c = await rig.store.get(first.id);
      return c && c.offers.length === 2 && c.status === 'offered' ? c : undefined;
    }, { what: 'second offer' });
    expect(second.offers[0]).toMatchObject({ outcome: 'declined', reason: 'no technician' });
    expect(second.offers[1]!.stationId).not.toBe(s1);
  });

  it('hostile fault-event payloads fail for good at the first attempt without harming the dispatcher', async () => {
    const hostile: unknown[] = [null, 'x', { id: 'h1' }, { ...redStopEvent('NOTAVIN', 'acme', centre), id: 'h2' }, { ...redStopEvent(vehicles[4]!.vin, 'acme', { lat: 999, lon: 0 }), id: 'h3' }];
    for (const [i, payload] of hostile.entries()) {
      await rig.faultQueue.add('fault', payload as never, { ...JOB_OPTIONS[QUEUES.faultEvents], jobId: `hostile-${i}` });
    }
    const failed = await waitFor(async () => {
      const jobs = await Promise.all(hostile.map((_, i) => rig.faultQueue.getJob(`hostile-${i}`)));
      return jobs.every((j) => j?.finishedOn !== undefined) ? jobs : undefined;
    }, { what: 'hostile jobs finished' });
    for (const job of failed) {
      expect(await job!.getState()).toBe('failed');
      expect(job!.attemptsMade).toBe(1);
      expect(job!.failedReason).toMatch(/^invalid fault event: /);
    }
    // Unknown vehicle: a valid event, ignored, no case.
    await addFaultEvent(rig.faultQueue, redStopEvent('LFWSCUJ5099999999', 'acme', centre, { id: 'unknown-vin' }));
    await waitFor(async () => (await rig.faultQueue.getJob('unknown-vin'))?.returnvalue, { what: 'unknown vin job' });
    expect((await rig.faultQueue.getJob('unknown-vin'))!.returnvalue).toBe('unknown_vehicle');
    expect(await rig.redis.zcard(rig.keys.vehicleCases('LFWSCUJ5099999999'))).toBe(0);
    // Still working.
    const vin = vehicles[5]!.vin;
    await addFaultEvent(rig.faultQueue, redStopEvent(vin, 'acme', centre));
    await waitFor(async () => (await caseOf(vin))?.status === 'offered', { what: 'offer after hostile input' });
  });

  it('flags a telematics case whose truck keeps driving for an agent', async () => {
    const vin = vehicles[6]!.vin;
    const reported = Date.now();
    await addFaultEvent(rig.faultQueue, redStopEvent(vin, 'acme', centre, { ts: reported }));
    const c = await waitFor(async () => caseOf(vin), { what: 'case' });
    const moved = { lat: centre.lat + 0.05, lon: centre.lon };
    await rig.redis.hset(rig.keys.live(vin), { ts: String(reported + 1000), lat: String(moved.lat), lon: String(moved.lon), speedKmh: '72' });
    const flagged = await waitFor(async () => {
      const latest = await rig.store.get(c.id);
      return latest?.needsConfirmation ? latest : undefined;
    }, { what: 'driving flag', timeoutMs: 15_000 });
    expect(flagged.needsConfirmation!.reason).toMatch(/still driving 72 km\/h/);
    // No further van is offered once flagged: the case goes to an agent instead.
    const escalated = await waitFor(async () => {
      const latest = await rig.store.get(c.id);
      return latest?.escalated ? latest : undefined;
    }, { what: 'flagged case escalated', timeoutMs: 15_000 });
    const flaggedAt = Date.parse(escalated.needsConfirmation!.at);
    expect(escalated.offers.filter((o) => Date.parse(o.offeredAt) > flaggedAt)).toEqual([]);
    expect(greatCircleKm(centre.lat, centre.lon, moved.lat, moved.lon)).toBeGreaterThan(1);
  });

  it('warns at 80 % of the launch window of a case still not launched', async () => {
    // A case of its own nobody answers: 80 % of the 9 s window is 7.2 s after its report.
    const vin = vehicles[9]!.vin;
    await addFaultEvent(rig.faultQueue, redStopEvent(vin, 'acme', { lat: centre.lat - 0.1, lon: centre.lon - 0.3 }));
    const warned = await waitFor(async () => {
      const c = await caseOf(vin);
      return c?.slaWarnings.includes('launch') ? c : undefined;
    }, { what: 'launch SLA warning', timeoutMs: 20_000 });
    const entry = warned.timeline.find((t) => t.event === 'sla_warning')!;
    expect(entry.details).toMatchObject({ clock: 'launch', deadline: warned.launchDeadline });
    expect(warned.slaWarnings).not.toContain('repair');
  });

  it('schedules escalation, SLA warnings and the driving check at their deadlines (injected clock)', async () => {
    const config = readRescueConfig(services.env(RIG_ENV));
    const now = new Date('2026-03-02T08:00:00.000Z');
    const c = newRescueCase({
      id: `timers-${services.namespace}`, vin: vehicles[10]!.vin, customerId: 'acme', source: 'telematics',
      reportedAt: new Date(now.getTime() - 1500), reportedBy: { kind: 'telematics', id: 'ingest' },
      spns: [100], systems: [], capabilities: ['engine'], partsCategories: [],
    }, config);
    // A queue no worker consumes: the jobs stay delayed, as scheduled.
    const timers = new Queue<RescueJob>(`timers-${services.namespace}`, { connection: rig.redis, prefix: rig.keys.bullPrefix });
    try {
      const processor = createRescueProcessor({
        store: rig.store, network: createNetworkView({ cache: createRegistryCache({ redis: rig.redis, keys: rig.keys }), registry: rig.registry, etaModel: DEFAULT_ETA_MODEL }),
        registry: rig.registry, redis: rig.redis, prefix: services.redisPrefix, jobs: timers, config, etaModel: DEFAULT_ETA_MODEL,
        logger: pino({ level: 'silent' }), now: () => now,
        repair: rig.repair, repairConfig: readRepairConfig(services.env(RIG_ENV)), complaints: createComplaintStore({ redis: rig.redis, prefix: services.redisPrefix }),
      });
      await processor.ensureTimers(c);
      const reported = Date.parse(c.reportedAt);
      const due = async (jobId: string) => {
        const job = (await timers.getJob(jobId))!;
        expect(job.opts).toMatchObject(JOB_OPTIONS[RESCUE_QUEUES.rescueJobs]);
        return now.getTime() + job.opts.delay!;
      };
      expect(await due(`escalate-${c.id}`)).toBe(Date.parse(c.escalateAt));
      expect(await due(`escalate-${c.id}`)).toBe(reported + (9 - 4) * 1000);
      expect(await due(`sla-launch-${c.id}`)).toBe(reported + 0.8 * 9000);
      // The repair clock: a warning REPAIR_WARNING_BEFORE_S before the deadline, the escalation at it.
      expect(await due(`sla-repair-${c.id}`)).toBe(Date.parse(c.repairDeadline) - config.repairWarningBeforeS * 1000);
      expect(await due(`repair-deadline-${c.id}`)).toBe(Date.parse(c.repairDeadline));
      expect(await due(`driving-${c.id}`)).toBe(reported + 2000);
    } finally {
      await timers.obliterate({ force: true });
      await timers.close();
    }
  });

  it('an agent report without a position uses the live state, and a second report attaches', async () => {
    const vin = vehicles[7]!.vin;
    await rig.redis.hset(rig.keys.live(vin), { ts: String(Date.now()), lat: String(centre.lat), lon: String(centre.lon), speedKmh: '0' });
    const first = await rig.commands.report({ vin, description: 'driver called: engine died' }, agent, 'agent');
    expect(first.created).toBe(true);
    expect(first.case.location).toMatchObject({ source: 'live_state', lat: centre.lat });
    const second = await rig.commands.report({ vin, lat: centre.lat, lon: centre.lon }, { kind: 'customer', id: 'u1' }, 'customer');
    expect(second.created).toBe(false);
    expect(second.case.id).toBe(first.case.id);
    await waitFor(async () => (await rig.store.get(first.case.id))?.status === 'offered', { what: 'API-opened case offered' });
    await expect(rig.commands.report({ vin: vehicles[8]!.vin }, agent, 'agent')).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
