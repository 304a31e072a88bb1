// What people do to rescue cases (through the API): report a breakdown, answer an offer, assign by hand,
// move the lifecycle on, cancel. Each command is one validated transition committed by the case store;
// follow-up work (the next offer, timers) is handed to the dispatcher as a rescue job. Parts follow the case
// (repair/case-parts.ts): reserved before the launch is committed, given back after a tow, cancel or
// reassignment is committed, consumed before the repair is committed — a crash in between leaves at worst a
// hold the case does not list, which the dispatcher's sweep releases.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { ConflictError, InvalidTransitionError, NotFoundError, ValidationError } from '../core/errors.ts';
import { faultNeeds } from '../core/fault-systems.ts';
import { parseLiveState } from '../core/live-state.ts';
import { JOB_OPTIONS, RESCUE_QUEUES, type RescueJob } from '../core/queues.ts';
import type { PartLine } from '../core/parts-catalog.ts';
import { isRepairedStatus, transition, type Actor, type CaseAction, type CaseSource, type DeclineReason, type ReportedStatus, type RescueCase } from '../core/rescue-case.ts';
import type { CaseStore } from '../infra/case-store.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { CaseParts } from '../repair/case-parts.ts';
import type { WarrantyCheck } from '../repair/warranty-check.ts';

export interface ReportInput {
  vin: string;
  lat?: number;
  lon?: number;
  description?: string;
  contactPhone?: string;
}

export interface LaunchDetails {
  vanId?: string;
  technician?: string;
  etaMin?: number;
}

export interface RepairDetails {
  /** Parts the repair actually used (the station confirms); without it, what was reserved. */
  parts?: PartLine[];
  labourHours?: number;
  /** References (URLs or object keys) of the repair's photos. */
  photos?: string[];
}

export interface RescueCommandsDeps {
  store: CaseStore;
  registry: Pick<RegistryStore, 'get' | 'assignments'>;
  caseParts: CaseParts;
  warranty: WarrantyCheck;
  /** Seconds from the repair to the follow-up call's due time. */
  followUpDelayS: number;
  redis: Pick<Redis, 'hgetall'>;
  prefix: string;
  jobs: Pick<Queue<RescueJob>, 'add'>;
  now?: () => Date;
}


