// A rescue case and its lifecycle, as a pure state machine:
//   open → offered → launched → on_site → [repairing ⇄ waiting_parts] → repaired | towed → closed;
//   offered → open (declined / no answer);   open → launched (an agent assigns a station by hand);
//   launched → launched (an agent reassigns);   cancelled from any open state.
//   `resolved` is the original name of `repaired` and stays accepted as its alias (same rules, same effects).
// Every change goes through `transition`, which validates it, stamps time and actor, and appends it to
// the timeline. Storage (infra/case-store.ts) derives van reservations and the open-case lock from the result.
import { ConflictError, InvalidTransitionError, ValidationError } from './errors.ts';
import type { CandidateDecision } from './candidates.ts';
import type { Capability, PartsCategory } from './registry.ts';
import type { VehicleSystem } from './fault-systems.ts';
import { heldParts, partsReadyBy, type CasePart } from './parts-plan.ts';
import type { PartLine } from './parts-catalog.ts';
import { needsApprovedQuote, type WarrantyStatus } from './warranty.ts';
import { repairNotice } from './repair-notices.ts';

export const CASE_STATUSES = ['open', 'offered', 'launched', 'on_site', 'repairing', 'waiting_parts', 'repaired', 'resolved', 'towed', 'closed', 'cancelled'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
/** A vehicle has at most one case in these states. */
export const OPEN_STATUSES: readonly CaseStatus[] = ['open', 'offered', 'launched', 'on_site', 'repairing', 'waiting_parts'];
/** Statuses a station reports with POST …/status (`resolved` = `repaired`, kept for existing clients). */
export const REPORTED_STATUSES = ['on_site', 'repairing', 'waiting_parts', 'repaired', 'resolved', 'towed', 'closed'] as const;
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];

export function isRepairedStatus(status: CaseStatus): boolean {
  return status === 'repaired' || status === 'resolved';
}
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

export interface QuoteLine {
  readonly partNo: string;
  readonly qty: number;
  readonly unitPriceCny: number;
}

/** An out-of-warranty repair's price, for the customer (or its advisor) to approve before the repair starts. */
export interface Quote {
  readonly labourHours: number;
  readonly parts: QuoteLine[];
  readonly amountCny: number;
  readonly by: Actor;
  readonly at: string;
  status: 'pending' | 'approved' | 'rejected';
  decidedBy?: Actor;
  decidedAt?: string;
  note?: string;
}

/** What a warranty repair produced, for the station to submit to the maker. */
export interface WarrantyClaim {
  readonly parts: PartLine[];
  labourHours: number;
  readonly faultCodes: Array<{ spn: number; fmi?: number }>;
  photos: string[];
  status: 'draft' | 'submitted';
  submittedAt?: string;
  submittedBy?: Actor;
}

export interface Repair {
  startedAt?: string;
  repairedAt?: string;
  /** Repaired by `repairDeadline` (the 24-hour promise). */
  withinDeadline?: boolean;
  labourHours?: number;
  photos?: string[];
}

export interface Rating {
  readonly score: number;
  readonly comment?: string;
  readonly at: string;
  readonly by: Actor;
}

/** The follow-up call (回访) after a repair: a task for the customer's advisor. */
export interface FollowUp {
  readonly id: string;
  readonly kind: 'follow_up';
  readonly advisorId?: string;
  readonly dueAt: string;
  readonly createdAt: string;
  status: 'open' | 'done';
  outcome?: 'satisfied' | 'unsatisfied' | 'unreachable';
  note?: string;
  completedAt?: string;
  completedBy?: Actor;
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
  /** Active DM1 codes with their FMIs when the case opened (the likely parts depend on both). */
  faultCodes?: Array<{ spn: number; fmi: number }>;
  /** Checked when the case opened. */
  warranty?: WarrantyStatus;
  /** Parts reserved for the repair and what became of them. */
  parts?: CasePart[];
  /** Every reserved part at the station no later than the van (decided at launch). */
  partsReadyAtArrival?: boolean;
  quote?: Quote;
  claim?: WarrantyClaim;
  repair?: Repair;
  /** The repair deadline passed before the truck was repaired: escalated once. */
  repairBreach?: { at: string; advisorId?: string };
  rating?: Rating;
  followUp?: FollowUp;
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
  readonly faultCodes?: Array<{ spn: number; fmi: number }>;
  readonly warranty?: WarrantyStatus;
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
    ...(input.faultCodes ? { faultCodes: input.faultCodes.map((f) => ({ spn: f.spn, fmi: f.fmi })) } : {}),
    ...(input.warranty ? { warranty: input.warranty } : {}),
    timeline: [{ at: iso, event: 'opened', actor: input.reportedBy, to: 'open', details: { source: input.source } }],
    version: 0,
  };
}

