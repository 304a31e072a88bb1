// What people do to rescue cases (through the API): report a breakdown, answer an offer, assign by hand,
// move the lifecycle on, cancel. Each command is one validated transition committed by the case store;
// follow-up work (the next offer, timers) is handed to the dispatcher as a rescue job.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { faultNeeds } from '../core/fault-systems.ts';
import { parseLiveState } from '../core/live-state.ts';
import type { RescueJob } from '../core/queues.ts';
import type { Actor, CaseSource, DeclineReason, RescueCase } from '../core/rescue-case.ts';
import type { CaseStore } from '../infra/case-store.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

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

export interface RescueCommandsDeps {
  store: CaseStore;
  registry: Pick<RegistryStore, 'get'>;
  redis: Pick<Redis, 'hgetall'>;
  prefix: string;
  jobs: Pick<Queue<RescueJob>, 'add'>;
  now?: () => Date;
}

const JOB_OPTIONS = { attempts: 8, backoff: { type: 'exponential' as const, delay: 500 }, removeOnComplete: { age: 7 * 86_400 } };

export function createRescueCommands(deps: RescueCommandsDeps) {
  const { store } = deps;
  const keys = redisKeys(deps.prefix);
  const now = deps.now ?? (() => new Date());

  async function advanceLater(c: RescueCase): Promise<void> {
    await deps.jobs.add('advance', { kind: 'advance', caseId: c.id }, { ...JOB_OPTIONS, jobId: `advance-${c.id}-v${c.version}` });
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
    const opened = await store.open({
      vin: input.vin,
      customerId: vehicle.customerId,
      source,
      reportedAt: now(),
      reportedBy: actor,
      location,
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

  async function accept(caseId: string, stationId: string, details: LaunchDetails, actor: Actor): Promise<RescueCase> {
    return (await store.apply(caseId, { type: 'accept', stationId, ...details }, actor)).case;
  }

  async function decline(caseId: string, stationId: string, reason: string, actor: Actor, reasonCode?: DeclineReason): Promise<RescueCase> {
    const result = await store.apply(caseId, { type: 'decline', stationId, reason, ...(reasonCode ? { reasonCode } : {}) }, actor);
    await advanceLater(result.case);
    return result.case;
  }

  async function assign(caseId: string, stationId: string, details: LaunchDetails & { note?: string }, actor: Actor): Promise<RescueCase> {
    const vans = await stationVans(stationId);
    return (await store.apply(caseId, { type: 'assign', stationId, ...details }, actor, () => vans)).case;
  }

  async function setStatus(caseId: string, status: 'on_site' | 'resolved' | 'towed' | 'closed', note: string | undefined, actor: Actor): Promise<RescueCase> {
    return (await store.apply(caseId, { type: 'status', status, ...(note !== undefined ? { note } : {}) }, actor)).case;
  }

  async function cancel(caseId: string, reason: string, actor: Actor): Promise<RescueCase> {
    return (await store.apply(caseId, { type: 'cancel', reason }, actor)).case;
  }

  return { report, accept, decline, assign, setStatus, cancel };
}

export type RescueCommands = ReturnType<typeof createRescueCommands>;
