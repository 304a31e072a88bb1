// The dispatcher's work on rescue cases: open from critical fault events, find and offer candidates,
// run the timers (offer timeout, escalation, SLA warnings, still-driving check, the repair deadline, parts
// deliveries) and the sweep that repairs anything a crash left half-done (including parts holds no case
// lists). Every step re-reads the case and is safe to run twice.
import { alarmDescription } from '../core/alarm.ts';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { ConflictError, InvalidTransitionError, ValidationError } from '../core/errors.ts';
import { explainDropped, rankCandidates, searchCandidates, type CandidateRequest } from '../core/candidates.ts';
import { greatCircleKm, type EtaModel } from '../core/eta.ts';
import { faultNeeds } from '../core/fault-systems.ts';
import { parseLiveState } from '../core/live-state.ts';
import { isOpenStatus, pendingOffer, type Actor, type CaseAction, type RescueCase } from '../core/rescue-case.ts';
import { checkQueuePayload, JOB_OPTIONS, QUEUES, RESCUE_QUEUES, type RescueJob } from '../core/queues.ts';
import type { CaseStore } from '../infra/case-store.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { RescueConfig } from '../infra/rescue-config.ts';
import type { Logger } from '../infra/logger.ts';
import type { RepairServices } from '../repair/repair-services.ts';
import type { RepairConfig } from '../infra/repair-config.ts';
import type { ComplaintStore } from '../infra/complaint-store.ts';
import { escalateOverdueComplaints } from '../complaints/complaints.ts';
import type { NetworkView } from './network-view.ts';

export const DISPATCHER: Actor = { kind: 'dispatcher', id: 'dispatcher' };
const TELEMATICS: Actor = { kind: 'telematics', id: 'ingest' };
/** How many explained candidates a case keeps (the decision, not the whole network). */
const MAX_DECISIONS = 30;

const RESCUE_JOB_OPTIONS = JOB_OPTIONS[RESCUE_QUEUES.rescueJobs];

export interface RescueProcessorDeps {
  store: CaseStore;
  network: NetworkView;
  registry: Pick<RegistryStore, 'get'>;
  redis: Pick<Redis, 'hgetall'>;
  prefix: string;
  jobs: Pick<Queue<RescueJob>, 'add' | 'addBulk'>;
  config: RescueConfig;
  repair: Pick<RepairServices, 'caseParts' | 'reservations' | 'warranty'>;
  repairConfig: Pick<RepairConfig, 'partsReconcileGraceS'>;
  /** Complaints whose answer is overdue are escalated by the sweep. */
  complaints: Pick<ComplaintStore, 'overdueIds' | 'apply'>;
  etaModel: EtaModel;
  logger: Logger;
  now?: () => Date;
  /**
   * Called after each first offer decision of a case with ms since the triggering event was taken, and where
   * those ms went (bench:dispatch prints the tail's breakdown from it).
   */
  onDecision?: (ms: number, outcome: 'offered' | 'escalated', phases: DecisionPhases) => void;
}

/** Milliseconds of one first-offer decision by phase (each ends where the next begins). */
export interface DecisionPhases {
  /** Payload check, vehicle, live state, warranty: reads before the case exists. */
  prepare: number;
  /** The case-open commit (one Lua script). */
  open: number;
  /** Station index + assignments, the candidate search, van counts, ranking. */
  candidates: number;
  /** The offer commit (one Lua script) and its timeout job. */
  offer: number;
}

export type FaultOutcome = 'ignored' | 'unknown_vehicle' | 'opened' | 'attached';