export type CaseAction =
  | { type: 'attach'; faultEventId?: string; spns: number[]; note?: string }
  | { type: 'offer'; stationId: string; etaMin: number; distanceKm: number; timeoutS: number; candidates: CandidateDecision[]; partsDepots: PartsDepotNeed[] }
  | { type: 'accept'; stationId: string; vanId?: string; technician?: string; etaMin?: number; parts?: CasePart[] }
  | { type: 'decline'; stationId: string; reason: string; reasonCode?: DeclineReason }
  | { type: 'offer_timeout'; attempt: number }
  | { type: 'assign'; stationId: string; vanId?: string; technician?: string; etaMin?: number; note?: string; parts?: CasePart[] }
  | { type: 'escalate'; reason: string; candidates?: CandidateDecision[]; advisorId?: string }
  | {
      type: 'status'; status: ReportedStatus; note?: string;
      /** The case's parts after the move (consumed on repair, released on tow). */
      parts?: CasePart[];
      labourHours?: number; photos?: string[];
      /** On repair: the follow-up task's delay after the repair and its advisor. */
      followUp?: { delayS: number; advisorId?: string };
    }
  | { type: 'cancel'; reason: string; parts?: CasePart[] }
  | { type: 'parts_update'; parts: CasePart[]; event: 'parts_delivered' | 'parts_reserved' }
  | { type: 'quote'; labourHours: number; parts: QuoteLine[]; amountCny: number }
  | { type: 'quote_decision'; approved: boolean; note?: string }
  | { type: 'claim_submit'; labourHours?: number; photos?: string[] }
  | { type: 'rate'; score: number; comment?: string }
  | { type: 'follow_up_complete'; outcome: 'satisfied' | 'unsatisfied' | 'unreachable'; note?: string }
  | { type: 'repair_breach'; advisorId?: string }
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
  launched: ['on_site', 'launched', 'cancelled'],
  on_site: ['repairing', 'waiting_parts', 'repaired', 'resolved', 'towed', 'cancelled'],
  repairing: ['waiting_parts', 'repaired', 'resolved', 'towed', 'cancelled'],
  waiting_parts: ['repairing', 'repaired', 'resolved', 'towed', 'cancelled'],
  repaired: ['closed'],
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
  if (c.status === 'launched' || c.status === 'on_site' || c.status === 'repairing' || c.status === 'waiting_parts') return c.launch?.stationId;
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

/** Records the parts reserved at launch and whether they are at the station no later than the van. */
function setParts(c: RescueCase, parts: CasePart[] | undefined, now: Date): void {
  if (!parts) return;
  c.parts = parts;
  const etaMin = c.launch?.etaMin;
  const ready = etaMin !== undefined ? partsReadyBy(parts, new Date(now.getTime() + etaMin * 60_000)) : undefined;
  if (ready !== undefined) c.partsReadyAtArrival = ready;
  else delete c.partsReadyAtArrival;
}