export function createRescueCommands(deps: RescueCommandsDeps) {
  const { store } = deps;
  const keys = redisKeys(deps.prefix);
  const now = deps.now ?? (() => new Date());

  async function advanceLater(c: RescueCase): Promise<void> {
    await deps.jobs.add('advance', { kind: 'advance', caseId: c.id }, { ...JOB_OPTIONS[RESCUE_QUEUES.rescueJobs], jobId: `advance-${c.id}-v${c.version}` });
  }

  async function stationVans(stationId: string): Promise<number> {
    const station = await deps.registry.get('station', stationId);
    if (!station) throw new NotFoundError('station', stationId);
    if (!station.active) throw new ConflictError(`station ${stationId} is not active`);
    return station.vans;
  }

  /** Opens a case for a reported breakdown, or attaches the report to the vehicle's open case. */
  async function report(input: ReportInput, actor: Actor, source: CaseSource): Promise<{ created: boolean; case: RescueCase }> {
    if ((input.lat === undefined) !== (input.lon === undefined)) throw new ValidationError('give both lat and lon, or neither', [{ field: input.lat === undefined ? 'body.lat' : 'body.lon', message: 'is required with the other coordinate' }]);
    const vehicle = await deps.registry.get('vehicle', input.vin);
    if (!vehicle) throw new NotFoundError('vehicle', input.vin);
    const live = parseLiveState(input.vin, await deps.redis.hgetall(keys.live(input.vin)));
    let location: RescueCase['location'];
    if (input.lat !== undefined && input.lon !== undefined) location = { lat: input.lat, lon: input.lon, source: 'request' };
    else if (live?.lat !== undefined && live.lon !== undefined) location = { lat: live.lat, lon: live.lon, source: 'live_state' };
    else throw new ValidationError('no position known for this vehicle: give lat and lon', [{ field: 'body.lat', message: 'is required: no position is known for this vehicle' }]);
    const spns = [...new Set((live?.dtcs ?? []).map((d) => d.spn))];
    const needs = faultNeeds(spns);
    const reportedAt = now();
    const opened = await store.open({
      vin: input.vin,
      customerId: vehicle.customerId,
      source,
      reportedAt,
      reportedBy: actor,
      location,
      faultCodes: (live?.dtcs ?? []).map((d) => ({ spn: d.spn, fmi: d.fmi })),
      warranty: await deps.warranty(vehicle, live?.odometerKm, reportedAt),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.contactPhone !== undefined ? { contactPhone: input.contactPhone } : {}),
      spns,
      systems: needs.systems,
      capabilities: needs.capabilities,
      partsCategories: needs.partsCategories,
    });
    if (!opened.created) {
      const attached = await store.apply(opened.case.id, { type: 'attach', spns: [], note: input.description ?? `reported by ${actor.kind}` }, actor);
      return { created: false, case: attached.case };
    }
    await advanceLater(opened.case);
    return opened;
  }

  /** Throws the error the action would meet now, before any stock is touched for it. */
  function check(c: RescueCase, action: CaseAction, actor: Actor): void {
    transition(c, action, actor, now());
  }

  async function stationFor(stationId: string) {
    const station = await deps.registry.get('station', stationId);
    if (!station) throw new NotFoundError('station', stationId);
    return station;
  }

  async function partsCheckLater(c: RescueCase): Promise<void> {
    const due = (c.parts ?? []).filter((p) => p.status === 'in_transit' && p.readyAt).map((p) => Date.parse(p.readyAt!));
    if (due.length === 0) return;
    const at = Math.max(...due);
    await deps.jobs.add('parts_check', { kind: 'parts_check', caseId: c.id }, { ...JOB_OPTIONS[RESCUE_QUEUES.rescueJobs], jobId: `parts-check-${c.id}-${at}`, delay: Math.max(0, at - now().getTime()) });
  }

  /** Commits a launch (accept or assign) with the kit reserved for its station; gives the kit back if the commit fails. */
  async function launchWithParts(c: RescueCase, stationId: string, action: Extract<CaseAction, { type: 'accept' | 'assign' }>, actor: Actor, vans?: (id: string) => number): Promise<RescueCase> {
    check(c, action, actor);
    const parts = await deps.caseParts.reserveFor(c, await stationFor(stationId));
    let launched: RescueCase;
    try {
      launched = (await store.apply(c.id, { ...action, parts }, actor, vans)).case;
    } catch (err) {
      await deps.caseParts.releaseUnwanted(c.id, parts);
      throw err;
    }
    // A reassignment: what the previous station's kit held and the new one does not is given back.
    if (c.parts) await deps.caseParts.releaseUnwanted(c.id, c.parts);
    await partsCheckLater(launched);
    return launched;
  }

  async function accept(caseId: string, stationId: string, details: LaunchDetails, actor: Actor): Promise<RescueCase> {
    const c = await store.require(caseId);
    return launchWithParts(c, stationId, { type: 'accept', stationId, ...details }, actor);
  }

  async function decline(caseId: string, stationId: string, reason: string, actor: Actor, reasonCode?: DeclineReason): Promise<RescueCase> {
    const result = await store.apply(caseId, { type: 'decline', stationId, reason, ...(reasonCode ? { reasonCode } : {}) }, actor);
    await advanceLater(result.case);
    return result.case;
  }

  async function assign(caseId: string, stationId: string, details: LaunchDetails & { note?: string }, actor: Actor): Promise<RescueCase> {
    const vans = await stationVans(stationId);
    const c = await store.require(caseId);
    return launchWithParts(c, stationId, { type: 'assign', stationId, ...details }, actor, () => vans);
  }

  /** The customer's advisor for the follow-up call: the case's, the launch station's fixed-point advisor, the lead advisor. */
  async function advisorOf(c: RescueCase): Promise<string | undefined> {
    if (c.advisorId) return c.advisorId;
    const assignments = await deps.registry.assignments(c.customerId);
    const atStation = assignments.find((a) => a.stationId === c.launch?.stationId);
    if (atStation) return atStation.advisorId;
    const customer = await deps.registry.get('customer', c.customerId);
    return customer?.leadAdvisorId ?? assignments[0]?.advisorId;
  }

  async function setStatus(caseId: string, status: ReportedStatus, note: string | undefined, actor: Actor, repair: RepairDetails = {}): Promise<RescueCase> {
    const c = await store.require(caseId);
    const base: CaseAction = {
      type: 'status', status,
      ...(note !== undefined ? { note } : {}),
      ...(repair.labourHours !== undefined ? { labourHours: repair.labourHours } : {}),
      ...(repair.photos ? { photos: repair.photos } : {}),
    };
    check(c, base, actor);
    if (isRepairedStatus(status)) {
      const parts = await deps.caseParts.consume(c, c.launch?.stationId ?? '', repair.parts);
      const advisorId = await advisorOf(c);
      const followUp = { delayS: deps.followUpDelayS, ...(advisorId ? { advisorId } : {}) };
      return (await store.apply(caseId, { ...base, ...(parts ? { parts } : {}), followUp }, actor)).case;
    }
    if (status === 'towed') {
      const parts = deps.caseParts.released(c);
      const result = (await store.apply(caseId, { ...base, ...(parts ? { parts } : {}) }, actor)).case;
      if (c.parts) await deps.caseParts.releaseUnwanted(caseId, c.parts);
      return result;
    }
    return (await store.apply(caseId, base, actor)).case;
  }

  /** Tries again to reserve the parts a launched case still misses (stock arrived since). */
  async function reserveMissing(caseId: string, actor: Actor): Promise<RescueCase> {
    const c = await store.require(caseId);
    if (!c.launch || !['launched', 'on_site', 'repairing', 'waiting_parts'].includes(c.status)) throw new InvalidTransitionError(c.status, 'parts reserved');
    const missing = (c.parts ?? []).filter((p) => p.status === 'unavailable');
    if (missing.length === 0) return c;
    const got = await deps.caseParts.reservations.reserveKit({ holder: c.id, lines: missing.map((p) => ({ partNo: p.partNo, qty: p.qty })), station: await stationFor(c.launch.stationId) });
    const parts = [...(c.parts ?? []).filter((p) => p.status !== 'unavailable'), ...got];
    let result: RescueCase;
    try {
      result = (await store.apply(caseId, { type: 'parts_update', event: 'parts_reserved', parts }, actor)).case;
    } catch (err) {
      await deps.caseParts.releaseUnwanted(caseId, got);
      throw err;
    }
    await partsCheckLater(result);
    return result;
  }

  async function cancel(caseId: string, reason: string, actor: Actor): Promise<RescueCase> {
    const c = await store.require(caseId);
    const parts = deps.caseParts.released(c);
    const result = (await store.apply(caseId, { type: 'cancel', reason, ...(parts ? { parts } : {}) }, actor)).case;
    if (c.parts) await deps.caseParts.releaseUnwanted(caseId, c.parts);
    return result;
  }

  return { report, accept, decline, assign, setStatus, cancel, reserveMissing };
}

export type RescueCommands = ReturnType<typeof createRescueCommands>;