export function createRescueProcessor(deps: RescueProcessorDeps) {
  const { store, network, config, logger } = deps;
  const keys = redisKeys(deps.prefix);
  const now = deps.now ?? (() => new Date());

  async function schedule(job: RescueJob, jobId: string, at: number): Promise<void> {
    await deps.jobs.add(job.kind, job, { ...RESCUE_JOB_OPTIONS, jobId, delay: Math.max(0, at - now().getTime()) });
  }

  /** Idempotent: deterministic job ids make a repeated call a no-op. One round trip for all timers. */
  async function ensureTimers(c: RescueCase): Promise<void> {
    const reported = Date.parse(c.reportedAt);
    const t = now().getTime();
    const timers: Array<[RescueJob, string, number]> = [
      [{ kind: 'escalate', caseId: c.id }, `escalate-${c.id}`, Date.parse(c.escalateAt)],
      [{ kind: 'sla_warning', caseId: c.id, clock: 'launch' }, `sla-launch-${c.id}`, reported + 0.8 * config.launchWindowS * 1000],
      [{ kind: 'sla_warning', caseId: c.id, clock: 'repair' }, `sla-repair-${c.id}`, Date.parse(c.repairDeadline) - config.repairWarningBeforeS * 1000],
      [{ kind: 'repair_deadline', caseId: c.id }, `repair-deadline-${c.id}`, Date.parse(c.repairDeadline)],
    ];
    if (c.source === 'telematics') timers.push([{ kind: 'driving_check', caseId: c.id }, `driving-${c.id}`, reported + config.drivingCheckS * 1000]);
    await deps.jobs.addBulk(timers.map(([data, jobId, at]) => ({
      name: data.kind, data, opts: { ...RESCUE_JOB_OPTIONS, jobId, delay: Math.max(0, at - t) },
    })));
  }

  async function apply(caseId: string, action: CaseAction, vans?: (stationId: string) => number, known?: RescueCase) {
    try {
      return await store.apply(caseId, action, DISPATCHER, vans, known);
    } catch (err) {
      if (err instanceof InvalidTransitionError) return undefined; // someone else moved the case first
      throw err;
    }
  }

  async function advisorFor(c: RescueCase): Promise<string | undefined> {
    const [assignments, customer, index] = await Promise.all([network.assignments(c.customerId), network.customer(c.customerId), network.stations()]);
    let best: { advisorId: string; km: number } | undefined;
    if (c.location) {
      for (const a of assignments) {
        const station = index.get(a.stationId);
        if (!station) continue;
        const km = greatCircleKm(c.location.lat, c.location.lon, station.lat, station.lon);
        if (!best || km < best.km) best = { advisorId: a.advisorId, km };
      }
    }
    return best && best.km <= config.maxDistanceKm ? best.advisorId : customer?.leadAdvisorId;
  }

  async function escalate(c: RescueCase, reason: string, candidates?: RescueCase['candidates']) {
    const advisorId = await advisorFor(c);
    return apply(c.id, { type: 'escalate', reason, ...(candidates ? { candidates } : {}), ...(advisorId ? { advisorId } : {}) });
  }

  /** Offers an open case to the best free candidate, or escalates when none is left. */
  async function advance(caseId: string, startedAt?: number, known?: RescueCase, phases?: DecisionPhases): Promise<'offered' | 'escalated' | 'nothing'> {
    const c = known ?? (await store.get(caseId));
    if (!c || c.status !== 'open') return 'nothing';
    const phaseStart = performance.now();
    let searched = phaseStart;
    const report = (outcome: 'offered' | 'escalated') => {
      if (startedAt !== undefined && c.offers.length === 0 && deps.onDecision) {
        const end = performance.now();
        const p = phases ?? { prepare: 0, open: 0, candidates: 0, offer: 0 };
        p.candidates = searched - phaseStart;
        p.offer = end - searched;
        deps.onDecision(end - startedAt, outcome, p);
      }
      return outcome;
    };
    if (!c.location) {
      if (!c.escalated) await escalate(c, 'no_location');
      return report('escalated');
    }
    // A truck that drove on after a telematics report: no further van is sent until an agent decides
    // (assign = confirm, or cancel).
    if (c.needsConfirmation) {
      if (!c.escalated) await escalate(c, 'needs_confirmation');
      return 'escalated';
    }
    const [index, assignments] = await Promise.all([network.stations(), network.assignments(c.customerId)]);
    const at = now();
    const req: CandidateRequest = {
      lat: c.location.lat,
      lon: c.location.lon,
      capabilities: c.capabilities,
      partsCategories: c.partsCategories,
      at,
      excludeStationIds: new Set(c.offers.map((o) => o.stationId)),
      maxDistanceKm: config.maxDistanceKm,
    };
    const fixedPointIds = new Set(assignments.map((a) => a.stationId));
    const vans = (id: string) => index.get(id)?.vans ?? 0;
    let ranking = rankCandidates({ found: [], vansInUse: new Map(), fixedPointIds, fixedPointMarginMin: config.fixedPointMarginMin });
    for (let want = 8; ; want *= 4) {
      const found = searchCandidates(index, req, want, deps.etaModel);
      const vansInUse = await store.vansInUse(found.map((f) => f.stationId));
      ranking = rankCandidates({ found, vansInUse, fixedPointIds, fixedPointMarginMin: config.fixedPointMarginMin });
      if (ranking.ranked.length > 0 || found.length < want) break;
    }
    const decisions = [...explainDropped(index, req, 10, deps.etaModel), ...ranking.decisions]
      .sort((a, b) => a.etaMin - b.etaMin)
      .slice(0, MAX_DECISIONS);
    searched = performance.now();

    for (const candidate of ranking.ranked) {
      const partsDepots = candidate.missingParts.length > 0 ? await network.partsDepots(c.location, candidate.missingParts) : [];
      try {
        const result = await apply(caseId, {
          type: 'offer',
          stationId: candidate.stationId,
          etaMin: Math.round(candidate.etaMin * 10) / 10,
          distanceKm: Math.round(candidate.distanceKm * 10) / 10,
          timeoutS: config.offerTimeoutS,
          candidates: decisions,
          partsDepots,
        }, vans, c);
        if (!result?.changed) {
          // Someone moved the case first; if it was the still-driving flag, hand the case to an agent.
          const latest = await store.get(caseId);
          if (latest?.needsConfirmation && !latest.escalated && (latest.status === 'open' || latest.status === 'offered')) {
            await escalate(latest, 'needs_confirmation');
          }
          return 'nothing';
        }
        const offer = pendingOffer(result.case)!;
        await schedule({ kind: 'offer_timeout', caseId, attempt: offer.attempt }, `offer-timeout-${caseId}-${offer.attempt}`, Date.parse(offer.expiresAt));
        logger.info({ caseId, stationId: candidate.stationId, attempt: offer.attempt, etaMin: offer.etaMin }, 'offered');
        return report('offered');
      } catch (err) {
        if (err instanceof ConflictError) continue; // the van went to another case meanwhile: next candidate
        throw err;
      }
    }
    const latest = await store.get(caseId);
    if (latest && latest.status === 'open' && !latest.escalated) {
      await escalate(latest, c.offers.length > 0 ? 'no_candidate_left' : 'no_candidate', decisions);
      logger.warn({ caseId }, 'escalated: no candidate');
      return report('escalated');
    }
    return 'nothing';
  }

  async function readLocation(vin: string, reportedAfter?: number) {
    const live = parseLiveState(vin, await deps.redis.hgetall(keys.live(vin)));
    if (!live || live.lat === undefined || live.lon === undefined) return undefined;
    if (reportedAfter !== undefined && (live.ts ?? 0) < reportedAfter) return undefined;
    return live;
  }

  /** Throws ValidationError (not retryable: the job fails for good) when the payload breaks the contract. */
  async function handleFaultEvent(payload: unknown, startedAt = performance.now()): Promise<FaultOutcome> {
    const checked = checkQueuePayload(QUEUES.faultEvents, payload);
    if (!checked.ok) throw new ValidationError(`invalid fault event: ${checked.problem}`);
    const event = checked.payload;
    if (event.severity !== 'critical' && !event.lamps.redStop) return 'ignored';
    const vehicle = await deps.registry.get('vehicle', event.vin);
    if (!vehicle) {
      logger.warn({ vin: event.vin, eventId: event.id }, 'fault event for a vehicle not in the registry');
      return 'unknown_vehicle';
    }
    const spns = [...new Set(event.active.map((d) => d.spn))];
    let location: RescueCase['location'];
    if (event.lat !== undefined && event.lon !== undefined) location = { lat: event.lat, lon: event.lon, source: 'fault_event' };
    else {
      const live = await readLocation(event.vin);
      if (live) location = { lat: live.lat!, lon: live.lon!, source: 'live_state' };
    }
    const needs = faultNeeds(spns);
    let prepared = 0;
    const reportedAt = new Date(Math.min(event.receivedAt, now().getTime()));
    const liveNow = parseLiveState(event.vin, await deps.redis.hgetall(keys.live(event.vin)));
    const openInput = {
      vin: event.vin,
      customerId: vehicle.customerId,
      source: 'telematics' as const,
      reportedAt,
      reportedBy: TELEMATICS,
      faultCodes: event.active.map((d) => ({ spn: d.spn, fmi: d.fmi })),
      warranty: await deps.repair.warranty(vehicle, liveNow?.odometerKm, reportedAt),
      ...(location ? { location } : {}),
      // A terminal's alarm (SOS, collision, rollover) is the reported fault when no DM1 code says more.
      ...(event.alarms ? { description: alarmDescription(event.alarms) } : {}),
      faultEventId: event.id,
      spns,
      systems: needs.systems,
      capabilities: needs.capabilities,
      partsCategories: needs.partsCategories,
    };
    if (deps.onDecision) prepared = performance.now();
    const opened = await store.open(openInput);
    let c = opened.case;
    if (!opened.created && !c.faultEventIds.includes(event.id)) {
      const attached = await apply(c.id, { type: 'attach', faultEventId: event.id, spns }, undefined);
      if (attached) c = attached.case;
    }
    // The offer first (it is what the truck waits for), then the case timers; a crash in between is
    // repaired by the sweep, which escalates on the window even without the timer job.
    const phases = deps.onDecision ? { prepare: prepared - startedAt, open: performance.now() - prepared, candidates: 0, offer: 0 } : undefined;
    await advance(c.id, startedAt, c, phases);
    await ensureTimers(c);
    return opened.created ? 'opened' : 'attached';
  }

  async function drivingCheck(caseId: string): Promise<void> {
    const c = await store.get(caseId);
    if (!c || c.source !== 'telematics' || !isOpenStatus(c.status) || c.status === 'on_site' || !c.location) return;
    const live = await readLocation(c.vin, Date.parse(c.reportedAt));
    if (!live) return;
    const movedKm = greatCircleKm(c.location.lat, c.location.lon, live.lat!, live.lon!);
    if ((live.speedKmh ?? 0) >= config.drivingSpeedKmh && movedKm >= 1) {
      await apply(caseId, {
        type: 'needs_confirmation',
        reason: `still driving ${Math.round(live.speedKmh ?? 0)} km/h, ${movedKm.toFixed(1)} km from the reported position`,
      });
    }
  }

  async function escalateOnWindow(caseId: string): Promise<void> {
    const c = await store.get(caseId);
    if (!c || c.escalated || (c.status !== 'open' && c.status !== 'offered')) return;
    await escalate(c, 'launch_window');
    logger.warn({ caseId }, 'escalated: launch window nearly over');
  }

  /** The repair deadline passed and the truck is not repaired: escalate once (advisor and agents), record the breach. */
  async function repairDeadline(caseId: string): Promise<void> {
    const c = await store.get(caseId);
    if (!c || c.repairBreach || !isOpenStatus(c.status) || now().getTime() < Date.parse(c.repairDeadline)) return;
    const advisorId = await advisorFor(c);
    const r = await apply(caseId, { type: 'repair_breach', ...(advisorId ? { advisorId } : {}) });
    if (r?.changed) logger.warn({ caseId }, 'repair deadline missed: escalated');
  }

  /** Depot parts whose courier time passed are delivered. */
  async function partsCheck(caseId: string): Promise<void> {
    const c = await store.get(caseId);
    if (!c || !isOpenStatus(c.status)) return;
    const parts = deps.repair.caseParts.delivered(c, now());
    if (parts) await apply(caseId, { type: 'parts_update', event: 'parts_delivered', parts }, undefined, c);
  }

  /** Repairs what a crash between a commit and its follow-up jobs could have left behind. */
  async function sweep(): Promise<number> {
    const t = now().getTime();
    let repaired = 0;
    repaired += await escalateOverdueComplaints(deps.complaints, now());
    repaired += await deps.repair.reservations.reconcile(deps.repair.caseParts.wants, deps.repairConfig.partsReconcileGraceS * 1000);
    for (const id of await store.activeCaseIds()) {
      const c = await store.get(id);
      if (!c) continue;
      if (!c.repairBreach && t >= Date.parse(c.repairDeadline)) {
        await repairDeadline(id);
        repaired++;
      }
      if (deps.repair.caseParts.delivered(c, now())) await partsCheck(id);
      if ((c.status === 'open' || c.status === 'offered') && !c.escalated && t >= Date.parse(c.escalateAt)) {
        await escalateOnWindow(id);
        repaired++;
      }
      const offer = pendingOffer(c);
      if (c.status === 'offered' && offer && t >= Date.parse(offer.expiresAt) + 2000) {
        const r = await apply(id, { type: 'offer_timeout', attempt: offer.attempt });
        if (r?.changed) await advance(id);
        repaired++;
      } else if (c.status === 'open' && !c.escalated) {
        if ((await advance(id)) !== 'nothing') repaired++;
      }
    }
    return repaired;
  }

  /** Throws ValidationError (not retryable: the job fails for good) when the payload breaks the contract. */
  async function handleJob(job: Pick<Job<unknown>, 'data'>): Promise<void> {
    const checked = checkQueuePayload(RESCUE_QUEUES.rescueJobs, job.data);
    if (!checked.ok) throw new ValidationError(`invalid rescue job: ${checked.problem}`);
    const data = checked.payload;
    switch (data.kind) {
      case 'advance': {
        // Also the entry of API-opened cases: their timers are set here, by the process that owns timers.
        const c = await store.get(data.caseId);
        if (c && isOpenStatus(c.status)) await ensureTimers(c);
        await advance(data.caseId);
        return;
      }
      case 'offer_timeout': {
        const r = await apply(data.caseId, { type: 'offer_timeout', attempt: data.attempt });
        if (r?.changed) logger.info({ caseId: data.caseId, attempt: data.attempt }, 'offer timed out');
        await advance(data.caseId);
        return;
      }
      case 'escalate':
        await escalateOnWindow(data.caseId);
        return;
      case 'sla_warning':
        await apply(data.caseId, { type: 'sla_warning', clock: data.clock });
        return;
      case 'driving_check':
        await drivingCheck(data.caseId);
        return;
      case 'repair_deadline':
        await repairDeadline(data.caseId);
        return;
      case 'parts_check':
        await partsCheck(data.caseId);
        return;
      case 'sweep':
        await sweep();
        return;
    }
  }

  return { handleFaultEvent, handleJob, advance, sweep, ensureTimers };
}

export type RescueProcessor = ReturnType<typeof createRescueProcessor>;
