// A rescue case and its lifecycle, as a pure state machine:
//   open → offered → launched → on_site → resolved | towed → closed;   offered → open (declined / no answer);
//   open → launched (an agent assigns a station by hand);   cancelled from any open state.
// Every change goes through `transition`, which validates it, stamps time and actor, and appends it to
// the timeline. Storage (infra/case-store.ts) derives van reservations and the open-case lock from the result.
import { InvalidTransitionError, ValidationError } from './errors.ts';
import type { CandidateDecision } from './candidates.ts';
import type { Capability, PartsCategory } from './registry.ts';
import type { VehicleSystem } from './fault-systems.ts';

export const CASE_STATUSES = ['open', 'offered', 'launched', 'on_site', 'resolved', 'towed', 'closed', 'cancelled'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
/** A vehicle has at most one case in these states. */
export const OPEN_STATUSES: readonly CaseStatus[] = ['open', 'offered', 'launched', 'on_site'];
export type CaseSource = 'telematics' | 'agent' | 'customer' | 'advisor';

export interface CaseLocation {
  readonly lat: number;
  readonly lon: number;
  readonly source: 'fault_event' | 'request' | 'live_state';
}

/** Why a station declined (metrics count by code; the free-text reason goes in the timeline). */
export const DECLINE_REASONS = ['no_van', 'no_technician', 'no_parts', 'closed', 'too_far', 'other'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

export interface Actor {
  readonly kind: 'dispatcher' | 'station' | 'agent' | 'admin' | 'customer' | 'advisor' | 'telematics';
  readonly id: string;
  /** The person (user account) or integration (API key) who acted: display name, for timelines. */
  readonly name?: string;
  /** Their user id (or `key:<id>`) when `id` names the organisation they act for. */
  readonly userId?: string;
}

export interface Offer {
  readonly attempt: number;
  readonly stationId: string;
  readonly offeredAt: string;
  readonly expiresAt: string;
  readonly etaMin: number;
  readonly distanceKm: number;
  outcome: 'pending' | 'accepted' | 'declined' | 'timed_out' | 'withdrawn';
  answeredAt?: string;
  reason?: string;
}

export interface Launch {
  readonly stationId: string;
  readonly by: Actor;
  readonly at: string;
  readonly vanId?: string;
  readonly technician?: string;
  readonly etaMin?: number;
  readonly manual: boolean;
}

export interface TimelineEntry {
  readonly at: string;
  readonly event: string;
  readonly actor: Actor;
  readonly from?: CaseStatus;
  readonly to?: CaseStatus;
  readonly details?: Record<string, unknown>;
}

export interface PartsDepotNeed {
  readonly category: PartsCategory;
  readonly depotId?: string;
  readonly distanceKm?: number;
  readonly etaMin?: number;
}

export interface RescueCase {
  readonly id: string;
  readonly vin: string;
  readonly customerId: string;
  readonly source: CaseSource;
  readonly reportedAt: string;
  readonly reportedBy: Actor;
  /** Where the truck is; absent when neither the report nor the live state gave a position. */
  readonly location?: CaseLocation;
  readonly description?: string;
  readonly contactPhone?: string;
  status: CaseStatus;
  faultEventIds: string[];
  spns: number[];
  systems: VehicleSystem[];
  capabilities: Capability[];
  partsCategories: PartsCategory[];
  readonly launchDeadline: string;
  readonly escalateAt: string;
  readonly repairDeadline: string;
  escalated: boolean;
  escalatedAt?: string;
  escalationReason?: string;
  /** Advisor notified of the escalation (the fixed-point assignment's advisor, else the lead advisor). */
  advisorId?: string;
  needsConfirmation?: { at: string; reason: string };
  offers: Offer[];
  launch?: Launch;
  /** The latest candidate evaluation: every station considered and why it was kept or dropped. */
  candidates: CandidateDecision[];
  candidatesAt?: string;
  partsDepots: PartsDepotNeed[];
  /** Every station the case was ever offered or assigned to (scoping: who may see it). */
  stationIds: string[];
  slaWarnings: Array<'launch' | 'repair'>;
  timeline: TimelineEntry[];
  /** Optimistic-concurrency version, bumped by every stored change. */
  version: number;
}

export interface NewCaseInput {
  readonly id: string;
  readonly vin: string;
  readonly customerId: string;
  readonly source: CaseSource;
  readonly reportedAt: Date;
  readonly reportedBy: Actor;
  readonly location?: CaseLocation;
  readonly description?: string;
  readonly contactPhone?: string;
  readonly faultEventId?: string;
  readonly spns: number[];
  readonly systems: VehicleSystem[];
  readonly capabilities: Capability[];
  readonly partsCategories: PartsCategory[];
}

export interface CaseClocks {
  readonly launchWindowS: number;
  readonly escalateBeforeS: number;
  readonly repairWindowS: number;
}

export function newRescueCase(input: NewCaseInput, clocks: CaseClocks): RescueCase {
  const t = input.reportedAt.getTime();
  const iso = input.reportedAt.toISOString();
  return {
    id: input.id,
    vin: input.vin,
    customerId: input.customerId,
    source: input.source,
    reportedAt: iso,
    reportedBy: input.reportedBy,
    ...(input.location ? { location: input.location } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.contactPhone !== undefined ? { contactPhone: input.contactPhone } : {}),
    status: 'open',
    faultEventIds: input.faultEventId ? [input.faultEventId] : [],
    spns: [...input.spns],
    systems: [...input.systems],
    capabilities: [...input.capabilities],
    partsCategories: [...input.partsCategories],
    launchDeadline: new Date(t + clocks.launchWindowS * 1000).toISOString(),
    escalateAt: new Date(t + Math.max(0, clocks.launchWindowS - clocks.escalateBeforeS) * 1000).toISOString(),
    repairDeadline: new Date(t + clocks.repairWindowS * 1000).toISOString(),
    escalated: false,
    offers: [],
    candidates: [],
    partsDepots: [],
    stationIds: [],
    slaWarnings: [],
    timeline: [{ at: iso, event: 'opened', actor: input.reportedBy, to: 'open', details: { source: input.source } }],
    version: 0,
  };
}

export type CaseAction =
  | { type: 'attach'; faultEventId?: string; spns: number[]; note?: string }
  | { type: 'offer'; stationId: string; etaMin: number; distanceKm: number; timeoutS: number; candidates: CandidateDecision[]; partsDepots: PartsDepotNeed[] }
  | { type: 'accept'; stationId: string; vanId?: string; technician?: string; etaMin?: number }
  | { type: 'decline'; stationId: string; reason: string; reasonCode?: DeclineReason }
  | { type: 'offer_timeout'; attempt: number }
  | { type: 'assign'; stationId: string; vanId?: string; technician?: string; etaMin?: number; note?: string }
  | { type: 'escalate'; reason: string; candidates?: CandidateDecision[]; advisorId?: string }
  | { type: 'status'; status: 'on_site' | 'resolved' | 'towed' | 'closed'; note?: string }
  | { type: 'cancel'; reason: string }
  | { type: 'needs_confirmation'; reason: string }
  | { type: 'sla_warning'; clock: 'launch' | 'repair' };

export interface TransitionResult {
  readonly next: RescueCase;
  /** `rescue.<event>` on the live stream; undefined when the action changed nothing (idempotent repeat). */
  readonly event?: string;
  readonly details: Record<string, unknown>;
}

const NEXT_STATUS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  open: ['offered', 'launched', 'cancelled'],
  offered: ['open', 'launched', 'cancelled'],
  launched: ['on_site', 'cancelled'],
  on_site: ['resolved', 'towed', 'cancelled'],
  resolved: ['closed'],
  towed: ['closed'],
  closed: [],
  cancelled: [],
};

export function canMove(from: CaseStatus, to: CaseStatus): boolean {
  return NEXT_STATUS[from].includes(to);
}

export function isOpenStatus(status: CaseStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** The station whose van this case holds right now (a pending offer or a launched rescue). */
export function vanHolder(c: RescueCase): string | undefined {
  if (c.status === 'offered') return pendingOffer(c)?.stationId;
  if (c.status === 'launched' || c.status === 'on_site') return c.launch?.stationId;
  return undefined;
}

export function pendingOffer(c: RescueCase): Offer | undefined {
  const last = c.offers[c.offers.length - 1];
  return last && last.outcome === 'pending' ? last : undefined;
}

function move(c: RescueCase, to: CaseStatus): void {
  if (!canMove(c.status, to)) throw new InvalidTransitionError(c.status, to);
  c.status = to;
}

function addStation(c: RescueCase, stationId: string): void {
  if (!c.stationIds.includes(stationId)) c.stationIds.push(stationId);
}

/** Applies one action; throws InvalidTransitionError / ValidationError when it is not allowed now. */
export function transition(current: RescueCase, action: CaseAction, actor: Actor, now: Date): TransitionResult {
  const c = structuredClone(current) as RescueCase;
  const at = now.toISOString();
  const from = c.status;
  let event: string | undefined;
  const details: Record<string, unknown> = {};

  switch (action.type) {
    case 'attach': {
      if (!isOpenStatus(c.status)) throw new InvalidTransitionError(c.status, 'attach');
      if (action.faultEventId && c.faultEventIds.includes(action.faultEventId)) return { next: current, details };
      if (action.faultEventId) c.faultEventIds.push(action.faultEventId);
      for (const spn of action.spns) if (!c.spns.includes(spn)) c.spns.push(spn);
      event = 'attached';
      Object.assign(details, { faultEventId: action.faultEventId, spns: action.spns, note: action.note });
      break;
    }
    case 'offer': {
      // A flagged case (truck drove on) waits for an agent: no automatic offer, even in a race with the flag.
      if (c.needsConfirmation) throw new InvalidTransitionError(c.status, 'offered (needs confirmation)');
      move(c, 'offered');
      const attempt = c.offers.length + 1;
      c.offers.push({
        attempt,
        stationId: action.stationId,
        offeredAt: at,
        expiresAt: new Date(now.getTime() + action.timeoutS * 1000).toISOString(),
        etaMin: action.etaMin,
        distanceKm: action.distanceKm,
        outcome: 'pending',
      });
      c.candidates = action.candidates;
      c.candidatesAt = at;
      c.partsDepots = action.partsDepots;
      addStation(c, action.stationId);
      event = 'offered';
      Object.assign(details, { stationId: action.stationId, attempt, etaMin: action.etaMin });
      break;
    }
    case 'accept': {
      const offer = pendingOffer(c);
      if (c.status !== 'offered' || !offer || offer.stationId !== action.stationId) {
        throw new InvalidTransitionError(c.status, 'launched');
      }
      move(c, 'launched');
      offer.outcome = 'accepted';
      offer.answeredAt = at;
      c.launch = {
        stationId: action.stationId, by: actor, at, manual: false,
        ...(action.vanId !== undefined ? { vanId: action.vanId } : {}),
        ...(action.technician !== undefined ? { technician: action.technician } : {}),
        etaMin: action.etaMin ?? offer.etaMin,
      };
      event = 'launched';
      Object.assign(details, { stationId: action.stationId, vanId: action.vanId, technician: action.technician, etaMin: c.launch.etaMin });
      break;
    }
    case 'decline': {
      const offer = pendingOffer(c);
      if (c.status !== 'offered' || !offer || offer.stationId !== action.stationId) {
        throw new InvalidTransitionError(c.status, 'declined');
      }
      move(c, 'open');
      offer.outcome = 'declined';
      offer.answeredAt = at;
      offer.reason = action.reason;
      event = 'declined';
      Object.assign(details, { stationId: action.stationId, reason: action.reason, reasonCode: action.reasonCode ?? 'other', attempt: offer.attempt });
      break;
    }
    case 'offer_timeout': {
      const offer = pendingOffer(c);
      // A late timer for an offer already answered is a no-op, not an error: timers race with answers.
      if (c.status !== 'offered' || !offer || offer.attempt !== action.attempt) return { next: current, details };
      move(c, 'open');
      offer.outcome = 'timed_out';
      offer.answeredAt = at;
      event = 'offer_timed_out';
      Object.assign(details, { stationId: offer.stationId, attempt: offer.attempt });
      break;
    }
    case 'assign': {
      const offer = pendingOffer(c);
      if (c.status === 'offered' && offer) {
        offer.outcome = offer.stationId === action.stationId ? 'accepted' : 'withdrawn';
        offer.answeredAt = at;
      }
      move(c, 'launched');
      c.launch = {
        stationId: action.stationId, by: actor, at, manual: true,
        ...(action.vanId !== undefined ? { vanId: action.vanId } : {}),
        ...(action.technician !== undefined ? { technician: action.technician } : {}),
        ...(action.etaMin !== undefined ? { etaMin: action.etaMin } : {}),
      };
      addStation(c, action.stationId);
      event = 'assigned';
      Object.assign(details, { stationId: action.stationId, vanId: action.vanId, technician: action.technician, etaMin: action.etaMin, note: action.note });
      break;
    }
    case 'escalate': {
      if (c.escalated) return { next: current, details };
      if (c.status !== 'open' && c.status !== 'offered') throw new InvalidTransitionError(c.status, 'escalated');
      c.escalated = true;
      c.escalatedAt = at;
      c.escalationReason = action.reason;
      if (action.advisorId) c.advisorId = action.advisorId;
      if (action.candidates) {
        c.candidates = action.candidates;
        c.candidatesAt = at;
      }
      event = 'escalated';
      Object.assign(details, { reason: action.reason, advisorId: action.advisorId });
      break;
    }
    case 'status': {
      move(c, action.status);
      event = action.status;
      Object.assign(details, { note: action.note });
      break;
    }
    case 'cancel': {
      const offer = pendingOffer(c);
      move(c, 'cancelled');
      if (offer) {
        offer.outcome = 'withdrawn';
        offer.answeredAt = at;
      }
      event = 'cancelled';
      Object.assign(details, { reason: action.reason });
      break;
    }
    case 'needs_confirmation': {
      if (c.needsConfirmation || !isOpenStatus(c.status)) return { next: current, details };
      c.needsConfirmation = { at, reason: action.reason };
      event = 'needs_confirmation';
      Object.assign(details, { reason: action.reason });
      break;
    }
    case 'sla_warning': {
      if (c.slaWarnings.includes(action.clock)) return { next: current, details };
      const stillRunning = action.clock === 'launch' ? c.status === 'open' || c.status === 'offered' : isOpenStatus(c.status);
      if (!stillRunning) return { next: current, details };
      c.slaWarnings.push(action.clock);
      event = 'sla_warning';
      Object.assign(details, { clock: action.clock, deadline: action.clock === 'launch' ? c.launchDeadline : c.repairDeadline });
      break;
    }
    default: {
      const never: never = action;
      throw new ValidationError(`unknown case action ${(never as { type: string }).type}`);
    }
  }

  for (const key of Object.keys(details)) if (details[key] === undefined) delete details[key];
  c.timeline.push({
    at, event, actor,
    ...(from !== c.status ? { from, to: c.status } : {}),
    ...(Object.keys(details).length > 0 ? { details } : {}),
  });
  return { next: c, event, details };
}