/** Parts of a case that still bind stock. */
export function partsHeld(c: Pick<RescueCase, 'parts'>): CasePart[] {
  return heldParts(c.parts ?? []);
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
      setParts(c, action.parts, now);
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
      // A reassignment (launched → launched) goes to another station; the same station is not a move.
      if (c.status === 'launched' && c.launch?.stationId === action.stationId) throw new InvalidTransitionError(c.status, `launched at ${action.stationId} again`);
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
      if (action.parts !== undefined) setParts(c, action.parts, now);
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
      const to = action.status;
      if ((to === 'repairing' || isRepairedStatus(to)) && needsApprovedQuote(c.warranty) && c.quote?.status !== 'approved') {
        throw new InvalidTransitionError(c.status, `${to} (out of warranty: the customer has not approved a quote)`);
      }
      move(c, to);
      if (action.parts) c.parts = action.parts;
      if (to === 'repairing' && !c.repair?.startedAt) c.repair = { ...c.repair, startedAt: at };
      if (isRepairedStatus(to)) {
        const withinDeadline = now.getTime() <= Date.parse(c.repairDeadline);
        c.repair = {
          ...c.repair, repairedAt: at, withinDeadline,
          ...(action.labourHours !== undefined ? { labourHours: action.labourHours } : {}),
          ...(action.photos ? { photos: action.photos } : {}),
        };
        if (c.warranty?.covered) {
          c.claim = {
            parts: (c.parts ?? []).filter((p) => p.status === 'consumed').map((p) => ({ partNo: p.partNo, qty: p.consumedQty ?? p.qty })),
            labourHours: action.labourHours ?? 0,
            faultCodes: c.faultCodes ?? c.spns.map((spn) => ({ spn })),
            photos: action.photos ?? [],
            status: 'draft',
          };
        }
        if (action.followUp && !c.followUp) {
          c.followUp = {
            id: `fu-${c.id}`, kind: 'follow_up', dueAt: new Date(now.getTime() + action.followUp.delayS * 1000).toISOString(), createdAt: at, status: 'open',
            ...(action.followUp.advisorId ? { advisorId: action.followUp.advisorId } : {}),
          };
        }
        Object.assign(details, { withinDeadline, repairDeadline: c.repairDeadline });
      }
      event = to;
      Object.assign(details, { note: action.note });
      break;
    }
    case 'parts_update': {
      if (!c.launch || !isOpenStatus(c.status)) throw new InvalidTransitionError(c.status, action.event);
      const before = JSON.stringify(c.parts ?? []);
      c.parts = action.parts;
      if (JSON.stringify(c.parts) === before) return { next: current, details };
      event = action.event;
      const shown = action.event === 'parts_delivered' ? c.parts.filter((p) => p.status === 'delivered') : c.parts.filter((p) => p.status === 'reserved' || p.status === 'in_transit');
      const readyAt = shown.map((p) => p.readyAt).filter((t): t is string => t !== undefined).sort().at(-1);
      Object.assign(details, { parts: shown.map((p) => p.partNo), readyAt });
      break;
    }
    case 'quote': {
      if (!['launched', 'on_site', 'repairing', 'waiting_parts'].includes(c.status)) throw new InvalidTransitionError(c.status, 'quoted');
      if (c.quote?.status === 'approved') throw new InvalidTransitionError(c.status, 'quoted (a quote is already approved)');
      c.quote = { labourHours: action.labourHours, parts: action.parts, amountCny: action.amountCny, by: actor, at, status: 'pending' };
      event = 'quoted';
      Object.assign(details, { amountCny: action.amountCny, labourHours: action.labourHours });
      break;
    }
    case 'quote_decision': {
      if (!c.quote || c.quote.status !== 'pending' || !isOpenStatus(c.status)) throw new InvalidTransitionError(c.status, 'quote decision (no pending quote)');
      c.quote.status = action.approved ? 'approved' : 'rejected';
      c.quote.decidedBy = actor;
      c.quote.decidedAt = at;
      if (action.note !== undefined) c.quote.note = action.note;
      event = action.approved ? 'quote_approved' : 'quote_rejected';
      Object.assign(details, { amountCny: c.quote.amountCny, note: action.note });
      break;
    }
    case 'claim_submit': {
      if (!c.claim || c.claim.status !== 'draft') throw new InvalidTransitionError(c.status, 'claim submitted (no draft claim)');
      if (action.labourHours !== undefined) c.claim.labourHours = action.labourHours;
      if (action.photos) c.claim.photos = [...new Set([...c.claim.photos, ...action.photos])];
      c.claim.status = 'submitted';
      c.claim.submittedAt = at;
      c.claim.submittedBy = actor;
      event = 'claim_submitted';
      break;
    }
    case 'rate': {
      if (!c.repair?.repairedAt || !(isRepairedStatus(c.status) || c.status === 'closed')) throw new InvalidTransitionError(c.status, 'rated (not repaired)');
      if (c.rating) throw new ConflictError('the repair is already rated', [{ field: 'body.score', message: 'a case is rated once' }]);
      if (!Number.isInteger(action.score) || action.score < 1 || action.score > 5) throw new ValidationError('score is a whole number 1–5', [{ field: 'body.score', message: 'must be a whole number from 1 to 5' }]);
      c.rating = { score: action.score, ...(action.comment !== undefined ? { comment: action.comment } : {}), at, by: actor };
      event = 'rated';
      Object.assign(details, { score: action.score });
      break;
    }
    case 'follow_up_complete': {
      if (!c.followUp) throw new InvalidTransitionError(c.status, 'follow-up completed (no follow-up task)');
      if (c.followUp.status === 'done') throw new ConflictError('the follow-up is already completed', [{ field: 'id', message: 'already completed' }]);
      Object.assign(c.followUp, { status: 'done', outcome: action.outcome, completedAt: at, completedBy: actor, ...(action.note !== undefined ? { note: action.note } : {}) });
      event = 'follow_up_completed';
      Object.assign(details, { taskId: c.followUp.id, outcome: action.outcome });
      break;
    }
    case 'repair_breach': {
      // Once per case, and only while the truck is not yet repaired.
      if (c.repairBreach || !isOpenStatus(c.status)) return { next: current, details };
      c.repairBreach = { at, ...(action.advisorId ? { advisorId: action.advisorId } : {}) };
      if (action.advisorId && !c.advisorId) c.advisorId = action.advisorId;
      event = 'repair_overdue';
      Object.assign(details, { deadline: c.repairDeadline, advisorId: action.advisorId });
      break;
    }
    case 'cancel': {
      const offer = pendingOffer(c);
      move(c, 'cancelled');
      if (action.parts) c.parts = action.parts;
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
  const message = repairNotice(event, details);
  if (message) details.message = message;
  c.timeline.push({
    at, event, actor,
    ...(from !== c.status ? { from, to: c.status } : {}),
    ...(Object.keys(details).length > 0 ? { details } : {}),
  });
  return { next: c, event, details };
}
